"""`python -m bot backup`: SQLite's online backup, taken while the bot holds the write lock."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import text, update

from storage.db import make_engine, make_session_factory
from storage.models import Org
from tests.factories import make_school
from ui.texts import Texts

TABLES = ("orgs", "people", "memberships", "departments", "audit")


def backup_cli(database_url: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run the real command line with DATABASE_URL set."""
    return subprocess.run(
        [sys.executable, "-m", "bot", "backup", *args],
        capture_output=True,
        text=True,
        # The kept files: this test's own store (storage/backup.py copies them beside the copy).
        env={**os.environ, "DATABASE_URL": database_url, "FILES_DIR": str(cwd / "files")},
        cwd=cwd,
        timeout=60,
    )


def counts(path: Path) -> dict[str, int]:
    """Rows per table in a SQLite file."""
    with sqlite3.connect(path) as db:
        return {t: db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}


@pytest.fixture
async def school_db(sqlite_template: Path, tmp_path: Path, texts: Texts, now: datetime) -> Path:
    """A SQLite database (WAL mode) with a school and its four people."""
    path = tmp_path / "data" / "thidua.sqlite3"
    path.parent.mkdir()
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    await make_school(make_session_factory(engine), texts, now)
    await engine.dispose()
    return path


async def test_a_backup_taken_while_a_write_is_in_flight_has_every_committed_row(
    school_db: Path, tmp_path: Path
) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{school_db}")
    target = tmp_path / "copies" / "nightly.sqlite3"
    try:
        async with make_session_factory(engine)() as session:
            # A bot transaction holding the write lock (BEGIN IMMEDIATE), not committed.
            await session.execute(update(Org).values(name="Chưa lưu"))
            mode = (await session.execute(text("PRAGMA journal_mode"))).scalar()
            done = await asyncio.to_thread(
                backup_cli, f"sqlite:///{school_db}", str(target), cwd=tmp_path
            )
            await session.rollback()
    finally:
        await engine.dispose()
    assert mode == "wal"
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == str(target)
    assert counts(target) == counts(school_db)
    assert counts(target)["people"] == 4
    with sqlite3.connect(target) as copy:
        assert copy.execute("SELECT name FROM orgs").fetchone()[0] != "Chưa lưu"
        assert copy.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # one file
    assert sorted(p.name for p in target.parent.iterdir()) == ["nightly.sqlite3"]


async def test_without_a_path_the_backup_goes_beside_the_database_with_the_time(
    school_db: Path, tmp_path: Path
) -> None:
    done = await asyncio.to_thread(backup_cli, f"sqlite:///{school_db}", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    written = Path(done.stdout.splitlines()[0])
    assert written.parent == school_db.parent
    assert re.fullmatch(r"backup-\d{8}-\d{6}\.sqlite3", written.name)
    assert counts(written) == counts(school_db)


async def test_an_existing_file_is_never_overwritten(school_db: Path, tmp_path: Path) -> None:
    target = tmp_path / "taken.sqlite3"
    target.write_bytes(b"keep me")
    done = await asyncio.to_thread(backup_cli, f"sqlite:///{school_db}", str(target), cwd=tmp_path)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"Backup error: {target} exists already: choose another path"
    ]
    assert target.read_bytes() == b"keep me"


async def test_on_postgresql_it_points_to_pg_dump_in_one_line(tmp_path: Path) -> None:
    done = await asyncio.to_thread(
        backup_cli, "postgresql://postgres@127.0.0.1:5432/thidua", cwd=tmp_path
    )
    assert done.returncode == 2
    [line] = done.stderr.strip().splitlines()
    assert "pg_dump -Fc" in line
    assert done.stdout == ""
