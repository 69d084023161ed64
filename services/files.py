"""Files people send the bot, kept by the bot: downloaded from Telegram once, stored by content.

Telegram's file ids are not an archive: a file may stop being served, and a dossier must carry the
bytes. `keep_telegram_file` downloads a file (through the fetcher the application binds: getFile
then the download), keeps the bytes in the file store (storage/files.py) and records a row
(`StoredFile`). The same Telegram file (its unique id) or the same bytes are kept once.
"""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.base import Env, Fetcher, FileGone
from storage.models import StoredFile

__all__ = [
    "Env",
    "Fetcher",
    "FileGone",
    "FileTooLarge",
    "StaticFetcher",
    "keep_bytes",
    "keep_telegram_file",
    "read_bytes",
]

# Telegram's Bot API lets a bot download files up to 20 MB (getFile); larger ones cannot be kept.
TELEGRAM_DOWNLOAD_LIMIT = 20 * 1024 * 1024


class FileTooLarge(Exception):
    """The file is larger than the bot can download."""

    def __init__(self, size: int, limit_bytes: int = TELEGRAM_DOWNLOAD_LIMIT) -> None:
        super().__init__(f"{size} bytes > {limit_bytes}")
        self.size = size
        self.limit_bytes = limit_bytes

    @property
    def limit_mb(self) -> int:
        """The limit in whole megabytes, as people say it."""
        return self.limit_bytes // (1024 * 1024)


class StaticFetcher(Fetcher):
    """A fetcher over a dict (service tests): ids not in it are gone."""

    def __init__(self, files: dict[str, bytes]) -> None:
        super().__init__()
        self.files = files
        self.calls: list[str] = []

        async def fetch(file_id: str) -> bytes:
            self.calls.append(file_id)
            if file_id not in self.files:
                raise FileGone(file_id)
            return self.files[file_id]

        self.bind(fetch)


async def keep_bytes(
    session: AsyncSession, env: Env, *, data: bytes, name: str | None, mime: str | None
) -> StoredFile:
    """Keep bytes the bot made or received; the row (flushed, not committed)."""
    sha256 = await asyncio.to_thread(env.files.put, data)  # hashing and fsync: off the loop
    row = StoredFile(sha256=sha256, size=len(data), name=name, mime=mime, created_at=env.clock())
    session.add(row)
    await session.flush()
    return row


async def keep_telegram_file(
    session: AsyncSession,
    env: Env,
    *,
    file_id: str,
    unique_id: str | None = None,
    name: str | None = None,
    mime: str | None = None,
    size: int | None = None,
) -> StoredFile:
    """Download a Telegram file once and keep it; the row (flushed, not committed).

    FileTooLarge before any download when Telegram said the size; FileGone when Telegram no longer
    serves it. A file kept before (same unique id, bytes still on disk) is not downloaded again.
    """
    if size is not None and size > TELEGRAM_DOWNLOAD_LIMIT:
        raise FileTooLarge(size)
    if unique_id:
        known = await session.scalar(
            select(StoredFile)
            .where(StoredFile.tg_unique_id == unique_id)
            .order_by(StoredFile.id)
            .limit(1)
        )
        if known is not None and env.files.has(known.sha256):
            return known
    data = await env.fetcher(file_id)
    if len(data) > TELEGRAM_DOWNLOAD_LIMIT:
        raise FileTooLarge(len(data))
    sha256 = await asyncio.to_thread(env.files.put, data)  # hashing and fsync: off the loop
    row = StoredFile(
        sha256=sha256,
        size=len(data),
        name=name,
        mime=mime,
        tg_file_id=file_id,
        tg_unique_id=unique_id,
        created_at=env.clock(),
    )
    session.add(row)
    await session.flush()
    return row


def read_bytes(env: Env, stored: StoredFile) -> bytes:
    """The bytes of a kept file (FileNotFoundError if the store lost them: restore the backup)."""
    return env.files.read(stored.sha256)
