"""Live progress of broadcasts: the sender's one message, edited as delivery goes, then the report.

Everything it shows is counted from the outbox rows, and the message to edit is stored on the
broadcast row, so a restart simply carries on. Edits are throttled: one every `interval` seconds
per broadcast at most, and only when the text changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import UTC, datetime

from telegram import Bot, LinkPreviewOptions
from telegram.constants import ParseMode
from telegram.error import BadRequest, TelegramError

from delivery.lease import LeaseLost
from delivery.outbox import NOT_MODIFIED
from services import broadcasts
from storage.db import SessionFactory
from ui.keyboards import keyboard
from ui.texts import Texts

log = logging.getLogger(__name__)


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


class BroadcastProgress:
    """Keeps each running broadcast's progress message current, then files its final report."""

    def __init__(
        self,
        bot: Bot,
        sessions: SessionFactory,
        texts: Texts,
        *,
        interval: float = 3.0,
        clock: Callable[[], datetime] = utcnow,
        active: Callable[[], bool] | None = None,
    ) -> None:
        self.bot, self.sessions, self.texts = bot, sessions, texts
        self.active = active  # whether this process still holds the lease (see OutboxSender)
        self.interval, self.clock = interval, clock
        self._shown: dict[int, str] = {}
        self._stop = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Run in the background."""
        self._stop.clear()
        self._task = asyncio.create_task(self._loop(), name="broadcast-progress")

    async def stop(self) -> None:
        """Stop after the current round."""
        self._stop.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                await self.run_once()
            except LeaseLost:
                pass  # this process is stopping: the active one carries on
            except Exception as exc:
                if self.active is not None and not self.active():
                    log.warning(
                        "broadcast progress round failed (%s): not the active process any more",
                        type(exc).__name__,
                    )
                else:
                    log.exception("broadcast progress round failed; trying again shortly")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), self.interval)

    async def run_once(self) -> None:
        """One round: file the reports of finished broadcasts, edit the others' progress."""
        async with self.sessions() as session:
            running = await broadcasts.unfinished(session)
        for broadcast_id in running:
            async with self.sessions() as session:
                filed = await broadcasts.finish(
                    session, broadcast_id=broadcast_id, texts=self.texts, now=self.clock()
                )
            if filed is not None:  # its last edit and the report went to the outbox
                self._shown.pop(broadcast_id, None)
                continue
            async with self.sessions() as session:
                state = await broadcasts.progress(session, broadcast_id=broadcast_id)
            await self._show(state)

    async def _show(self, state: broadcasts.Progress) -> None:
        if state.chat_id is None or state.message_id is None:
            return
        text, buttons = broadcasts.progress_message(self.texts, state)
        if self._shown.get(state.id) == text:
            return
        try:
            await self.bot.edit_message_text(
                text,
                chat_id=state.chat_id,
                message_id=state.message_id,
                parse_mode=ParseMode.HTML,
                reply_markup=keyboard([[list(b) for b in row] for row in buttons]),
                link_preview_options=LinkPreviewOptions(is_disabled=True),
            )
        except BadRequest as exc:
            if NOT_MODIFIED not in exc.message.lower():
                log.warning("progress of broadcast %s not shown: %s", state.id, exc.message)
        except TelegramError as exc:  # the final report still goes through the outbox
            log.warning("progress of broadcast %s not shown: %s", state.id, exc)
        self._shown[state.id] = text
