"""The file store: bytes on disk, named by their SHA-256 (content-addressed).

`root/ab/abcdef…` holds the bytes whose SHA-256 is `abcdef…`. A file is written once, to a temporary
name then renamed, so a crash never leaves half a file under a real name; the same bytes sent twice
are kept once. The rows that say what each file is live in the database (`stored_files`); backups
copy this directory beside the database's copy (storage/backup.py).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


class FileGone(Exception):
    """The file cannot be had: Telegram no longer serves it (or never did under this id)."""


class FileStore:
    """Content-addressed files under one directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        """Where the bytes with this SHA-256 live (whether or not they are there)."""
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError(f"not a SHA-256 in hex: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def has(self, sha256: str) -> bool:
        """Whether the bytes are on disk."""
        return self.path(sha256).is_file()

    def put(self, data: bytes) -> str:
        """Keep `data`; its SHA-256 (the file's name)."""
        sha256 = hashlib.sha256(data).hexdigest()
        target = self.path(sha256)
        if target.is_file():
            return sha256
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, partial = tempfile.mkstemp(dir=target.parent, prefix=".partial-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(partial, target)
        except BaseException:
            Path(partial).unlink(missing_ok=True)
            raise
        return sha256

    def read(self, sha256: str) -> bytes:
        """The bytes with this SHA-256; FileNotFoundError if the store lost them."""
        return self.path(sha256).read_bytes()

    def all(self) -> list[str]:
        """Every SHA-256 kept (for backups and checks)."""
        if not self.root.is_dir():
            return []
        return sorted(
            p.name for p in self.root.glob("??/*") if p.is_file() and not p.name.startswith(".")
        )
