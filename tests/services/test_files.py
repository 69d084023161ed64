"""The file store: bytes kept by content, downloaded from Telegram once, refused when too big."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from runtime.config import Settings
from services.base import Env
from services.files import (
    FileGone,
    FileTooLarge,
    StaticFetcher,
    keep_bytes,
    keep_telegram_file,
    read_bytes,
)
from storage.db import SessionFactory
from storage.files import FileStore
from storage.models import StoredFile
from ui.texts import Texts


def _env(
    sessions: SessionFactory, texts: Texts, now: datetime, root: Path, fetcher: StaticFetcher
) -> Env:
    return Env(
        sessions=sessions,
        texts=texts,
        clock=lambda: now,
        tz=texts.tz,
        files=FileStore(root),
        fetcher=fetcher,
    )


def test_the_store_names_files_by_their_sha256_and_keeps_the_same_bytes_once(
    tmp_path: Path,
) -> None:
    store = FileStore(tmp_path)
    photo = b"\xff\xd8\xff photo bytes"
    sha = store.put(photo)
    assert sha == hashlib.sha256(photo).hexdigest()
    assert store.put(photo) == sha
    assert store.read(sha) == photo
    assert store.path(sha) == tmp_path / sha[:2] / sha
    assert store.all() == [sha]
    assert not list(tmp_path.rglob(".partial-*"))
    with pytest.raises(ValueError):
        store.path("../../etc/passwd")


async def test_a_telegram_file_is_downloaded_once_and_its_bytes_kept(
    sessions: SessionFactory, texts: Texts, now: datetime, tmp_path: Path
) -> None:
    fetcher = StaticFetcher({"F1": b"a photo", "F1-again": b"a photo"})
    env = _env(sessions, texts, now, tmp_path, fetcher)
    async with sessions() as s:
        first = await keep_telegram_file(
            s, env, file_id="F1", unique_id="U1", name="a.jpg", mime="image/jpeg"
        )
        # The same file under another file id (Telegram gives one per bot and time): not downloaded.
        again = await keep_telegram_file(s, env, file_id="F1-again", unique_id="U1")
        await s.commit()
    assert fetcher.calls == ["F1"]
    assert again.id == first.id
    assert read_bytes(env, first) == b"a photo"
    assert first.size == 7 and first.name == "a.jpg"


async def test_too_big_is_refused_before_any_download_and_a_gone_file_says_so(
    sessions: SessionFactory, texts: Texts, now: datetime, tmp_path: Path
) -> None:
    fetcher = StaticFetcher({})
    env = _env(sessions, texts, now, tmp_path, fetcher)
    async with sessions() as s:
        with pytest.raises(FileTooLarge) as too_big:
            await keep_telegram_file(s, env, file_id="BIG", size=21 * 1024 * 1024)
        assert too_big.value.limit_mb == 20
        with pytest.raises(FileGone):
            await keep_telegram_file(s, env, file_id="GONE")
        assert fetcher.calls == ["GONE"]
        assert await s.scalar(select(func.count()).select_from(StoredFile)) == 0


async def test_bytes_the_bot_made_are_kept_like_any_file(
    sessions: SessionFactory, texts: Texts, now: datetime, tmp_path: Path
) -> None:
    env = _env(sessions, texts, now, tmp_path, StaticFetcher({}))
    async with sessions() as s:
        row = await keep_bytes(s, env, data=b"PK zip", name="ho-so.zip", mime="application/zip")
        await s.commit()
    assert env.files.has(row.sha256) and read_bytes(env, row) == b"PK zip"


def test_files_live_beside_a_sqlite_database_unless_files_dir_says_otherwise(
    tmp_path: Path,
) -> None:
    db = tmp_path / "school" / "thidua.sqlite3"
    beside = Settings(database_url=f"sqlite+aiosqlite:///{db}", files_dir=None)
    assert beside.files_root() == db.parent / "files"
    pg = Settings(database_url="postgresql+asyncpg://u@h/db", files_dir=None)
    assert pg.files_root() == Path("data") / "files"
    assert Settings(files_dir=tmp_path / "x").files_root() == tmp_path / "x"
