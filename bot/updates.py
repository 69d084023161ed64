"""How updates are processed: one chat's in order, different chats at the same time.

PTB processes updates one at a time by default, so a handler waiting on Telegram (a 429 to wait
out in a busy group, a slow answer, an export being built) would hold up every other user. Here
only that chat waits: a dialogue still sees its own messages and button presses in order.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import Any

from telegram import Update
from telegram.ext import BaseUpdateProcessor


def chat_of(update: object) -> int | None:
    """The chat whose updates must stay in order (the user's, when there is no chat)."""
    if not isinstance(update, Update):
        return None
    if update.effective_chat is not None:
        return update.effective_chat.id
    return update.effective_user.id if update.effective_user is not None else None


class PerChatUpdates(BaseUpdateProcessor):
    """Updates of one chat one after another; other chats meanwhile."""

    def __init__(self, max_concurrent_updates: int = 256) -> None:
        super().__init__(max_concurrent_updates)
        self._locks: dict[int | None, asyncio.Lock] = {}
        self._queued: dict[int | None, int] = {}

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Process `update` once the chat's earlier updates are done (asyncio locks are FIFO)."""
        chat = chat_of(update)
        lock = self._locks.setdefault(chat, asyncio.Lock())
        self._queued[chat] = self._queued.get(chat, 0) + 1
        try:
            async with lock:
                await coroutine
        finally:
            self._queued[chat] -= 1
            if not self._queued[chat]:  # forget idle chats
                del self._queued[chat], self._locks[chat]

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""
