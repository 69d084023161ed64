"""Sending a broadcast: one outbox row per recipient, its live progress, stopping it, the report.

Confirming writes the broadcast and one outbox row per recipient (ref "bc:<id>") in one
transaction, before anything is sent; the outbox sender then delivers them under the bot's one
flood limiter, and a crash resumes where it stopped. Progress, the final report and who was not
reached are read back from those rows: delivery is never recorded twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, conversations
from services.broadcasts.announcement import enqueue, enqueue_wave
from services.broadcasts.audience import resolve
from services.broadcasts.common import Buttons, delivery_ref, fit, leader, own_broadcast
from services.broadcasts.draft import as_draft, draft_row
from services.errors import AlreadyDone, Invalid, NotFound
from services.naming import sort_key
from storage.models import Broadcast, BroadcastStatus, OutboxMessage, OutboxStatus, Person
from ui.buttons.broadcasts import BroadcastSeenList, BroadcastStop
from ui.texts import Texts


@dataclass(frozen=True)
class Progress:
    """Where a broadcast's delivery stands, counted from its outbox rows."""

    id: int
    total: int
    sent: int
    failed: int
    cancelled: int
    pending: int
    status: str
    finished: bool
    chat_id: int | None
    message_id: int | None
    locale: str | None


@dataclass(frozen=True)
class Unreached:
    """A recipient the announcement did not reach, and why."""

    name: str
    reason: str  # blocked | not_found | not_started | failed


@dataclass(frozen=True)
class Report:
    """The final delivery report."""

    progress: Progress
    unreached: list[Unreached] = field(default_factory=list)
    shown: int = 0  # how many of them the message lists (the rest are counted)


async def confirm(
    session: AsyncSession,
    *,
    tg_user_id: int,
    progress_chat_id: int,
    progress_message_id: int,
    texts: Texts,
    now: datetime,
) -> Progress:
    """Send: the broadcast and one outbox row per recipient, in one commit, before any delivery."""
    who = await leader(session, tg_user_id)
    assert who.person is not None
    convo = await draft_row(session, tg_user_id)
    if convo.step != "preview":
        raise AlreadyDone("errors.stale_button")
    draft = as_draft(convo.step, convo.data)
    if int(convo.data["org_id"]) != who.org_id or draft.audience is None:
        raise NotFound("errors.stale_button")
    query, _ = await resolve(session, who.org_id, draft.audience)
    recipients = (
        await session.execute(query.where(Person.id != who.person.id).order_by(Person.id))
    ).all()
    if not recipients:
        raise Invalid("broadcasts.nobody")
    broadcast = Broadcast(
        org_id=who.org_id,
        sender_id=who.person.id,
        audience=draft.audience,
        text=draft.html,
        media_kind=draft.media_kind,
        media_file_id=draft.media_file_id,
        total=len(recipients),
        status=BroadcastStatus.SENDING,
        progress_chat_id=progress_chat_id,
        progress_message_id=progress_message_id,
        created_at=now,
    )
    session.add(broadcast)
    await session.flush()
    await enqueue_wave(
        session,
        broadcast=broadcast,
        sender=draft.sender,
        recipients=recipients,
        ref=delivery_ref(broadcast.id),
        reminder=False,
        texts=texts,
        now=now,
    )
    await audit.record(
        session,
        org_id=who.org_id,
        actor_id=who.person.id,
        action="broadcast.send",
        target=f"broadcast:{broadcast.id}",
        now=now,
        audience=draft.audience,
        recipients=len(recipients),
    )
    # The draft is ended in the same commit: a second press of "Send" finds nothing to send.
    if not await conversations.end(session, chat_id=tg_user_id, user_id=tg_user_id):
        await session.rollback()
        raise AlreadyDone("errors.stale_button")
    await session.commit()
    return await progress(session, broadcast_id=broadcast.id)


async def _counts(session: AsyncSession, ref: str) -> dict[str, int]:
    rows = await session.execute(
        select(OutboxMessage.status, func.count())
        .where(OutboxMessage.ref == ref)
        .group_by(OutboxMessage.status)
    )
    return {str(status): int(count) for status, count in rows.all()}


async def progress(session: AsyncSession, *, broadcast_id: int) -> Progress:
    """Where a broadcast's delivery stands."""
    broadcast = await session.get(Broadcast, broadcast_id, populate_existing=True)
    if broadcast is None:
        raise NotFound("errors.stale_button")
    counts = await _counts(session, delivery_ref(broadcast_id))
    sender = await session.get(Person, broadcast.sender_id)
    return Progress(
        id=broadcast.id,
        total=broadcast.total,
        sent=counts.get(OutboxStatus.SENT, 0),
        failed=counts.get(OutboxStatus.FAILED, 0) + counts.get(OutboxStatus.UNREACHABLE, 0),
        cancelled=counts.get(OutboxStatus.CANCELLED, 0),
        pending=counts.get(OutboxStatus.PENDING, 0),
        status=str(broadcast.status),
        finished=broadcast.finished_at is not None,
        chat_id=broadcast.progress_chat_id,
        message_id=broadcast.progress_message_id,
        locale=sender.locale if sender else None,
    )


