"""The sender is woken by commits that queued messages, not by every commit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import insert

from services.outbox import enqueue_message
from storage.db import SessionFactory, mark_written, on_commit
from storage.models import OutboxMessage, OutboxStatus, Person


async def test_only_commits_that_wrote_the_outbox_wake_the_sender(
    sessions: SessionFactory, now: datetime
) -> None:
    wakes: list[int] = []
    on_commit(sessions, lambda: wakes.append(1), wrote=OutboxMessage)

    async with sessions() as session:  # a commit that queued nothing (a /lang choice, say)
        session.add(Person(tg_user_id=5, full_name="Mai", created_at=now))
        await session.commit()
    assert wakes == []

    async with sessions() as session:  # a decision that told its author
        enqueue_message(session, chat_id=5, text="Đã duyệt", now=now)
        await session.commit()
    assert wakes == [1]

    async with sessions() as session:  # a broadcast's fan-out: one INSERT statement, marked
        row = {
            "chat_id": 5,
            "method": "send_message",
            "payload": {"text": "x"},
            "status": OutboxStatus.PENDING,
            "attempts": 0,
            "not_before": now,
            "created_at": now,
        }
        await session.execute(insert(OutboxMessage), [row])
        mark_written(session, OutboxMessage)
        await session.commit()
    assert wakes == [1, 1]

    async with sessions() as session:  # rolled back: nothing was queued
        enqueue_message(session, chat_id=5, text="bỏ", now=now)
        await session.flush()
        await session.rollback()
        await session.commit()
    assert wakes == [1, 1]
