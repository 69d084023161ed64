"""The text of a document someone sent (a contest entry as DOCX or PDF), so it can be shown
without the file itself: the file may carry its author's name in its properties or its layout."""

from __future__ import annotations

import io
import logging
import shutil
import subprocess
import tempfile
import zipfile
from pathlib import Path
from xml.etree import ElementTree

log = logging.getLogger(__name__)
_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TIMEOUT = 60.0


class Unreadable(ValueError):
    """A file whose text the bot cannot read."""


def docx_text(data: bytes) -> str:
    """The paragraphs of a .docx body (tables' cells too), one per line."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            xml = archive.read("word/document.xml")
        root = ElementTree.fromstring(xml)
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError) as exc:
        raise Unreadable(str(exc)) from None
    lines = []
    for paragraph in root.iter(f"{_W}p"):
        parts = []
        for node in paragraph.iter():
            if node.tag == f"{_W}t" and node.text:
                parts.append(node.text)
            elif node.tag == f"{_W}tab":
                parts.append("\t")
            elif node.tag in (f"{_W}br", f"{_W}cr"):
                parts.append("\n")
        lines.append("".join(parts))
    text = "\n".join(lines).strip()
    if not text:
        raise Unreadable("no text")
    return text


def pdf_text(data: bytes) -> str:
    """A PDF's text, by poppler's `pdftotext` when installed (Unreadable otherwise, or for a scan
    with no text in it)."""
    command = shutil.which("pdftotext")
    if command is None:
        raise Unreadable("pdftotext is not installed")
    with tempfile.TemporaryDirectory(prefix="thidua-read-") as folder:
        source = Path(folder) / "entry.pdf"
        source.write_bytes(data)
        try:
            done = subprocess.run(
                [command, "-enc", "UTF-8", str(source), "-"],
                capture_output=True,
                timeout=TIMEOUT,
                check=True,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            log.info("no text from a PDF (%s)", type(exc).__name__)
            raise Unreadable("pdftotext failed") from None
    text = done.stdout.decode("utf-8", "replace").replace("\f", "\n").strip()
    if not text:
        raise Unreadable("no text")
    return text
