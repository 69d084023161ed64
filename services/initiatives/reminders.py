"""The reminder before the write-ups are due: authors whose initiative is registered but not sent
get a message with a button to send it (a Notice row the scheduler fires)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import outbox
from services.planner import days_left
from storage.models import CallStatus, EntryStatus, Notice, Person, ReviewCall, ReviewEntry
from ui.buttons.initiatives import InitiativesSubmit
from ui.texts import Texts


async def remind(session: AsyncSession, notice: Notice, texts: Texts, now: datetime) -> int:
    """Queue the reminders of a "review" notice; returns how many authors it reached."""
    call = await session.get(ReviewCall, int(notice.payload.get("call_id", 0)))
    if call is None or call.status != CallStatus.OPEN or now >= call.submit_by:
        return 0
    rows = await session.execute(
        select(ReviewEntry, Person)
        .join(Person, Person.id == ReviewEntry.author_id)
        .where(ReviewEntry.call_id == call.id, ReviewEntry.status == EntryStatus.REGISTERED)
        .order_by(ReviewEntry.id)
    )
    count = 0
    for entry, person in rows:
        label = texts.plain(person.locale, "initiatives.submit_button")
        outbox.enqueue_message(
            session,
            chat_id=person.tg_user_id,
            now=now,
            ref=f"notice:{notice.id}",
            text=texts.render(
                person.locale,
                "initiatives.reminder",
                title=entry.title,
                submit_by=call.submit_by,
                days=days_left(now, call.submit_by),
            ),
            buttons=[[(label, InitiativesSubmit(entry.id).pack())]],
        )
        count += 1
    return count
