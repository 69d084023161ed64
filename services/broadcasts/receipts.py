"""Read receipts: a recipient's "Đã xem", who has seen a broadcast, and reminders to the rest."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit
from services.broadcasts.announcement import enqueue_wave
from services.broadcasts.common import (
    Recipients,
    delivery_ref,
    fit,
    own_broadcast,
    reminder_ref,
)
from services.errors import AlreadyDone, Invalid, NotFound
from services.naming import sort_key
from services.people import person_by_tg
from storage.models import OutboxMessage, OutboxStatus, Person, Receipt
from ui.texts import Texts


@dataclass(frozen=True)
class SeenView:
    """Who confirmed reading a broadcast ("Đã xem"), and who not yet."""

    id: int
    reached: int
    seen: list[str]
    unseen: list[str]
    finished: bool
    seen_shown: int = 0  # how many names of each list the message shows
    unseen_shown: int = 0


async def confirm_seen(
    session: AsyncSession, *, broadcast_id: int, tg_user_id: int, now: datetime
) -> bool:
    """A recipient pressed "Đã xem": record it once; True the first time."""
    if broadcast_id == 0:
        raise Invalid("broadcasts.preview_button")
    person = await person_by_tg(session, tg_user_id)
    received = await session.scalar(
        select(OutboxMessage.id)
        .where(
            OutboxMessage.ref.in_([delivery_ref(broadcast_id), reminder_ref(broadcast_id)]),
            OutboxMessage.chat_id == tg_user_id,
        )
        .limit(1)
    )
    if person is None or received is None:
        raise NotFound("errors.stale_button")
    seen = await session.scalar(
        select(Receipt.id).where(
            Receipt.broadcast_id == broadcast_id, Receipt.person_id == person.id
        )
    )
    if seen is not None:
        return False
    session.add(Receipt(broadcast_id=broadcast_id, person_id=person.id, seen_at=now))
    try:
        await session.commit()
    except IntegrityError:  # the same press twice at once: the other one recorded it
        await session.rollback()
        return False
    return True


def _reached(broadcast_id: int) -> Recipients:
    query: Recipients = (
        select(Person.id, Person.tg_user_id, Person.locale, Person.full_name)
        .join(OutboxMessage, OutboxMessage.chat_id == Person.tg_user_id)
        .where(
            OutboxMessage.ref == delivery_ref(broadcast_id),
            OutboxMessage.status == OutboxStatus.SENT,
        )
        .distinct()
    )
    return query


async def seen(session: AsyncSession, *, broadcast_id: int, tg_user_id: int) -> SeenView:
    """Who confirmed reading it and who not yet (chair and vice-chair of the school)."""
    _, broadcast = await own_broadcast(session, tg_user_id, broadcast_id)
    reached = (await session.execute(_reached(broadcast_id))).all()
    confirmed = set(
        (
            await session.scalars(
                select(Receipt.person_id).where(Receipt.broadcast_id == broadcast_id)
            )
        ).all()
    )
    names = sorted(
        ((r.full_name, r.id in confirmed) for r in reached), key=lambda n: sort_key(n[0])
    )
    # Someone may confirm from a reminder although the first message's row says otherwise.
    extra = confirmed - {r.id for r in reached}
    if extra:
        people = await session.scalars(select(Person.full_name).where(Person.id.in_(extra)))
        names = sorted([*names, *((n, True) for n in people.all())], key=lambda n: sort_key(n[0]))
    seen_names = [n for n, ok in names if ok]
    unseen_names = [n for n, ok in names if not ok]
    return SeenView(
        id=broadcast_id,
        reached=len(names),
        seen=seen_names,
        unseen=unseen_names,
        finished=broadcast.finished_at is not None,
        seen_shown=fit(seen_names),
        unseen_shown=fit(unseen_names),
    )


async def remind(
    session: AsyncSession, *, broadcast_id: int, tg_user_id: int, texts: Texts, now: datetime
) -> int:
    """Send the announcement again, only to those reached who have not confirmed; how many."""
    who, broadcast = await own_broadcast(session, tg_user_id, broadcast_id)
    if broadcast.finished_at is None:
        raise Invalid("broadcasts.still_sending")
    waiting = await session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.ref == reminder_ref(broadcast_id),
            OutboxMessage.status == OutboxStatus.PENDING,
        )
    )
    if waiting:
        raise AlreadyDone("broadcasts.reminder_running")
    confirmed = select(Receipt.person_id).where(Receipt.broadcast_id == broadcast_id)
    targets = (
        await session.execute(_reached(broadcast_id).where(Person.id.not_in(confirmed)))
    ).all()
    if not targets:
        raise AlreadyDone("broadcasts.everyone_saw")
    sender = await session.get_one(Person, broadcast.sender_id)
    await enqueue_wave(
        session,
        broadcast=broadcast,
        sender=sender.full_name,
        recipients=targets,
        ref=reminder_ref(broadcast_id),
        reminder=True,
        texts=texts,
        now=now,
    )
    await audit.record(
        session,
        org_id=who.org_id,
        actor_id=who.person.id if who.person else None,
        action="broadcast.remind",
        target=f"broadcast:{broadcast_id}",
        now=now,
        recipients=len(targets),
    )
    await session.commit()
    return len(targets)
