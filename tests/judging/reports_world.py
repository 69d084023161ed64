"""A school whose judging round is final, for the achievement reports and the decision: the
factories' school (chair, vice-chair, council member, teacher) with a head for Tổ 1 and for Tổ 2,
a teacher of Tổ 2, a deactivated teacher, another school's chair; candidates with their outcomes
written straight in the database (the vote is not what these tests drive)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.db import SessionFactory
from storage.models import (
    Candidate,
    CandidateSource,
    DeptStatus,
    JudgingRound,
    Membership,
    MemberStatus,
    NomineeKind,
    Outcome,
    Person,
    PersonYear,
    Rating,
    Role,
    RoundStatus,
    Story,
    StoryStatus,
)
from tests.factories import (
    CHAIR,
    COUNCIL,
    TEACHER,
    VICE,
    School,
    forget_outbox,
    make_other_school,
)
from ui.texts import Texts

HN = ZoneInfo("Asia/Ho_Chi_Minh")
LDTT, CSTDCS, TTLDTT = "Lao động tiên tiến", "Chiến sĩ thi đua cơ sở", "Tập thể lao động tiên tiến"
HEAD1, HEAD2, NAM, GONE = 5001, 5002, 5003, 5004  # Telegram ids
OTHER_CHAIR, OTHER_COUNCIL = 6001, 6002
INITIATIVE = "Dạy học tích hợp môn Tiếng Việt lớp 3"
DEED = "Cô Mai kèm thêm miễn phí cho em Bảo & em Hân <b>mỗi chiều thứ Bảy</b>"


@dataclass
class Final:
    """Ids to act on."""

    org_id: int
    round_id: int
    year: int
    person: dict[int, int] = field(default_factory=dict)  # tg id -> person id
    candidates: dict[tuple[str, str], int] = field(default_factory=dict)  # (title, who) -> id


async def _person(
    s: AsyncSession,
    org_id: int,
    tg: int,
    name: str,
    dept: int,
    now: datetime,
    *,
    heads: bool = False,
    status: MemberStatus = MemberStatus.ACTIVE,
) -> int:
    person = Person(tg_user_id=tg, full_name=name, created_at=now, current_org_id=org_id)
    s.add(person)
    await s.flush()
    s.add(
        Membership(
            org_id=org_id,
            person_id=person.id,
            role=Role.STAFF,
            department_id=dept,
            status=status,
            heads_department=heads,
            requested_at=now,
            decided_at=now,
        )
    )
    return person.id


async def final_round(
    sessions: SessionFactory, texts: Texts, school: School, now: datetime, *, closed: bool = True
) -> Final:
    """The round of the school year of `now`, its outcomes set (closed unless told)."""
    await make_other_school(sessions, texts, now, chair=OTHER_CHAIR, council=OTHER_COUNCIL)
    local = now.astimezone(HN)
    year = local.year if local.month >= 9 else local.year - 1
    d1, d2 = school.departments["Tổ 1"], school.departments["Tổ 2"]
    async with sessions() as s:
        await _person(s, school.org_id, HEAD1, "Nguyễn Thị Hằng", d1, now, heads=True)
        await _person(s, school.org_id, HEAD2, "Hoàng Văn Long", d2, now, heads=True)
        await _person(s, school.org_id, NAM, "Đỗ Văn Nam", d2, now)
        await _person(s, school.org_id, GONE, "Bùi Thị Gấm", d1, now, status=MemberStatus.LEFT)
        await s.flush()
        people = {p.tg_user_id: p.id for p in await s.scalars(select(Person))}
        rnd = JudgingRound(
            org_id=school.org_id,
            name=f"Bình xét thi đua năm học {year}-{year + 1}",
            year=year,
            period_start=date(year, 9, 5),
            period_end=date(year + 1, 9, 5),
            titles=[LDTT, CSTDCS, TTLDTT],
            status=RoundStatus.CLOSED if closed else RoundStatus.OPEN,
            created_by=people[CHAIR],
            created_at=now - timedelta(days=2),
            closed_at=now if closed else None,
        )
        s.add(rnd)
        await s.flush()
        world = Final(school.org_id, rnd.id, year, people)
        rows = [
            (CSTDCS, TEACHER, None, Outcome.PASSED),
            (CSTDCS, HEAD1, None, Outcome.PASSED),
            (CSTDCS, NAM, None, Outcome.PASSED),
            (CSTDCS, COUNCIL, None, Outcome.FAILED),
            (LDTT, TEACHER, None, Outcome.PASSED),
            (LDTT, HEAD1, None, Outcome.PASSED),
            (LDTT, NAM, None, Outcome.PASSED),
            (LDTT, VICE, None, Outcome.FAILED),
            (TTLDTT, None, d2, Outcome.PASSED),
        ]
        for title, tg, dept, outcome in rows:
            c = Candidate(
                round_id=rnd.id,
                title=title,
                person_id=people[tg] if tg else None,
                department_id=dept,
                source=CandidateSource.DEPARTMENT if dept else CandidateSource.REGISTRATION,
                dept_status=DeptStatus.PROPOSED,
                added_at=now,
                outcome=outcome,
                yes=8,
                no=1,
                base=9,
            )
            s.add(c)
            await s.flush()
            world.candidates[(title, str(tg or "Tổ 2"))] = c.id
        s.add(
            PersonYear(
                org_id=school.org_id,
                person_id=people[TEACHER],
                year=year,
                rating=Rating.EXCELLENT,
                initiative=INITIATIVE,
                updated_at=now,
            )
        )
        s.add(
            Story(
                org_id=school.org_id,
                author_id=people[COUNCIL],
                text=DEED,
                nominee_kind=NomineeKind.COLLEAGUE,
                nominee_person_id=people[TEACHER],
                status=StoryStatus.APPROVED,
                submitted_at=now - timedelta(days=20),
                decided_at=now - timedelta(days=19),
            )
        )
        await s.commit()
    await forget_outbox(sessions)
    return world
