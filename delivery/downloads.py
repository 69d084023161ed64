"""Downloading the files people sent: getFile, then the bytes (for services/files.py)."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from telegram import Bot
from telegram.error import BadRequest

from storage.files import FileGone

log = logging.getLogger(__name__)


def telegram_fetch(bot: Bot) -> Callable[[str], Awaitable[bytes]]:
    """A fetch function over `bot`: the bytes of a file id, FileGone when Telegram refuses it."""

    async def fetch(file_id: str) -> bytes:
        try:
            file = await bot.get_file(file_id)
            return bytes(await file.download_as_bytearray())
        except BadRequest as exc:
            # "invalid file_id", "wrong file_id", "file is too big", "file not found": none of them
            # gets better by trying again; the caller reports the file as not kept.
            log.warning("file %s…: not downloadable: %s", file_id[:12], exc.message)
            raise FileGone(exc.message) from None

    return fetch
