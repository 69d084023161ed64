"""The facts as stored: per person and school year, a start date carried from an earlier year;
the school's staff; the import's one write."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from services.errors import Invalid, NotFound
from services.judging.common import facts_by_person, open_round, recognised_initiatives
from services.judging.rules import PersonFacts, years_in_a_row
from services.naming import sort_key
from storage.models import (
    Candidate,
    Honour,
    Membership,
    MemberStatus,
    PersonYear,
    Rating,
)

if TYPE_CHECKING:  # each module names the other's type only in annotations
    from services.judging.facts.rows import Entry


async def facts_for(session: AsyncSession, org_id: int, year: int) -> dict[int, PersonFacts]:
    """Each person's facts for a school year ({person_id: facts}; nobody entered: absent). A
    start date not entered this year is the latest earlier year's."""
    rows = await facts_by_person(session, org_id, year)
    earlier = await earlier_starts(session, org_id, year)
    # A recognised initiative this year counts as the hand-ticked one (the tick wins if both).
    recognised = await recognised_initiatives(session, org_id, year)
    out = {
        person_id: PersonFacts(
            Rating(row.rating) if row.rating else None,
            row.started_on or earlier.get(person_id, (None, 0))[0],
            row.discipline,
            row.initiative,
        )
        for person_id, row in rows.items()
    }
    for person_id, (started, _) in earlier.items():
        out.setdefault(person_id, PersonFacts(started_on=started))
    for person_id, title in recognised.items():
        if person_id in out and not out[person_id].initiative:
            out[person_id] = replace(out[person_id], initiative=title)
        out.setdefault(person_id, PersonFacts(initiative=title))
    for person_id, streaks in (await honour_streaks(session, org_id, year)).items():
        if person_id in out:
            out[person_id] = replace(out[person_id], streaks=streaks)
    return out


async def honour_streaks(
    session: AsyncSession, org_id: int, year: int
) -> dict[int, tuple[tuple[str, int], ...]]:
    """Each person's titles granted in the school years right before `year`, with how many years
    in a row ({person_id: ((title, years), ...)}), from the honours list."""
    rows = await session.execute(
        select(Honour.person_id, Honour.title, Honour.year).where(
            Honour.org_id == org_id, Honour.year < year, Honour.person_id.is_not(None)
        )
    )
    held: dict[int, dict[str, set[int]]] = {}
    for person_id, title, held_year in rows.all():
        if person_id is None:  # filtered out above; the column is nullable (collective titles)
            continue
        held.setdefault(person_id, {}).setdefault(title, set()).add(held_year)
    out: dict[int, tuple[tuple[str, int], ...]] = {}
    for person_id, titles in held.items():
        streaks = []
        for title, years in sorted(titles.items()):
            count = years_in_a_row(years, year - 1)
            if count:
                streaks.append((title, count))
        if streaks:
            out[person_id] = tuple(streaks)
    return out


async def earlier_starts(
    session: AsyncSession, org_id: int, year: int
) -> dict[int, tuple[date, int]]:
    """The latest start date each person has in an earlier year ({person_id: (date, year)})."""
    rows = await session.execute(
        select(PersonYear.person_id, PersonYear.started_on, PersonYear.year)
        .where(
            PersonYear.org_id == org_id,
            PersonYear.year < year,
            PersonYear.started_on.is_not(None),
        )
        .order_by(PersonYear.year)
    )
    return {person_id: (started, y) for person_id, started, y in rows if started is not None}


@dataclass(frozen=True)
class Staff:
    """The school's active members, by person, with their department."""

    members: dict[int, Membership]

    def name(self, person_id: int) -> str:
        return self.members[person_id].person.full_name

    def department(self, person_id: int) -> str:
        dept = self.members[person_id].department
        return dept.name if dept else ""


async def staff_of(session: AsyncSession, org_id: int) -> Staff:
    rows = await session.scalars(
        select(Membership)
        .where(Membership.org_id == org_id, Membership.status == MemberStatus.ACTIVE)
        .options(selectinload(Membership.person), selectinload(Membership.department))
    )
    return Staff({m.person_id: m for m in rows})


async def member_of(session: AsyncSession, org_id: int, person_id: int) -> Membership:
    """An active member of this school (another school's person is not found)."""
    found = (await staff_of(session, org_id)).members.get(person_id)
    if found is None:
        raise NotFound("facts.no_person")
    return found


async def candidates_of(session: AsyncSession, org_id: int, staff: Staff) -> list[int]:
    """The open round's individual candidates who are active members."""
    round_ = await open_round(session, org_id)
    if round_ is None:
        return []
    ids = await session.scalars(
        select(Candidate.person_id)
        .where(Candidate.round_id == round_.id, Candidate.person_id.is_not(None))
        .distinct()
    )
    return [p for p in ids if p is not None and p in staff.members]


async def year_row(
    session: AsyncSession, org_id: int, person_id: int, year: int, now: datetime, by: int
) -> PersonYear:
    row = await session.scalar(
        select(PersonYear).where(
            PersonYear.org_id == org_id, PersonYear.person_id == person_id, PersonYear.year == year
        )
    )
    if row is None:
        row = PersonYear(
            org_id=org_id, person_id=person_id, year=year, updated_at=now, updated_by=by
        )
        session.add(row)
    return row


async def commit(session: AsyncSession) -> None:
    """Commit; two leaders creating the same person's year at once: one is asked to retry."""
    try:
        await session.commit()
    except IntegrityError:
        await session.rollback()
        raise Invalid("facts.busy") from None


def rating_of(facts: dict[int, PersonFacts], person_id: int) -> Rating | None:
    found = facts.get(person_id)
    return found.rating if found else None


def start_of(facts: dict[int, PersonFacts], person_id: int) -> date | None:
    found = facts.get(person_id)
    return found.started_on if found else None


def complete(facts: dict[int, PersonFacts], person_id: int) -> bool:
    return rating_of(facts, person_id) is not None and start_of(facts, person_id) is not None


def in_order(staff: Staff, positions: dict[int, int]) -> list[int]:
    """By department (in the school's order, those with none last), then by name."""

    def key(person_id: int) -> tuple[Any, ...]:
        m = staff.members[person_id]
        dept = m.department_id
        place = (0, positions.get(dept, 0), dept) if dept is not None else (1, 0, 0)
        return (*place, sort_key(m.person.full_name))

    return sorted(staff.members, key=key)


async def write_entries(
    session: AsyncSession,
    org_id: int,
    year: int,
    entries: Sequence[Entry],
    facts: dict[int, PersonFacts],
    by: int,
    now: datetime,
) -> int:
    """Write the rows whose facts differ from what is known (a start date carried from an
    earlier year and left as it was is not written again); how many people changed."""
    rows = await facts_by_person(session, org_id, year)
    updated = 0
    for entry in entries:
        known = facts.get(entry.person_id, PersonFacts())
        wanted = PersonFacts(entry.rating, entry.started_on, entry.discipline, entry.initiative)
        if wanted == known:
            continue
        row = rows.get(entry.person_id)
        if row is None:
            row = PersonYear(org_id=org_id, person_id=entry.person_id, year=year)
            session.add(row)
        row.rating = entry.rating
        if entry.started_on != known.started_on or row.started_on is not None:
            row.started_on = entry.started_on
        row.discipline, row.initiative = entry.discipline, entry.initiative
        row.updated_at, row.updated_by = now, by
        updated += 1
    await session.flush()
    return updated
