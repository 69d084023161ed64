"""Online backup of the SQLite database (SQLite's backup API: consistent while the bot runs), and
of the files the bot keeps (storage/files.py) beside it."""

from __future__ import annotations

import contextlib
import os
import shutil
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


def files_backup_path(target: Path) -> Path:
    """Where a backup's kept files go: `backup-files/` beside the database copy, shared by every
    backup there (content-addressed: a file already copied is not copied again)."""
    return target.parent / "backup-files"


def backup_files(store: Path, target: Path) -> tuple[int, int]:
    """Copy the file store's files (`ab/<sha256>`) that `target` lacks; (copied, already there).

    Run after the database copy: every file its rows name was on disk before the row was
    committed, so it is in the store now. A file is copied under a temporary name and renamed,
    so an interrupted backup leaves no half file under a real name.
    """
    copied = present = 0
    if not store.is_dir():
        return copied, present
    for source in sorted(store.glob("??/*")):
        if not source.is_file() or source.name.startswith("."):
            continue
        kept = target / source.parent.name / source.name
        if kept.is_file() and kept.stat().st_size == source.stat().st_size:
            present += 1
            continue
        kept.parent.mkdir(parents=True, exist_ok=True)
        partial = kept.with_name(f".partial-{kept.name}")
        try:
            shutil.copyfile(source, partial)
            os.replace(partial, kept)
        except OSError as exc:
            raise BackupError(f"copying {source} failed: {exc}") from None
        finally:
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
        copied += 1
    return copied, present
