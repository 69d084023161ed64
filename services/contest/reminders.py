"""Reminders to the departments below their participation target: to the department's head (tổ
trưởng), or to its members when it has none; from the scheduler (a Notice due some days before
entries close) or when a leader asks."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import outbox
from services.contest.common import ENTRIES, participation_of, phase
from services.contest.rules import below_target
from storage.models import Contest, Membership, MemberStatus, Notice, Person, ReviewCall
from ui.buttons.contest import ContestEnter
from ui.texts import Texts


async def _recipients(
    session: AsyncSession, org_id: int, department_id: int | None
) -> list[Person]:
    rows = (
        await session.execute(
            select(Person, Membership.heads_department)
            .join(Membership, Membership.person_id == Person.id)
            .where(
                Membership.org_id == org_id,
                Membership.status == MemberStatus.ACTIVE,
                Membership.department_id == department_id,
            )
            .order_by(Person.id)
        )
    ).all()
    heads = [person for person, heads in rows if heads]
    return heads or [person for person, _ in rows]


async def remind(
    session: AsyncSession, contest: Contest, call: ReviewCall, texts: Texts, now: datetime
) -> int:
    """Queue a reminder to each department below its target; returns the people reached."""
    if phase(contest, call, now) != ENTRIES:
        return 0
    last_day = call.closes_at - timedelta(seconds=1)
    reached = 0
    for row in below_target(await participation_of(session, contest, call)):
        for person in await _recipients(session, contest.org_id, row.department_id):
            outbox.enqueue_message(
                session,
                chat_id=person.tg_user_id,
                now=now,
                ref=f"contest:{contest.id}:remind",
                text=texts.render(
                    person.locale,
                    "contest.remind_notice",
                    title=call.title,
                    department=row.name,
                    entries=row.entries,
                    target=row.target,
                    ends=last_day,
                ),
                buttons=[
                    [
                        (
                            texts.plain(person.locale, "contest.enter_button"),
                            ContestEnter(contest.id).pack(),
                        )
                    ]
                ],
            )
            reached += 1
    return reached


async def fire(session: AsyncSession, notice: Notice, texts: Texts, now: datetime) -> int:
    """A contest's scheduled reminder (services/notices.py hands "contest" notices here)."""
    contest = await session.get(Contest, int(notice.payload.get("contest_id", 0)))
    if contest is None:
        return 0
    call = await session.get_one(ReviewCall, contest.call_id)
    return await remind(session, contest, call, texts, now)
