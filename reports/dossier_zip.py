"""The dossier's ZIP, written to disk entry by entry: evidence files are streamed from the file
store in chunks, never held in memory, so a dossier of hundreds of phone photos builds in a few
megabytes of RAM. Already-compressed files (photos, DOCX, XLSX) are stored as they are;
deflating them again costs time and saves nothing. The ZIP's SHA-256 is computed as it is
written, so the file is never read back."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

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


class _HashingSink:
    """A write-only stream over a file that hashes what passes. It cannot seek, so ZipFile
    writes each entry once (sizes in data descriptors) and the file is never read back. (A
    second thread for the hash was measured slower: the two threads kept handing the GIL over.)"""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.size = 0
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> int:
        self.out.write(data)
        self.digest.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        self.out.flush()

    def finish(self) -> str:
        """The SHA-256 of everything written."""
        return self.digest.hexdigest()


def _copy(archive: zipfile.ZipFile, source: Path, path: str, method: int) -> None:
    """A file from disk into the archive in 1 MB chunks (ZipFile.write copies 8 KB at a time)."""
    info = zipfile.ZipInfo.from_file(source, path)
    info.compress_type = method
    with source.open("rb") as src, archive.open(info, "w") as dest:
        while chunk := src.read(CHUNK):
            dest.write(chunk)


def write_zip(
    out: Path,
    entries: Iterable[Entry],
    progress: Callable[[int, int], None] | None = None,
    files_total: int = 0,
) -> tuple[int, str]:
    """Write `entries` in order into the ZIP `out` (an iterable: a generator may still be
    making the later ones); `progress(done, files_total)` after each file from disk. Returns the
    ZIP's size and SHA-256."""
    done = 0
    with out.open("wb") as raw:
        sink = _HashingSink(raw)
        with zipfile.ZipFile(sink, "w", allowZip64=True) as archive:  # type: ignore[call-overload]
            for entry in entries:
                method = _method(entry.path)
                if entry.source is not None:
                    _copy(archive, entry.source, entry.path, method)
                    done += 1
                    if progress is not None:
                        progress(done, files_total)
                else:
                    assert entry.data is not None
                    archive.writestr(entry.path, entry.data, compress_type=method)
    return sink.size, sink.finish()


def split_zip(source: Path, limit: int, folder: Path, stem: str) -> list[Path]:
    """The ZIP `source` as volumes of at most `limit` bytes each (`<stem>-phan-1-tren-3.zip`…),
    each a whole ZIP: unpacked into one folder they give back every file. Entries keep their
    order (the table of contents opens the first volume); none is split, so `limit` must exceed
    the largest entry plus its headers (a photo a bot can download is at most 20 MB)."""
    folder.mkdir(parents=True, exist_ok=True)
    groups: list[list[zipfile.ZipInfo]] = [[]]
    used = _END
    with zipfile.ZipFile(source) as archive:
        for info in archive.infolist():
            # The local header, the data, the data descriptor and the central directory's entry.
            cost = info.compress_size + 2 * (len(info.filename.encode()) + 46) + 24
            if groups[-1] and used + cost > limit:
                groups.append([])
                used = _END
            groups[-1].append(info)
            used += cost
        paths = []
        for n, group in enumerate(groups, start=1):
            path = folder / f"{stem}-phan-{n}-tren-{len(groups)}.zip"
            partial = path.with_name(f".partial-{path.name}")
            with zipfile.ZipFile(partial, "w", allowZip64=True) as volume:
                for info in group:
                    copied = zipfile.ZipInfo(info.filename, info.date_time)
                    copied.compress_type = info.compress_type
                    copied.file_size = info.file_size
                    with archive.open(info) as src, volume.open(copied, "w") as dest:
                        while chunk := src.read(CHUNK):
                            dest.write(chunk)
            partial.replace(path)
            paths.append(path)
    return paths


_END = 22 + 56 + 20  # the end records (ZIP64 included)