def progress_message(texts: Texts, state: Progress) -> tuple[str, Buttons]:
    """The sender's progress message: counts, and "stop" while it sends, "who saw it" after."""
    locale = texts.locale(state.locale)
    text = texts.render(locale, "broadcasts.progress", p=state)
    if state.status == BroadcastStatus.SENDING and not state.finished:
        stop = BroadcastStop(broadcast_id=state.id).pack()
        return text, [[(texts.plain(locale, "broadcasts.stop_button"), stop)]]
    if state.finished:
        seen = BroadcastSeenList(broadcast_id=state.id, refresh=False).pack()
        return text, [[(texts.plain(locale, "broadcasts.seen_list_button"), seen)]]
    return text, []


async def unfinished(session: AsyncSession) -> list[int]:
    """Broadcasts whose final report is still to be filed (sending, or stopped and settling)."""
    return list(
        (
            await session.scalars(
                select(Broadcast.id).where(Broadcast.finished_at.is_(None)).order_by(Broadcast.id)
            )
        ).all()
    )


def _reason(status: str, error: str | None) -> str:
    text = (error or "").lower()
    if status == OutboxStatus.FAILED:
        return "failed"
    if "blocked" in text or "deactivated" in text:
        return "blocked"
    if "initiate" in text:
        return "not_started"
    return "not_found"


async def report(session: AsyncSession, *, broadcast_id: int) -> Report:
    """The delivery report: counts and everyone not reached, with why."""
    state = await progress(session, broadcast_id=broadcast_id)
    rows = (
        await session.execute(
            select(OutboxMessage.status, OutboxMessage.error, Person.full_name)
            .join(Person, Person.tg_user_id == OutboxMessage.chat_id)
            .where(
                OutboxMessage.ref == delivery_ref(broadcast_id),
                OutboxMessage.status.in_([OutboxStatus.FAILED, OutboxStatus.UNREACHABLE]),
            )
        )
    ).all()
    unreached = sorted(
        (Unreached(name, _reason(str(status), error)) for status, error, name in rows),
        key=lambda u: sort_key(u.name),
    )
    return Report(state, unreached, fit([f"{u.name} – {u.reason}" for u in unreached], 2800))


async def finish(
    session: AsyncSession, *, broadcast_id: int, texts: Texts, now: datetime
) -> Report | None:
    """Once nothing is left to deliver, file the report; None while rows are still in flight."""
    # Rows of a stopped broadcast that were already claimed may still be sent: the report waits
    # for their lease, so it counts them right.
    broadcast = await session.get(Broadcast, broadcast_id, populate_existing=True)
    if broadcast is None or broadcast.finished_at is not None:
        return None
    ref = delivery_ref(broadcast_id)
    busy = await session.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(
            OutboxMessage.ref == ref,
            (OutboxMessage.status == OutboxStatus.PENDING) | (OutboxMessage.claimed_until > now),
        )
    )
    if busy:
        return None
    status = broadcast.status
    done = BroadcastStatus.DONE if status == BroadcastStatus.SENDING else status
    changed = await session.execute(
        update(Broadcast)
        .where(
            Broadcast.id == broadcast_id,
            Broadcast.status == status,
            Broadcast.finished_at.is_(None),
        )
        .values(status=done, finished_at=now)
    )
    if getattr(changed, "rowcount", 0) != 1:
        await session.rollback()
        return None
    result = await report(session, broadcast_id=broadcast_id)
    sender = await session.get_one(Person, broadcast.sender_id)
    locale = texts.locale(sender.locale)
    text, buttons = progress_message(texts, result.progress)
    if broadcast.progress_chat_id is not None and broadcast.progress_message_id is not None:
        # The last edit of the progress message goes through the outbox: durable, in order.
        enqueue(
            session,
            chat_id=broadcast.progress_chat_id,
            method="edit_message_text",
            payload={
                "text": text,
                "buttons": buttons,
                "message_id": broadcast.progress_message_id,
            },
            ref=f"bcp:{broadcast_id}",
            now=now,
        )
    enqueue(
        session,
        chat_id=sender.tg_user_id,
        method="send_message",
        payload={
            "text": texts.render(locale, "broadcasts.report", r=result),
            "buttons": buttons,
        },
        ref=f"bcp:{broadcast_id}",
        now=now,
    )
    await session.commit()
    return result


async def stop(
    session: AsyncSession, *, broadcast_id: int, tg_user_id: int, now: datetime
) -> Progress:
    """Stop a running broadcast: what is still waiting is cancelled, nothing more is sent."""
    # Rows the sender already claimed (one batch at most) may still go out; they count as sent.
    who, _ = await own_broadcast(session, tg_user_id, broadcast_id)
    changed = await session.execute(
        update(Broadcast)
        .where(
            Broadcast.id == broadcast_id,
            Broadcast.status == BroadcastStatus.SENDING,
            Broadcast.finished_at.is_(None),
        )
        .values(status=BroadcastStatus.CANCELLED)
    )
    if getattr(changed, "rowcount", 0) != 1:
        await session.rollback()
        raise AlreadyDone("broadcasts.already_finished")
    cancelled = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.ref == delivery_ref(broadcast_id),
            OutboxMessage.status == OutboxStatus.PENDING,
        )
        .values(status=OutboxStatus.CANCELLED)
    )
    await audit.record(
        session,
        org_id=who.org_id,
        actor_id=who.person.id if who.person else None,
        action="broadcast.stop",
        target=f"broadcast:{broadcast_id}",
        now=now,
        cancelled=getattr(cancelled, "rowcount", 0),
    )
    await session.commit()
    return await progress(session, broadcast_id=broadcast_id)
