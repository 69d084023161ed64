"""The failover lease: one holder at a time, a token that grows with every takeover, expiry,
release, the request gate and the fenced commits (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import DBAPIError

from delivery.lease import LeaseKeeper, LeaseLost
from delivery.outbox import OutboxSender
from services import outbox
from storage.db import SessionFactory
from storage.models import Lease, OutboxMessage, OutboxStatus


class Clock:
    """A monotonic clock a test can jump forward (a process paused, then woken)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return asyncio.get_running_loop().time() + self.offset


def keeper(sessions: SessionFactory, seconds: float = 0.6, **kw: Any) -> LeaseKeeper:
    """A keeper that behaves like a second process on the database (no start-up steal)."""
    lease = LeaseKeeper(sessions, seconds=seconds, **kw)
    lease._first = False
    return lease


def is_sqlite(sessions: SessionFactory) -> bool:
    """Whether the test runs on SQLite."""
    return bool(sessions.kw["bind"].dialect.name == "sqlite")


async def stored(sessions: SessionFactory) -> tuple[str, int]:
    """The lease row: holder and token."""
    async with sessions() as s:
        row = (await s.execute(select(Lease.holder, Lease.token))).one()
    return row.holder, row.token


async def test_one_holder_at_a_time_and_the_token_grows_with_each_takeover(
    sessions: SessionFactory,
) -> None:
    a, b = keeper(sessions, holder="a"), keeper(sessions, holder="b")
    assert await a.try_acquire() and a.token == 1 and a.holds()
    assert not await b.try_acquire()  # A's lease has not expired
    assert await a.renew() and await a.try_acquire()  # A renews; re-taking its own lease is fine
    assert a.token == 2 and await stored(sessions) == ("a", 2)
    assert not await b.try_acquire()
    await asyncio.sleep(0.7)  # A stopped renewing: its lease expires
    assert await b.try_acquire() and b.token == 3
    assert not await a.renew() and not await a.try_acquire()  # fenced off, and B's is fresh
    assert await stored(sessions) == ("b", 3)


async def test_of_many_contenders_for_an_expired_lease_exactly_one_wins(
    sessions: SessionFactory,
) -> None:
    first = keeper(sessions, seconds=0.3, holder="first")
    assert await first.try_acquire()
    await asyncio.sleep(0.4)
    contenders = [keeper(sessions, holder=f"c{i}") for i in range(8)]
    won = await asyncio.gather(*(c.try_acquire() for c in contenders))
    assert sum(won) == 1
    winner = contenders[won.index(True)]
    assert await stored(sessions) == (winner.holder, 2)
    assert [c.holder for c in contenders if await c.renew()] == [winner.holder]


async def test_a_released_lease_is_taken_at_once_without_the_quiet_second(
    sessions: SessionFactory,
) -> None:
    a, b = keeper(sessions, seconds=30, holder="a"), keeper(sessions, seconds=30, holder="b")
    assert await a.try_acquire()
    await a.release()
    assert a.token is None and await stored(sessions) == ("", 1)
    assert await b.try_acquire() and b.token == 2
    assert b.quiet_until == 0.0  # A released it: nothing of A's can still be on its way
    c = keeper(sessions, seconds=0.3, holder="c")
    b.seconds = 0.3  # B now "dies": its lease lapses without a release
    assert await b.renew()
    await asyncio.sleep(0.4)
    assert await c.try_acquire() and c.token == 3
    assert c.quiet_until > asyncio.get_running_loop().time()  # B may have just sent something


async def test_on_sqlite_a_starting_process_takes_the_lease_at_once(
    sessions: SessionFactory,
) -> None:
    if not is_sqlite(sessions):
        pytest.skip("PostgreSQL serves several processes: a newcomer waits for the expiry")
    old = keeper(sessions, seconds=30, holder="old")
    assert await old.try_acquire()
    new = LeaseKeeper(sessions, seconds=30, holder="new")  # first attempt of a new process
    assert await new.try_acquire() and new.token == 2
    assert not await old.renew()
    assert not await old.try_acquire()  # later attempts respect the expiry again


async def test_the_gate_lets_nothing_out_of_a_standby_or_a_woken_process(
    sessions: SessionFactory,
) -> None:
    clock = Clock()
    a = keeper(sessions, seconds=0.6, holder="a", clock=clock)
    with pytest.raises(LeaseLost):
        await a.admit("sendMessage")
    with pytest.raises(LeaseLost):
        await a.admit("getUpdates")
    await a.admit("getMe")  # initialising the bot is allowed in standby
    assert await a.try_acquire()
    await a.admit("sendMessage")
    keep = asyncio.create_task(a.keep())
    try:
        # A slow database, not a takeover: past the local deadline the call waits for the
        # renewal and then goes.
        clock.offset += 5.0
        await asyncio.wait_for(a.admit("sendMessage"), 1.0)
        assert a.holds()
        # Paused past its expiry; meanwhile B took over. Woken, A's call waits for the
        # verdict of its renewal, which is refused: nothing goes.
        b = keeper(sessions, seconds=5, holder="b")
        keep.cancel()
        await asyncio.sleep(0.7)
        assert await b.try_acquire()
        clock.offset += 5.0
        keep = asyncio.create_task(a.keep())
        with pytest.raises(LeaseLost):
            await asyncio.wait_for(a.admit("sendMessage"), 1.0)
        assert a.lost.is_set() and not a.holds()
        await asyncio.wait_for(keep, 1.0)  # the keeper stops once the lease is lost
    finally:
        keep.cancel()


