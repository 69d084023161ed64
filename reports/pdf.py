"""A PDF of a document, made by LibreOffice (`soffice --headless`) when it is installed."""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)
TIMEOUT = 120.0  # seconds; a first conversion also creates LibreOffice's profile


def converter() -> str | None:
    """LibreOffice's command, if installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(docx: bytes) -> bytes | None:
    """The document as PDF; None when LibreOffice is not installed or the conversion failed."""
    command = converter()
    if command is None:
        return None
    with tempfile.TemporaryDirectory(prefix="thidua-pdf-") as folder:
        source = Path(folder) / "document.docx"
        source.write_bytes(docx)
        try:
            # A profile of its own: two conversions at once, or LibreOffice open on the same
            # computer, would otherwise wait for each other's lock.
            subprocess.run(
                [
                    command,
                    "--headless",
                    f"-env:UserInstallation=file://{folder}/profile",
                    "--convert-to",
                    "pdf",
                    "--outdir",
                    folder,
                    str(source),
                ],
                capture_output=True,
                timeout=TIMEOUT,
                check=True,
            )
        except (subprocess.SubprocessError, OSError) as exc:
            log.warning("no PDF of the document: LibreOffice failed (%s)", type(exc).__name__)
            return None
        pdf = Path(folder) / "document.pdf"
        return pdf.read_bytes() if pdf.exists() else None
