"""Online backup of the SQLite database (SQLite's backup API: consistent while the bot runs)."""

from __future__ import annotations

import contextlib
import os
import sqlite3
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url


class BackupError(Exception):
    """The backup cannot be made; the message is one line meant for the operator."""


def sqlite_path(database_url: str) -> Path | None:
    """The database file of a SQLite URL; None for any other database."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return None
    if not url.database or url.database == ":memory:":
        raise BackupError("DATABASE_URL is an in-memory SQLite database: nothing to back up")
    return Path(url.database)


def default_backup_path(database: Path, now: datetime) -> Path:
    """`backup-YYYYmmdd-HHMMSS.sqlite3` beside the database (data/ by default)."""
    return database.parent / f"backup-{now:%Y%m%d-%H%M%S}.sqlite3"


def backup_sqlite(database: Path, target: Path) -> Path:
    """Copy `database` to `target` with the online backup API; never leaves a partial file."""
    if not database.is_file():
        raise BackupError(f"no database at {database}: nothing to back up")
    if target.exists():
        raise BackupError(f"{target} exists already: choose another path")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + ".partial")
    source = sqlite3.connect(database, timeout=30)
    try:
        copy = sqlite3.connect(partial)
        try:
            # One step: a single read transaction, so the copy is one consistent moment. In WAL
            # mode it blocks no writer, and BEGIN IMMEDIATE transactions do not block it.
            source.backup(copy)
            # The copy would inherit WAL mode; one self-contained file is what a backup should be.
            copy.execute("PRAGMA journal_mode=DELETE")
            verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
        finally:
            copy.close()
        if verdict != "ok":
            raise BackupError(f"the copy failed its integrity check: {verdict}")
        os.replace(partial, target)
    except sqlite3.Error as exc:
        raise BackupError(f"backup failed: {exc}") from None
    finally:
        source.close()
        with contextlib.suppress(FileNotFoundError):
            partial.unlink()
    return target