async def _queue(factory: SessionFactory, now: datetime, chat_id: int) -> None:
    async with factory() as session:
        outbox.enqueue_message(session, chat_id=chat_id, text="x", now=now)
        await session.commit()


async def test_commits_are_fenced_by_the_token(sessions: SessionFactory, now: datetime) -> None:
    a, b = keeper(sessions, seconds=0.3, holder="a"), keeper(sessions, seconds=5, holder="b")
    with pytest.raises(LeaseLost):
        await _queue(a.fenced, now, 1)  # not holding yet
    assert await a.try_acquire()
    await _queue(a.fenced, now, 2)
    await asyncio.sleep(0.4)
    # Expired but nobody took over: A's writes still land (nothing can conflict with them).
    await _queue(a.fenced, now, 3)
    assert await b.try_acquire()
    with pytest.raises(LeaseLost):
        await _queue(a.fenced, now, 4)  # A was paused past its lease: its write is refused
    assert a.lost.is_set()
    await _queue(b.fenced, now, 5)
    async with sessions() as s:
        chats = (await s.scalars(select(OutboxMessage.chat_id).order_by(OutboxMessage.id))).all()
    assert chats == [2, 3, 5]


async def test_postgresql_ends_a_frozen_fenced_transaction(
    sessions: SessionFactory, now: datetime
) -> None:
    if is_sqlite(sessions):
        pytest.skip("PostgreSQL only: SQLite has one process, no sessions to end")
    a = keeper(sessions, seconds=1, holder="a")
    assert await a.try_acquire()
    async with a.fenced() as session:
        outbox.enqueue_message(session, chat_id=1, text="x", now=now)
        await session.flush()  # row locks taken, then the process "freezes" in the transaction
        await asyncio.sleep(a.idle_ms / 1000 + 0.5)
        with pytest.raises(DBAPIError):
            await session.commit()
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)) == 0


async def test_a_takeover_waits_for_a_frozen_commit_only_until_postgresql_ends_it(
    sessions: SessionFactory, now: datetime
) -> None:
    if is_sqlite(sessions):
        pytest.skip("PostgreSQL only: SQLite has one process")
    a, b = keeper(sessions, seconds=1, holder="a"), keeper(sessions, seconds=5, holder="b")
    assert await a.try_acquire()
    async with a.fenced() as session:
        outbox.enqueue_message(session, chat_id=1, text="x", now=now)
        await session.run_sync(a._on_commit)  # fenced: the lease row is locked FOR SHARE...
        await asyncio.sleep(1.1)  # ...and the process freezes before its COMMIT; A expires
        started = asyncio.get_running_loop().time()
        assert await b.try_acquire()  # waits for the lock: A's write cannot land after this
        waited = asyncio.get_running_loop().time() - started
        with pytest.raises(DBAPIError):
            await session.commit()  # woken: its session was ended, the write is gone
    assert waited < a.idle_ms / 1000 + 0.5
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(OutboxMessage)) == 0


class FakeBot:
    """Records sends; every message is accepted."""

    def __init__(self) -> None:
        self.sent: list[int] = []

    async def send_message(self, chat_id: int, *_args: Any, **_kw: Any) -> Any:
        self.sent.append(chat_id)
        return SimpleNamespace(message_id=len(self.sent))


async def test_the_lease_holder_sends_rows_a_fenced_off_sender_had_claimed(
    sessions: SessionFactory, now: datetime
) -> None:
    lease = keeper(sessions, seconds=30, holder="new")
    assert await lease.try_acquire()
    for chat in (1, 2, 3):
        await _queue(sessions, now, chat)
    async with sessions() as s:  # the previous holder claimed them for 30 s, then froze
        for row in (await s.scalars(select(OutboxMessage))).all():
            row.claimed_by, row.claimed_until = "previous", now.replace(year=2100)
        await s.commit()
    bot = FakeBot()
    sender = OutboxSender(bot, lease.fenced, exclusive=True)  # type: ignore[arg-type]
    assert await sender.run_once() == 3
    assert sorted(bot.sent) == [1, 2, 3]
    async with sessions() as s:
        statuses = set((await s.scalars(select(OutboxMessage.status))).all())
    assert statuses == {OutboxStatus.SENT}
    # Without the lease (a shared sender, not exclusive) a live claim is respected.
    await _queue(sessions, now, 4)
    async with sessions() as s:
        held = await s.scalar(select(OutboxMessage).where(OutboxMessage.chat_id == 4))
        assert held is not None
        held.claimed_by, held.claimed_until = "other", now.replace(year=2100)
        await s.commit()
    assert await OutboxSender(bot, sessions).run_once() == 0  # type: ignore[arg-type]
