"""Failover: of several bot processes on one database, the one holding the lease is active.
How the lease is taken, renewed and fenced, and the bound on what a frozen process can send:
docs/delivery.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import DateTime, Interval, event, func, literal, or_, select, true, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.sql import Executable
from sqlalchemy.sql.elements import ColumnElement
from telegram.error import TelegramError

from delivery.limiter import SENDING
from storage.db import SessionFactory, make_session_factory
from storage.models import Lease

log = logging.getLogger(__name__)

ACTIVE = "active"
# Calls a standby may make: initialising the bot needs getMe, which changes nothing.
ALWAYS_ALLOWED = frozenset({"getMe"})
# Telegram's per-chat window: a new holder waits this long before its first message.
PER_CHAT_WINDOW = 1.0


class LeaseLost(TelegramError):
    """This process does not hold the lease (or no longer does): it must not send or write."""

    def __init__(self, message: str = "this process is not the active one") -> None:
        super().__init__(message)


def _holder_id() -> str:
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LeaseKeeper:
    """Takes, renews and releases the lease; gates Bot API calls; fences the workers' commits."""

    def __init__(
        self,
        sessions: SessionFactory,
        *,
        seconds: float = 15.0,
        name: str = ACTIVE,
        holder: str | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.sessions, self.name, self.clock = sessions, name, clock
        self.holder = holder or _holder_id()
        self.seconds = seconds
        self.renew_every = seconds / 3
        self.retry_every = min(seconds / 3, 2.0)
        self.margin = min(1.0, seconds / 10)
        # A frozen worker transaction is ended by PostgreSQL after this long.
        self.idle_ms = int(max(2.0, seconds / 2) * 1000)
        self.token: int | None = None
        self.valid_until = 0.0
        self.quiet_until = 0.0
        self.lost = asyncio.Event()
        self._changed = asyncio.Event()
        self._nudge = asyncio.Event()
        self._first = True
        self.fenced = self._fenced_factory()
        self._autocommit = sessions.kw["bind"].execution_options(isolation_level="AUTOCOMMIT")

    @property
    def _dialect(self) -> str:
        return str(self.sessions.kw["bind"].dialect.name)

    def holds(self) -> bool:
        """True while this process surely holds the lease (by its local deadline)."""
        return self.token is not None and not self.lost.is_set() and self.clock() < self.valid_until

    # -- the statements -------------------------------------------------------------------------

    def _times(self) -> tuple[Any, Any]:
        """(now, now + lease) as SQL on PostgreSQL (the server's clock), as values on SQLite."""
        if self._dialect == "postgresql":
            now = func.clock_timestamp(type_=DateTime(timezone=True))
            return now, now + literal(timedelta(seconds=self.seconds), Interval())
        wall = datetime.now(UTC)
        return wall, wall + timedelta(seconds=self.seconds)

    async def _run(self, statement: Executable, *, rows: bool = False) -> tuple[Any, int]:
        """Execute one lease statement and commit it: (first column of the first row, rowcount).

        On PostgreSQL each statement commits by itself (autocommit): a process frozen or cut off
        between a statement and its COMMIT would otherwise keep the lease row locked, and a
        takeover, which must update that row, would wait for it for as long as that lasts.
        """
        if self._dialect == "postgresql":
            async with self._autocommit.connect() as connection:
                result: Any = await connection.execute(statement)
                return (result.scalar() if rows else None), result.rowcount
        async with self.sessions() as session:
            result = await session.execute(statement)
            value = result.scalar() if rows else None
            await session.commit()
            return value, getattr(result, "rowcount", -1)

    async def try_acquire(self) -> bool:
        """One attempt to take the lease (free, expired, released, or already ours)."""
        steal = self._first and self._dialect == "sqlite"
        self._first = False
        started = self.clock()
        previous, _ = await self._run(
            select(Lease.holder).where(Lease.name == self.name), rows=True
        )
        now, expiry = self._times()
        insert = pg_insert if self._dialect == "postgresql" else sqlite_insert
        takeover: ColumnElement[bool] = (
            true()
            if steal
            else or_(Lease.expires_at < now, Lease.holder == self.holder, Lease.holder == "")
        )
        token, _ = await self._run(
            insert(Lease)
            .values(name=self.name, holder=self.holder, token=1, expires_at=expiry)
            .on_conflict_do_update(
                index_elements=[Lease.name],
                set_={"holder": self.holder, "token": Lease.token + 1, "expires_at": expiry},
                where=takeover,
            )
            .returning(Lease.token),
            rows=True,
        )
        if token is None:
            return False
        self.token, self.valid_until = int(token), started + self.seconds - self.margin
        # Taken from a process that did not release it: it may have sent a moment ago.
        self.quiet_until = (
            self.clock() + PER_CHAT_WINDOW if previous not in (None, "", self.holder) else 0.0
        )
        self.lost.clear()
        self._notify()
        return True

    async def renew(self) -> bool:
        """Move the expiry on; False when the lease is no longer ours (another took it over)."""
        if self.token is None:
            return False
        started = self.clock()
        _, expiry = self._times()
        _, count = await self._run(
            update(Lease)
            .where(Lease.name == self.name, Lease.holder == self.holder, Lease.token == self.token)
            .values(expires_at=expiry)
        )
        if count != 1:
            return False
        self.valid_until = started + self.seconds - self.margin
        self._notify()
        return True

    async def release(self) -> None:
        """Give the lease up (a clean stop): a standby may take it over at once."""
        token, self.token = self.token, None
        self._notify()
        if token is None:
            return
        now, _ = self._times()
        await self._run(
            update(Lease)
            .where(Lease.name == self.name, Lease.holder == self.holder, Lease.token == token)
            .values(holder="", expires_at=now)
        )
        log.info("lease released")

    async def _remaining(self) -> float:
        """Seconds until the current holder's lease expires (0 when unknown or past)."""
        now, _ = self._times()
        left, _ = await self._run(
            select(Lease.expires_at - now).where(Lease.name == self.name)
            if self._dialect == "postgresql"
            else select(Lease.expires_at).where(Lease.name == self.name),
            rows=True,
        )
        if left is None:
            return 0.0
        if isinstance(left, datetime):  # SQLite: the expiry itself
            left = left - datetime.now(UTC)
        return max(0.0, left.total_seconds())

    # -- the loops ------------------------------------------------------------------------------

    async def acquire(self, stop: asyncio.Event) -> bool:
        """Stand by until the lease is ours (True) or `stop` is set (False)."""
        announced = False
        while not stop.is_set():
            try:
                if await self.try_acquire():
                    log.info("active: this process holds the lease")
                    return True
                delay = min(self.retry_every, await self._remaining() + 0.05)
            except Exception as exc:
                log.warning("could not reach the lease (%s); retrying", type(exc).__name__)
                delay = self.retry_every
            if not announced:
                log.info("standby: another process holds the lease; taking over when it expires")
                announced = True
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), max(delay, 0.05))
        return False

    async def keep(self) -> None:
        """Renew every third of the lease until it is lost; run while active."""
        delay = self.renew_every
        while not self.lost.is_set():
            self._nudge.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._nudge.wait(), delay)
            delay = self.renew_every
            try:
                renewed = await asyncio.wait_for(self.renew(), self.renew_every)
            except Exception as exc:
                if self.clock() >= self.valid_until:
                    self._lose(f"could not renew it in time ({type(exc).__name__})")
                    return
                log.warning("lease renewal failed (%s); retrying", type(exc).__name__)
                delay = self.renew_every / 4
                continue
            if not renewed:
                self._lose("another process took it over")
                return

    def _lose(self, reason: str) -> None:
        if self.token is not None and not self.lost.is_set():
            log.warning("lease lost: %s", reason)
        self.token = None
        self.lost.set()
        self._notify()

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    # -- the request gate -----------------------------------------------------------------------

    async def admit(self, method: str) -> None:
        """Let a Bot API call go only while this process surely holds the lease."""
        if method in ALWAYS_ALLOWED:
            return
        while True:
            if self.token is None or self.lost.is_set():
                raise LeaseLost()
            now = self.clock()
            if now < self.valid_until:
                if method in SENDING and now < self.quiet_until:
                    await asyncio.sleep(self.quiet_until - now)
                    continue
                return
            # Past the deadline with no renewal: a slow database, or this process was paused.
            self._nudge.set()
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), self.renew_every)
            except TimeoutError:
                raise LeaseLost("the lease could not be renewed in time") from None

    def check_now(self, method: str) -> None:
        """The same check, synchronous, at the socket: past the deadline nothing is written."""
        if method not in ALWAYS_ALLOWED and not self.holds():
            raise LeaseLost()

    # -- database fencing -----------------------------------------------------------------------

    def _fenced_factory(self) -> SessionFactory:
        factory = make_session_factory(self.sessions.kw["bind"])
        session_class = factory.kw["sync_session_class"]
        event.listen(session_class, "after_begin", self._on_begin)
        event.listen(session_class, "before_commit", self._on_commit)
        return factory

    def _on_begin(
        self, _session: Session, _transaction: SessionTransaction, connection: Connection
    ) -> None:
        if connection.dialect.name == "postgresql":
            connection.exec_driver_sql(
                f"SET LOCAL idle_in_transaction_session_timeout = {self.idle_ms}"
            )

    def _on_commit(self, session: Session) -> None:
        session.flush()  # the writes first: the lease row stays locked only until the commit
        token = self.token
        if token is None or self.lost.is_set():
            raise LeaseLost()
        query = select(Lease.token).where(
            Lease.name == self.name, Lease.holder == self.holder, Lease.token == token
        )
        if session.bind is not None and session.bind.dialect.name == "postgresql":
            query = query.with_for_update(read=True)
        if session.execute(query).first() is None:
            self._lose("another process took it over")
            raise LeaseLost()
