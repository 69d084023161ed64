"""What the outbox sender claims at a time: fair to everyone, in order per chat, nothing lost."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from delivery.outbox import PER_CHAT, OutboxSender
from services.outbox import enqueue_message
from storage.db import SessionFactory
from storage.models import OutboxMessage, OutboxStatus


async def queue(sessions: SessionFactory, now: datetime, *chats: int) -> None:
    """One message per chat id given (repeat an id for several)."""
    async with sessions() as s:
        for n, chat in enumerate(chats):
            enqueue_message(s, chat_id=chat, text=f"tin {n}", now=now - timedelta(seconds=1))
        await s.commit()


def sender(sessions: SessionFactory, now: datetime) -> OutboxSender:
    return OutboxSender(None, sessions, batch_size=20, clock=lambda: now)  # type: ignore[arg-type]


async def test_groups_get_at_most_their_share_and_a_chat_at_most_its_few(
    sessions: SessionFactory, now: datetime
) -> None:
    groups = [-(1000 + i) for i in range(15)]
    await queue(sessions, now, *groups, *([501] * 8), *range(600, 610))
    claimed = await sender(sessions, now)._claim(20, busy=set(), groups=10)
    chats = [r.chat_id for r in claimed]
    assert len(claimed) == 20
    assert sum(1 for c in chats if c < 0) == 10  # half the window; private chats get the rest
    assert chats.count(501) == PER_CHAT
    ids = [r.id for r in claimed if r.chat_id == 501]
    assert ids == sorted(ids)  # a chat's oldest rows first


async def test_a_busy_chat_is_not_claimed_again_and_more_is_flagged(
    sessions: SessionFactory, now: datetime
) -> None:
    await queue(sessions, now, *([7] * 30), 8)
    s = sender(sessions, now)
    first = await s._claim(2)
    assert [r.chat_id for r in first] == [7, 7]
    assert s._more  # chat 7's backlog filled the page: the loop looks again at once
    second = await s._claim(2, busy={7})  # chat 7's rows are on their way
    assert [r.chat_id for r in second] == [8]
    assert not s._more


async def test_rows_telegram_accepted_survive_a_failed_commit_and_are_written_next_time(
    sessions: SessionFactory, now: datetime, monkeypatch: pytest.MonkeyPatch
) -> None:
    await queue(sessions, now, 9, 9)
    s = sender(sessions, now)
    rows = await s._claim(20)
    s._sent = {rows[0].id: 111, rows[1].id: 112}
    real = s._write_sent

    async def busy(sent: dict[int, int | None]) -> None:
        raise TimeoutError("database busy")

    monkeypatch.setattr(s, "_write_sent", busy)
    with pytest.raises(TimeoutError):
        await s._commit_sent()
    monkeypatch.setattr(s, "_write_sent", real)
    await s._commit_sent()
    async with sessions() as session:
        stored = (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    assert [(r.status, r.tg_message_id) for r in stored] == [
        (OutboxStatus.SENT, 111),
        (OutboxStatus.SENT, 112),
    ]
