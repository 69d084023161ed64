"""What the publication room shares: the school's calendar rules, the published lines, who may
act on what, the outbox labels and the plain views."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from services.errors import NotAllowed, NotFound
from services.judging.publication.workdays import parse_holidays
from services.people import Actor, require_role
from services.school import values
from storage.models import (
    Candidate,
    Department,
    JudgingRound,
    Membership,
    MemberStatus,
    Objection,
    ObjectionStatus,
    Org,
    Outcome,
    Person,
    Publication,
    PublicationReceipt,
    Role,
)

REMINDER_TIME = time(7, 30)  # reminders go out before classes, like the weekly digest
ALL_ROLES = (Role.CHAIR, Role.VICE_CHAIR, Role.COUNCIL, Role.STAFF)


def delivery_ref(publication_id: int) -> str:
    """The outbox label of the published list sent to each member."""
    return f"pub:{publication_id}"


def card_ref(objection_id: int) -> str:
    """The outbox label of an objection's card in the council group (edited as it moves)."""
    return f"obj:{objection_id}:card"


def sheet_ref(revote_id: int, person_id: int) -> str:
    """The outbox label of one member's re-vote ballot."""
    return f"revote:{revote_id}:sheet:{person_id}"


@dataclass(frozen=True)
class Calendar:
    """The school's rules for the deadlines: working days and holidays."""

    window_days: int
    answer_days: int
    holidays: frozenset[date]


async def calendar_of(session: AsyncSession, org: Org) -> Calendar:
    """The objection window and answer deadline (working days) and the school's holidays."""
    settings = await values(session, org)
    return Calendar(
        window_days=int(settings["rules.objection_days"].value),
        answer_days=int(settings["rules.objection_answer_days"].value),
        holidays=parse_holidays(settings["calendar.holidays"].value),
    )


def morning_of(day: date, tz: ZoneInfo) -> datetime:
    """A reminder's moment on a school day."""
    return datetime.combine(day, REMINDER_TIME, tzinfo=tz)


def end_of(day: date, tz: ZoneInfo) -> datetime:
    """The moment a day ends, school time."""
    return datetime.combine(day + timedelta(days=1), time(0, 0), tzinfo=tz)


@dataclass(frozen=True)
class Line:
    """A candidate of the published list."""

    candidate_id: int
    title: str
    name: str
    department: str
    person_id: int | None
    department_id: int | None


async def passed_lines(session: AsyncSession, rnd: JudgingRound) -> list[Line]:
    """The candidates who passed (đạt), in the round's order of titles, then as added."""
    rows = (
        await session.scalars(
            select(Candidate)
            .options(joinedload(Candidate.person), joinedload(Candidate.department))
            .where(Candidate.round_id == rnd.id, Candidate.outcome == Outcome.PASSED)
            .order_by(Candidate.id)
        )
    ).all()
    depts = await departments_of(session, rnd.org_id)
    order = {title: n for n, title in enumerate(rnd.titles)}
    lines = [
        Line(
            c.id,
            c.title,
            c.person.full_name if c.person else (c.department.name if c.department else "?"),
            depts.get(c.person_id, "") if c.person_id else "",
            c.person_id,
            c.department_id,
        )
        for c in rows
    ]
    return sorted(lines, key=lambda line: (order.get(line.title, 99), line.candidate_id))


async def candidate_name(session: AsyncSession, candidate: Candidate) -> str:
    """A candidate's name: the person's, or the department's for a collective title."""
    if candidate.person_id is not None:
        person = await session.get(Person, candidate.person_id)
        return person.full_name if person else "?"
    department = await session.get(Department, candidate.department_id or 0)
    return department.name if department else "?"


async def departments_of(session: AsyncSession, org_id: int) -> dict[int, str]:
    """person id → the name of their department, for the school's active members."""
    names = {
        d.id: d.name
        for d in await session.scalars(select(Department).where(Department.org_id == org_id))
    }
    rows = await session.execute(
        select(Membership.person_id, Membership.department_id).where(
            Membership.org_id == org_id, Membership.status == MemberStatus.ACTIVE
        )
    )
    return {person: names.get(dept, "") if dept else "" for person, dept in rows}


