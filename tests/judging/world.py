"""A school ready for its judging round: a council of nine, staff in two departments, a title
registration campaign with registrations, and the facts of the year (built straight in the
database: the judging round's own steps are what the tests drive)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.base import Env
from storage.db import SessionFactory
from storage.models import (
    Attendance,
    Campaign,
    CampaignKind,
    CampaignStatus,
    Meeting,
    MeetingStatus,
    Membership,
    MemberStatus,
    Person,
    PersonYear,
    Rating,
    Registration,
    Role,
    Title,
)
from tests.factories import CHAIR, COUNCIL, TEACHER, VICE, School, make_school
from ui.texts import Texts

LDTT, CSTDCS, TTLDTT = "Lao động tiên tiến", "Chiến sĩ thi đua cơ sở", "Tập thể lao động tiên tiến"
FIRST_COUNCIL = 2001  # Telegram ids of the extra council members: 2001..
FIRST_STAFF = 3001  # of the extra staff: 3001..


@dataclass
class World:
    """Who is who (Telegram ids) and where things are."""

    school: School
    council: list[int]  # the nine council members' Telegram ids, chair first
    staff: list[int]  # the registrants who are not on the council
    person: dict[int, int] = field(default_factory=dict)  # tg id → person id
    campaign_id: int = 0


def env(sessions: SessionFactory, texts: Texts, clock: list[datetime]) -> Env:
    """Use cases' dependencies with a clock a test can move (clock[0])."""
    return Env(sessions=sessions, texts=texts, clock=lambda: clock[0], tz=texts.tz, ballot_key=b"k")


async def _add_person(
    s: AsyncSession, org_id: int, tg: int, name: str, dept: int, role: Role, now: datetime
) -> Person:
    person = Person(tg_user_id=tg, full_name=name, created_at=now, current_org_id=org_id)
    s.add(person)
    await s.flush()
    s.add(
        Membership(
            org_id=org_id,
            person_id=person.id,
            role=role,
            department_id=dept,
            status=MemberStatus.ACTIVE,
            requested_at=now,
            decided_at=now,
        )
    )
    return person


async def build(
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
    *,
    council: int = 9,
    staff: int = 26,
    cstdcs: int = 4,
) -> World:
    """The school (tests/factories.py) grown to `council` council members and `staff` more
    teachers; every one of them registered a title: `cstdcs` registrants CSTĐCS, the rest LĐTT."""
    school = await make_school(sessions, texts, now)
    world = World(school, [CHAIR, VICE, COUNCIL], [TEACHER])
    depts = list(school.departments.values())
    async with sessions() as s:
        for i in range(council - 3):
            tg = FIRST_COUNCIL + i
            await _add_person(
                s,
                school.org_id,
                tg,
                f"Ủy viên Số {i + 1}",
                depts[i % len(depts)],
                Role.COUNCIL,
                now,
            )
            world.council.append(tg)
        for i in range(staff):
            tg = FIRST_STAFF + i
            await _add_person(
                s,
                school.org_id,
                tg,
                f"Giáo viên Số {i + 1:02d}",
                depts[i % len(depts)],
                Role.STAFF,
                now,
            )
            world.staff.append(tg)
        await s.flush()
        world.person = {p.tg_user_id: p.id for p in await s.scalars(select(Person))}
        titles = {
            t.name: t.id
            for t in await s.scalars(select(Title).where(Title.org_id == school.org_id))
        }
        ldtt_campaign = Campaign(
            org_id=school.org_id,
            name="Đăng ký danh hiệu thi đua",
            launched_by="Trường",
            kind=CampaignKind.REGISTRATION,
            starts_at=now - timedelta(days=60),
            ends_at=now - timedelta(days=30),
            status=CampaignStatus.CLOSED,
            created_at=now - timedelta(days=60),
        )
        s.add(ldtt_campaign)
        await s.flush()
        world.campaign_id = ldtt_campaign.id
        registrants = world.council + world.staff
        for n, tg in enumerate(registrants):
            title = CSTDCS if n % (len(registrants) // cstdcs) == 1 and cstdcs else LDTT
            s.add(
                Registration(
                    campaign_id=ldtt_campaign.id,
                    person_id=world.person[tg],
                    title_id=titles[title],
                    registered_at=now - timedelta(days=50),
                )
            )
        await s.commit()
    return world


async def set_facts(
    sessions: SessionFactory,
    org_id: int,
    year: int,
    facts: dict[int, tuple[Rating | None, date | None, str | None, str | None]],
    now: datetime,
) -> None:
    """Each person's facts (person id → rating, start, discipline, initiative)."""
    async with sessions() as s:
        for person_id, (rating, started, discipline, initiative) in facts.items():
            s.add(
                PersonYear(
                    org_id=org_id,
                    person_id=person_id,
                    year=year,
                    rating=rating,
                    started_on=started,
                    discipline=discipline,
                    initiative=initiative,
                    updated_at=now,
                )
            )
        await s.commit()


async def hold_meeting(
    sessions: SessionFactory,
    org_id: int,
    round_id: int,
    chair_person: int,
    present: list[int],
    now: datetime,
) -> int:
    """A meeting of the round, open, with these people (person ids) checked in."""
    async with sessions() as s:
        meeting = Meeting(
            round_id=round_id,
            org_id=org_id,
            starts_at=now,
            place="Phòng họp",
            agenda="",
            chair_id=chair_person,
            status=MeetingStatus.OPEN,
            opened_at=now,
            created_at=now,
        )
        s.add(meeting)
        await s.flush()
        for person_id in present:
            s.add(Attendance(meeting_id=meeting.id, person_id=person_id, present=True, at=now))
        await s.commit()
        return meeting.id
