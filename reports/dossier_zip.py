"""The dossier's ZIP, written to disk entry by entry: evidence files are streamed from the file
store (ZipFile.write reads them in chunks), never held in memory, so a dossier of hundreds of
phone photos builds in a few megabytes of RAM. Already-compressed files (photos, DOCX, XLSX)
are stored as they are; deflating them again costs time and saves nothing."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

# Formats that are compressed already: ZIP_STORED.
STORED = frozenset({"jpg", "jpeg", "png", "gif", "webp", "heic", "mp4", "docx", "xlsx", "zip"})
CHUNK = 1024 * 1024


@dataclass(frozen=True)
class Entry:
    """One file in the ZIP: its bytes (a generated document) or a file on disk (evidence)."""

    path: str
    data: bytes | None = None
    source: Path | None = None


def _method(path: str) -> int:
    ext = path.rsplit(".", 1)[-1].lower() if "." in path else ""
    return zipfile.ZIP_STORED if ext in STORED else zipfile.ZIP_DEFLATED


def write_zip(
    out: Path,
    entries: Sequence[Entry],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, str]:
    """Write `entries` in order into the ZIP `out`; `progress(done, total)` after each file
    from disk. Returns the ZIP's size and SHA-256."""
    files_total = sum(1 for e in entries if e.source is not None)
    done = 0
    with zipfile.ZipFile(out, "w", allowZip64=True) as archive:
        for entry in entries:
            method = _method(entry.path)
            if entry.source is not None:
                archive.write(entry.source, entry.path, compress_type=method)
                done += 1
                if progress is not None:
                    progress(done, files_total)
            else:
                assert entry.data is not None
                archive.writestr(entry.path, entry.data, compress_type=method)
    digest = hashlib.sha256()
    with out.open("rb") as written:
        while chunk := written.read(CHUNK):
            digest.update(chunk)
    return out.stat().st_size, digest.hexdigest()
