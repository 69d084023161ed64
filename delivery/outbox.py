"""The delivery path: claim due outbox rows and send them, at least once, at most one batch
duplicated by a crash. The design (claims, the window, commits, failover): docs/delivery.md.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from telegram import (
    InlineKeyboardMarkup,
    InputMediaPhoto,
    LinkPreviewOptions,
)
from telegram.constants import ParseMode
from telegram.error import BadRequest, ChatMigrated, Forbidden, NetworkError, RetryAfter, TimedOut
from telegram.ext import ExtBot

from delivery.lease import LeaseLost
from delivery.limiter import NO_RETRY
from storage.db import SessionFactory
from storage.models import OutboxMessage, OutboxStatus
from ui.keyboards import keyboard

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
# Rows of one chat claimed at a time: a group (20 messages a minute) holds a few slots, not all.
PER_CHAT = 5
UNREACHABLE_TEXTS = ("chat not found", "user not found", "peer_id_invalid", "chat_write_forbidden")
NOT_MODIFIED = "message is not modified"
# The outbox's calls are not retried inside the flood limiter (NO_RETRY): a 429 puts the chat's
# rows back in the queue for `retry_after`, so one flood-limited chat never holds up the batch.


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


def _by_chat(rows: list[OutboxMessage]) -> dict[int, list[OutboxMessage]]:
    by_chat: dict[int, list[OutboxMessage]] = defaultdict(list)
    for row in rows:
        by_chat[row.chat_id].append(row)
    return by_chat


class OutboxSender:
    """Sends what services queued; one per process, woken on commit and by a slow poll."""

    def __init__(
        self,
        bot: ExtBot[Any],  # the application's: calls take `rate_limit_args`
        sessions: SessionFactory,
        *,
        batch_size: int = 20,
        poll_seconds: float = 1.0,
        lease_seconds: float = 30.0,
        on_migrate: Callable[[int, int], Awaitable[None]] | None = None,
        clock: Callable[[], datetime] = utcnow,
        exclusive: bool = False,
        active: Callable[[], bool] | None = None,
    ) -> None:
        self.bot, self.sessions = bot, sessions
        self.batch_size, self.poll_seconds = batch_size, poll_seconds
        self.lease = timedelta(seconds=lease_seconds)
        self.on_migrate, self.clock = on_migrate, clock
        self.owner = uuid.uuid4().hex[:16]
        self.exclusive = exclusive  # the only sender (the lease holder): others' claims are void
        # Whether this process still holds the lease: a failure once it lost it (its database
        # session ended by the idle-in-transaction timeout while it was frozen, say) is the
        # hand-over, logged as one warning, not an error that needs a person.
        self.active = active
        self._unsent: list[int] = []  # claimed rows the lease's gate stopped (released after)
        self._wake = asyncio.Event()
        # Accepted rows not committed yet (id -> message id), and those in the commit running.
        self._sent: dict[int, int | None] = {}
        self._flushing: dict[int, int | None] = {}
        self._flush_lock = asyncio.Lock()
        self._stopping = False
        self._more = False  # the last claim left due rows unlooked at
        self._task: asyncio.Task[None] | None = None

    def wake(self) -> None:
        """Something was queued: look now rather than at the next poll."""
        self._wake.set()

    def start(self) -> None:
        """Run the delivery loop in the background."""
        self._stopping = False
        self._task = asyncio.create_task(self._loop(), name="outbox-sender")

    async def stop(self) -> None:
        """Finish the batch in flight, then stop (a clean stop sends nothing twice)."""
        self._stopping = True
        self._wake.set()
        if self._task is not None:
            await self._task
            self._task = None

    async def _loop(self) -> None:
        """Keep up to `batch_size` rows in flight, claiming more as chats finish.

        Each chat's rows go in order, in a task of their own, and a chat is not claimed again
        while its task runs; so a slow answer, or a group waiting out Telegram's 20 messages a
        minute, holds up its own chat and its own few slots, never everyone else's deliveries.
        """
        chats: dict[int, tuple[asyncio.Task[None], int]] = {}  # chat -> (its task, its rows)
        while not self._stopping:
            self._wake.clear()  # before looking: a commit from now on wakes the wait below
            free = self.batch_size - sum(n for _, n in chats.values())
            # Groups wait out 20 messages a minute: they may fill half the window, never all of it.
            groups = self.batch_size // 2 - sum(n for chat, (_, n) in chats.items() if chat < 0)
            claimed: list[OutboxMessage] = []
            if free > 0:
                try:
                    claimed = await self._claim(free, busy=set(chats), groups=max(groups, 0))
                except LeaseLost:
                    pass  # not the active process (any more): serve stops this sender
                except Exception as exc:
                    self._failed("outbox sweep failed; retrying shortly", exc)
            for chat_id, rows in _by_chat(claimed).items():
                task = asyncio.create_task(self._chat_task(rows), name=f"outbox-chat-{chat_id}")
                chats[chat_id] = (task, len(rows))
            if claimed and (len(claimed) == free or self._more):
                continue  # the window is full, or more may be due: look again at once
            waker = asyncio.create_task(self._wake.wait())
            running = {task for task, _ in chats.values()}
            await asyncio.wait(
                {waker, *running}, timeout=self.poll_seconds, return_when=asyncio.FIRST_COMPLETED
            )
            waker.cancel()
            for chat_id, (task, _) in list(chats.items()):
                if task.done():
                    del chats[chat_id]
        # A clean stop: the rows in flight are finished and committed (nothing is sent twice).
        if chats:
            await asyncio.gather(*(task for task, _ in chats.values()))

    async def _chat_task(self, rows: list[OutboxMessage]) -> None:
        """Deliver one chat's claimed rows, commit them, hand back what the gate stopped."""
        try:
            await self._deliver_chat(rows)
            await self._commit_sent()
            ours = {r.id for r in rows}
            unsent = [i for i in self._unsent if i in ours]
            if unsent:
                self._unsent = [i for i in self._unsent if i not in ours]
                await self._release(unsent)
        except LeaseLost:
            pass  # fenced off: another process holds the lease, and its sender takes these rows
        except Exception as exc:
            self._failed(f"outbox delivery to chat {rows[0].chat_id} failed; retrying shortly", exc)

    def _failed(self, what: str, exc: Exception) -> None:
        if self.active is not None and not self.active():
            log.warning(
                "%s (%s): this process is not the active one any more", what, type(exc).__name__
            )
        else:
            log.exception(what)

    async def _claim(
        self, limit: int, busy: set[int] | None = None, groups: int | None = None
    ) -> list[OutboxMessage]:
        """Claim up to `limit` due rows, oldest first, at most PER_CHAT of each chat, at most
        `groups` of group chats, none of a chat in `busy` (its earlier rows are still on their
        way: order is kept per chat). `_more` says whether rows were left unlooked at."""
        self._more = False
        now = self.clock()
        unclaimed = or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now)
        if self.exclusive:
            unclaimed = or_(unclaimed, OutboxMessage.claimed_by != self.owner)
        async with self.sessions() as session:
            due = (
                select(OutboxMessage.id, OutboxMessage.chat_id)
                .where(
                    OutboxMessage.status == OutboxStatus.PENDING,
                    OutboxMessage.not_before <= now,
                    unclaimed,
                )
                .order_by(OutboxMessage.id)
                .limit(limit * PER_CHAT)
            )
            if busy:
                due = due.where(OutboxMessage.chat_id.not_in(busy))
            if session.bind.dialect.name == "postgresql":  # type: ignore[union-attr]
                due = due.with_for_update(skip_locked=True)
            ids, taken = [], Counter[int]()
            page = (await session.execute(due)).all()
            self._more = len(page) == limit * PER_CHAT
            group_budget = limit if groups is None else groups
            for row_id, chat_id in page:
                group = chat_id < 0  # groups and supergroups have negative ids
                if taken[chat_id] >= PER_CHAT or (group and group_budget <= 0):
                    continue
                group_budget -= group
                taken[chat_id] += 1
                ids.append(row_id)
                if len(ids) == limit:
                    break
            if not ids:
                return []
            await session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id.in_(ids),
                    OutboxMessage.status == OutboxStatus.PENDING,  # not cancelled meanwhile
                    unclaimed,
                )
                .values(claimed_by=self.owner, claimed_until=now + self.lease)
            )
            rows = await session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.id.in_(ids), OutboxMessage.claimed_by == self.owner)
                .order_by(OutboxMessage.id)
            )
            claimed = list(rows.all())
            await session.commit()  # fenced with a lease: no rows unless this process holds it
            return claimed

    async def run_once(self) -> int:
        """Claim one batch and deliver it all: chats in parallel, each chat's rows in order."""
        rows = await self._claim(self.batch_size)
        await asyncio.gather(*(self._deliver_chat(r) for r in _by_chat(rows).values()))
        await self._commit_sent()
        if self._unsent:  # the gate stopped them: hand them back (fails if the lease is lost)
            unsent, self._unsent = self._unsent, []
            await self._release(unsent)
        return len(rows)

    async def _release(self, row_ids: list[int]) -> None:
        async with self.sessions() as session:
            await session.execute(
                update(OutboxMessage)
                .where(OutboxMessage.id.in_(row_ids), OutboxMessage.claimed_by == self.owner)
                .values(claimed_by=None, claimed_until=None)
            )
            await session.commit()

    async def _commit_sent(self) -> None:
        """Mark the accepted rows sent: all that accumulated, in one transaction."""
        async with self._flush_lock:  # callers queue here; the first takes everyone's rows
            if not self._sent:
                return
            self._flushing, self._sent = self._sent, {}
            try:
                await self._write_sent(self._flushing)
            except BaseException:
                # Not written (the database was busy or gone): keep them for the next flush, or
                # they would stay claimed, expire and be sent again.
                self._sent = {**self._flushing, **self._sent}
                raise
            finally:
                self._flushing = {}

    async def _write_sent(self, sent: dict[int, int | None]) -> None:
        now = self.clock()
        async with self.sessions() as session:
            await session.execute(
                update(OutboxMessage),
                [
                    {
                        "id": row_id,
                        "status": OutboxStatus.SENT,
                        "sent_at": now,
                        "tg_message_id": message_id,
                        "claimed_by": None,
                        "claimed_until": None,
                    }
                    for row_id, message_id in sent.items()
                ],
            )
            await session.commit()

    async def _deliver_chat(self, rows: list[OutboxMessage]) -> None:
        done = 0
        try:
            for row in rows:
                pause = None
                try:
                    pause = await self._deliver(row)
                except LeaseLost:
                    raise
                except Exception:
                    log.exception("outbox row %s: unexpected failure", row.id)
                    await self._finish(row.id, retry_in=60.0, error="internal error", count=True)
                done += 1
                await self._commit_sent()
                if pause is not None:  # Telegram asked this chat to wait: the rest waits, in order
                    for later in rows[done:]:
                        await self._finish(later.id, retry_in=pause, error="chat flood-limited")
                    done = len(rows)
                    break
        except LeaseLost:  # the gate or the fence stopped us: the rest is not ours to send now
            self._unsent.extend(r.id for r in rows[done:])

    async def _deliver(self, row: OutboxMessage) -> float | None:
        """Send one row; the seconds its chat must wait when Telegram answered 429, else None."""
        payload: dict[str, Any] = row.payload
        markup = keyboard(payload.get("buttons"))
        try:
            if row.method == "send_message":
                message = await self.bot.send_message(
                    row.chat_id,
                    payload["text"],
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    link_preview_options=LinkPreviewOptions(is_disabled=True),
                    rate_limit_args=NO_RETRY,
                )
                await self._finish(row.id, sent_id=message.message_id)
            elif row.method == "send_photo":
                message = await self.bot.send_photo(
                    row.chat_id,
                    payload["photos"][0],
                    caption=payload.get("caption"),
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    rate_limit_args=NO_RETRY,
                )
                await self._finish(row.id, sent_id=message.message_id)
            elif row.method == "send_document":
                message = await self.bot.send_document(
                    row.chat_id,
                    payload["document"],
                    caption=payload.get("caption"),
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    rate_limit_args=NO_RETRY,
                )
                await self._finish(row.id, sent_id=message.message_id)
            elif row.method == "send_media_group":
                album = [InputMediaPhoto(file_id) for file_id in payload["photos"]]
                if payload.get("caption"):
                    album[0] = InputMediaPhoto(
                        payload["photos"][0], caption=payload["caption"], parse_mode=ParseMode.HTML
                    )
                messages = await self.bot.send_media_group(
                    row.chat_id, album, rate_limit_args=NO_RETRY
                )
                await self._finish(row.id, sent_id=messages[0].message_id)
            elif row.method == "edit_message_text":
                await self._edit(row, payload, markup)
            else:
                await self._finish(row.id, failed=f"unknown method {row.method}")
        except ChatMigrated as exc:
            await self._migrate(row, int(exc.new_chat_id))
        except Forbidden as exc:
            await self._finish(row.id, unreachable=exc.message)
        except RetryAfter as exc:
            delay = exc.retry_after
            seconds = delay.total_seconds() if isinstance(delay, timedelta) else float(delay)
            await self._finish(row.id, retry_in=seconds, error=exc.message)
            return seconds
        except BadRequest as exc:
            text = exc.message.lower()
            if NOT_MODIFIED in text:
                await self._finish(row.id, sent_id=None)
            elif any(marker in text for marker in UNREACHABLE_TEXTS):
                await self._finish(row.id, unreachable=exc.message)
            else:
                log.error("outbox row %s refused by Telegram: %s", row.id, exc.message)
                await self._finish(row.id, failed=exc.message)
        except (TimedOut, NetworkError) as exc:
            attempt = row.attempts + 1
            backoff = min(2.0**attempt, 300.0)
            gave_up = attempt >= MAX_ATTEMPTS
            # One line, never the text (nor the token): what, where, which try, which failure.
            log.log(
                logging.ERROR if gave_up else logging.WARNING,
                "outbox row %s: %s to chat %s failed (%s), attempt %d of %d; %s",
                row.id,
                row.method,
                row.chat_id,
                type(exc).__name__,
                attempt,
                MAX_ATTEMPTS,
                "giving up" if gave_up else f"retrying in {backoff:.0f} s",
            )
            await self._finish(row.id, retry_in=backoff, error=str(exc), count=True)
        return None

    async def _edit(
        self, row: OutboxMessage, payload: dict[str, Any], markup: InlineKeyboardMarkup | None
    ) -> None:
        if "message_id" in payload:  # a message sent outside the outbox (a progress message)
            await self.bot.edit_message_text(
                payload["text"],
                chat_id=row.chat_id,
                message_id=int(payload["message_id"]),
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                rate_limit_args=NO_RETRY,
            )
            await self._finish(row.id, sent_id=int(payload["message_id"]))
            return
        async with self.sessions() as session:
            original = await session.get(OutboxMessage, int(payload["edit_of"]))
        if original is None or original.status in (OutboxStatus.FAILED, OutboxStatus.UNREACHABLE):
            await self._finish(row.id, failed="original message was never delivered")
            return
        sent_id = (  # maybe sent a moment ago, not committed yet
            original.tg_message_id or self._sent.get(original.id) or self._flushing.get(original.id)
        )
        if sent_id is None:  # not sent yet: edit once it is
            await self._finish(row.id, retry_in=1.0, error="waiting for the original")
            return
        if row.chat_id != original.chat_id:
            # The group became a supergroup (`_migrate` moved this edit): the old group's messages
            # are read-only, so the edited message is posted anew there and later edits follow it.
            message = await self.bot.send_message(
                row.chat_id,
                payload["text"],
                parse_mode=ParseMode.HTML,
                reply_markup=markup,
                link_preview_options=LinkPreviewOptions(is_disabled=True),
                rate_limit_args=NO_RETRY,
            )
            async with self.sessions() as session:
                await session.execute(
                    update(OutboxMessage)
                    .where(OutboxMessage.id == original.id)
                    .values(chat_id=row.chat_id, tg_message_id=message.message_id)
                )
                await session.commit()
            await self._finish(row.id, sent_id=message.message_id)
            return
        await self.bot.edit_message_text(
            payload["text"],
            chat_id=original.chat_id,
            message_id=sent_id,
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            rate_limit_args=NO_RETRY,
        )
        await self._finish(row.id, sent_id=sent_id)

    async def _migrate(self, row: OutboxMessage, new_chat_id: int) -> None:
        log.info("chat %s became %s; following it", row.chat_id, new_chat_id)
        async with self.sessions() as session:
            await session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.chat_id == row.chat_id,
                    OutboxMessage.status == OutboxStatus.PENDING,
                )
                .values(chat_id=new_chat_id)
            )
            await session.commit()
        if self.on_migrate is not None:
            await self.on_migrate(row.chat_id, new_chat_id)
        await self._finish(row.id, retry_in=0.0, error="chat migrated")

    async def _finish(
        self,
        row_id: int,
        *,
        sent_id: int | None = None,
        failed: str | None = None,
        unreachable: str | None = None,
        retry_in: float | None = None,
        error: str | None = None,
        count: bool = False,
    ) -> None:
        if retry_in is None and failed is None and unreachable is None:
            self._sent[row_id] = sent_id  # accepted: the caller commits it with others
            return
        now = self.clock()
        values: dict[str, Any] = {"claimed_by": None, "claimed_until": None}
        async with self.sessions() as session:
            row = await session.get_one(OutboxMessage, row_id)
            if retry_in is not None:
                attempts = row.attempts + (1 if count else 0)
                if attempts >= MAX_ATTEMPTS:
                    values |= {"status": OutboxStatus.FAILED, "error": error, "attempts": attempts}
                else:
                    values |= {
                        "attempts": attempts,
                        "error": error,
                        "not_before": now + timedelta(seconds=retry_in),
                    }
            elif failed is not None:
                values |= {"status": OutboxStatus.FAILED, "error": failed[:500]}
            else:
                values |= {"status": OutboxStatus.UNREACHABLE, "error": (unreachable or "")[:500]}
            await session.execute(
                update(OutboxMessage).where(OutboxMessage.id == row_id).values(**values)
            )
            await session.commit()
