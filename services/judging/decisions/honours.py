"""The honours list: who got which title, by which decision; read by /tally, the export, the
achievement reports (part III) and next year's checks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services.judging.rules import years_in_a_row
from storage.models import Decision, Department, Honour, Membership, Person


def year_label(year: int) -> str:
    """2026 -> "2026-2027"."""
    return f"{year}-{year + 1}"


def decision_text(number: str, signed_on: date) -> str:
    """ "Quyết định số 125/QĐ-UBND ngày 20/06/2027"."""
    return f"Quyết định số {number} ngày {signed_on:%d/%m/%Y}"


@dataclass(frozen=True)
class HonourRow:
    """One line of the year's honours list."""

    title: str
    name: str  # the person, or the department for a collective title
    department: str
    number: str
    signed_on: date
    signer: str
    person_id: int | None


async def honours_of(session: AsyncSession, person_id: int) -> list[tuple[str, str]]:
    """(school year "2026-2027", title) of every title this person was granted, oldest first."""
    rows = await session.execute(
        select(Honour.year, Honour.title)
        .where(Honour.person_id == person_id)
        .order_by(Honour.year, Honour.title)
    )
    return [(year_label(year), title) for year, title in rows.all()]


async def honour_details(session: AsyncSession, person_id: int) -> list[tuple[str, str, str, str]]:
    """(school year, title, the decision's words, its signer) for part III of a report."""
    rows = await session.execute(
        select(Honour.year, Honour.title, Decision.number, Decision.signed_on, Decision.signer)
        .join(Decision, Decision.id == Honour.decision_id)
        .where(Honour.person_id == person_id)
        .order_by(Honour.year, Honour.title)
    )
    return [
        (year_label(year), title, decision_text(number, signed), signer)
        for year, title, number, signed, signer in rows.all()
    ]


def consecutive_years(history: list[tuple[str, str]], title: str, until_year: int) -> int:
    """How many school years in a row, ending with `until_year` (the year before the one being
    judged), the person held `title`: the fact "consecutive years" for next year's checks."""
    return years_in_a_row({int(label[:4]) for label, name in history if name == title}, until_year)


async def year_honours(session: AsyncSession, org_id: int, year: int) -> list[HonourRow]:
    """The school year's honours list, by title then name."""
    own_dept = aliased(Department)
    rows = await session.execute(
        select(
            Honour.title,
            Person.full_name,
            Department.name,
            own_dept.name,
            Decision.number,
            Decision.signed_on,
            Decision.signer,
            Honour.person_id,
        )
        .join(Decision, Decision.id == Honour.decision_id)
        .outerjoin(Person, Person.id == Honour.person_id)
        .outerjoin(Department, Department.id == Honour.department_id)
        .outerjoin(
            Membership,
            (Membership.person_id == Honour.person_id) & (Membership.org_id == org_id),
        )
        .outerjoin(own_dept, own_dept.id == Membership.department_id)
        .where(Honour.org_id == org_id, Honour.year == year)
    )
    found = [
        HonourRow(
            title=title,
            name=person or dept or "",
            department=own or dept or "",
            number=number,
            signed_on=signed,
            signer=signer,
            person_id=pid,
        )
        for title, person, dept, own, number, signed, signer, pid in rows.all()
    ]
    return sorted(found, key=lambda h: (h.title, h.name))