async def active_people(session: AsyncSession, org_id: int) -> Sequence[Person]:
    """Every active member of the school (the published list's audience)."""
    return (
        await session.scalars(
            select(Person)
            .join(Membership, Membership.person_id == Person.id)
            .where(Membership.org_id == org_id, Membership.status == MemberStatus.ACTIVE)
            .order_by(Person.id)
        )
    ).all()


async def chairs_of(session: AsyncSession, org_id: int) -> Sequence[Person]:
    """The school's active chair (a list: a school may have none yet, or, briefly, two)."""
    return (
        await session.scalars(
            select(Person)
            .join(Membership, Membership.person_id == Person.id)
            .where(
                Membership.org_id == org_id,
                Membership.status == MemberStatus.ACTIVE,
                Membership.role == Role.CHAIR,
            )
        )
    ).all()


async def member_of(session: AsyncSession, tg_user_id: int) -> Actor:
    """Any active member of a school (a stranger or a deactivated member is refused)."""
    who = await require_role(session, tg_user_id, ALL_ROLES)
    assert who.person is not None and who.membership is not None
    return who


async def chair_of(session: AsyncSession, tg_user_id: int) -> Actor:
    """The acting chair of her school ("publication.chair_only" for anyone else)."""
    who = await require_role(session, tg_user_id, {Role.CHAIR}, refusal="publication.chair_only")
    assert who.person is not None and who.membership is not None
    return who


async def round_of(session: AsyncSession, org_id: int, round_id: int | None) -> JudgingRound:
    """A round of this school (None: its newest)."""
    if round_id is None:
        found = await session.scalar(
            select(JudgingRound)
            .where(JudgingRound.org_id == org_id)
            .order_by(JudgingRound.id.desc())
            .limit(1)
        )
    else:
        found = await session.get(JudgingRound, round_id)
    if found is None or found.org_id != org_id:
        raise NotFound("publication.no_round")
    return found


async def publication_of(session: AsyncSession, round_id: int) -> Publication | None:
    """The round's publication, if it was published."""
    return await session.scalar(select(Publication).where(Publication.round_id == round_id))


async def objection_of(session: AsyncSession, who: Actor, objection_id: int) -> Objection:
    """An objection of the actor's school (another school's is not found)."""
    found = await session.get(Objection, objection_id, populate_existing=True)
    if found is None or found.org_id != who.org_id:
        raise NotFound("errors.stale_button")
    return found


async def names_member(session: AsyncSession, objection: Objection, who: Actor) -> bool:
    """The objection names this member: they filed it, or it is about them (or about their own
    department's collective title). Nobody decides anything that names them."""
    assert who.person is not None and who.membership is not None
    if objection.filer_id == who.person.id:
        return True
    if objection.candidate_id is None:
        return False
    candidate = await session.get_one(Candidate, objection.candidate_id)
    if candidate.person_id is not None:
        return candidate.person_id == who.person.id
    return (
        candidate.department_id is not None
        and candidate.department_id == who.membership.department_id
    )


async def refuse_if_named(session: AsyncSession, objection: Objection, who: Actor) -> None:
    """Refuse a decision on an objection that names the presser."""
    if await names_member(session, objection, who):
        raise NotAllowed("publication.own_objection")


@dataclass(frozen=True)
class Counts:
    """The publication's figures: read receipts and objections."""

    read: int
    open: int
    answered: int


async def counts_of(session: AsyncSession, publication: Publication) -> Counts:
    """How many confirmed reading; how many objections are open and answered."""
    read = await session.scalar(
        select(func.count())
        .select_from(PublicationReceipt)
        .where(PublicationReceipt.publication_id == publication.id)
    )
    rows: dict[str, int] = {
        str(status): int(n)
        for status, n in await session.execute(
            select(Objection.status, func.count())
            .where(Objection.publication_id == publication.id)
            .group_by(Objection.status)
        )
    }
    return Counts(
        int(read or 0),
        int(rows.get(ObjectionStatus.OPEN, 0)),
        int(rows.get(ObjectionStatus.ANSWERED, 0)),
    )
