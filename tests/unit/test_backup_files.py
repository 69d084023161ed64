"""`python -m bot backup` copies the kept files beside the database copy: content-addressed, so
a later backup copies only what is new, and an interrupted copy leaves no half file."""

from __future__ import annotations

import asyncio
import shutil
from datetime import datetime
from pathlib import Path

import pytest

from storage.backup import backup_files
from storage.db import make_engine, make_session_factory
from storage.files import FileStore
from tests.factories import make_school
from tests.unit.test_backup import backup_cli
from ui.texts import Texts


@pytest.fixture
async def school_db(sqlite_template: Path, tmp_path: Path, texts: Texts, now: datetime) -> Path:
    path = tmp_path / "data" / "thidua.sqlite3"
    path.parent.mkdir()
    shutil.copy(sqlite_template, path)
    engine = make_engine(f"sqlite+aiosqlite:///{path}")
    await make_school(make_session_factory(engine), texts, now)
    await engine.dispose()
    return path


async def test_a_backup_copies_the_kept_files_and_later_only_the_new_ones(
    school_db: Path, tmp_path: Path
) -> None:
    store = FileStore(tmp_path / "files")  # FILES_DIR of backup_cli: <cwd>/files
    photos = [b"\xff\xd8\xff a photo", b"\xff\xd8\xff another", b"%PDF a write-up"]
    first = [store.put(data) for data in photos[:2]]
    target = tmp_path / "copies" / "monday.sqlite3"
    done = await asyncio.to_thread(backup_cli, f"sqlite:///{school_db}", str(target), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    kept = tmp_path / "copies" / "backup-files"
    assert done.stdout.splitlines() == [str(target), f"{kept} (2 files copied, 0 already there)"]
    assert sorted(FileStore(kept).all()) == sorted(first)
    for sha, data in zip(first, photos, strict=False):
        assert FileStore(kept).read(sha) == data

    new = store.put(photos[2])
    done = await asyncio.to_thread(
        backup_cli, f"sqlite:///{school_db}", str(tmp_path / "copies" / "tuesday.sqlite3"),
        cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[1] == f"{kept} (1 files copied, 2 already there)"
    assert FileStore(kept).read(new) == photos[2]


def test_a_half_copied_file_is_copied_again_and_no_partial_is_left(tmp_path: Path) -> None:
    store = FileStore(tmp_path / "store")
    sha = store.put(b"x" * 5000)
    target = tmp_path / "backup"
    (target / sha[:2]).mkdir(parents=True)
    (target / sha[:2] / sha).write_bytes(b"x" * 10)  # a copy cut short by a crash
    assert backup_files(store.root, target) == (1, 0)
    assert (target / sha[:2] / sha).read_bytes() == b"x" * 5000
    assert not list(target.rglob(".partial-*"))
    assert backup_files(store.root, target) == (0, 1)
    assert backup_files(tmp_path / "no-store", target) == (0, 0)
