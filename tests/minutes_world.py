"""A closed judging meeting, written straight into the database, for the minutes' tests: nine
council members (one absent with a reason, a secretary who is also a candidate), a second school
with its own council member, a deactivated council member, the round's candidates with their
checks' warnings, an open vote (Lao động tiên tiến) and a secret one (Chiến sĩ thi đua cơ sở)
with the votes behind every count."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import orgs
from services.judging.rules import count
from storage.db import SessionFactory
from storage.models import (
    Attendance,
    Ballot,
    BallotBoxEntry,
    BallotStatus,
    Candidate,
    CandidateSource,
    DeptStatus,
    JudgingRound,
    Meeting,
    MeetingStatus,
    Membership,
    MemberStatus,
    Org,
    Outcome,
    Person,
    Role,
    RoundStatus,
    Vote,
)
from tests.factories import CHAIR, COUNCIL, TEACHER, VICE, School

LDTT, CSTDCS = "Lao động tiên tiến", "Chiến sĩ thi đua cơ sở"
MEMBER, ABSENT, DEACTIVATED, OTHER_COUNCIL = 4101, 4106, 4200, 4300
ABSENCE = "Đi tập huấn chuyên môn tại Sở GD&ĐT"
EXTRA_COUNCIL = [  # (tg id, name, department)
    (MEMBER, "Nguyễn Văn Bình", "Tổ 2"),
    (4102, "Đỗ Thị Hoa", "Tổ 2"),
    (4103, "Hoàng Văn Nam", "Tổ 3"),
    (4104, "Vũ Thị Ngọc", "Tổ 3"),
    (4105, "Bùi Thị Thu Trang", "Tổ 1"),
    (ABSENT, "Đặng Văn Khoa", "Tổ Văn phòng"),
]
STAFF = [(4001, "Lê Văn An", "Tổ 2"), (4002, "Trịnh Văn Sơn", "Tổ 3")]
STARTS = datetime(2027, 5, 15, 7, 0, tzinfo=UTC)  # 14:00 in Hà Nội
ENDS = datetime(2027, 5, 15, 9, 30, tzinfo=UTC)  # 16:30


@dataclass
class Judged:
    """What the world holds: ids to act on and to count with."""

    org_id: int
    meeting_id: int
    people: dict[int, int]  # tg id -> person id
    ballots: dict[str, int] = field(default_factory=dict)  # title -> ballot id
    candidates: dict[tuple[str, str], int] = field(default_factory=dict)  # (title, name) -> id


async def _person(
    s: AsyncSession, org_id: int, tg: int, name: str, dept: int | None, role: Role, now: datetime
) -> int:
    person = Person(tg_user_id=tg, full_name=name, created_at=now)
    s.add(person)
    await s.flush()
    s.add(
        Membership(
            org_id=org_id,
            person_id=person.id,
            role=role,
            department_id=dept,
            status=MemberStatus.LEFT if tg == DEACTIVATED else MemberStatus.ACTIVE,
            requested_at=now,
        )
    )
    return person.id


async def judged_meeting(
    sessions: SessionFactory, school: School, now: datetime, *, seed: int = 14
) -> Judged:
    """The school of tests/factories.make_school, its council made nine, and a closed meeting."""
    rng = random.Random(seed)
    async with sessions() as s:
        other = await orgs.create_org(s, name="Trường THCS Gia Thụy", now=now)
    async with sessions() as s:
        org = await s.get(Org, school.org_id)
        assert org is not None
        org.place, org.parent_name = "Long Biên", "UBND phường Bồ Đề"
        people = {
            p.tg_user_id: p.id
            for p in await s.scalars(
                select(Person).where(Person.tg_user_id.in_([CHAIR, VICE, COUNCIL, TEACHER]))
            )
        }
        depts = school.departments
        for tg, name, dept in EXTRA_COUNCIL:
            people[tg] = await _person(s, org.id, tg, name, depts[dept], Role.COUNCIL, now)
        for tg, name, dept in STAFF:
            people[tg] = await _person(s, org.id, tg, name, depts[dept], Role.STAFF, now)
        people[DEACTIVATED] = await _person(
            s, org.id, DEACTIVATED, "Ngô Văn Cường", depts["Tổ 2"], Role.COUNCIL, now
        )
        people[OTHER_COUNCIL] = await _person(
            s, other.org_id, OTHER_COUNCIL, "Trịnh Văn Hải", None, Role.COUNCIL, now
        )
        judging = JudgingRound(
            org_id=org.id,
            name="Bình xét thi đua năm học 2026-2027",
            year=2026,
            period_start=date(2026, 9, 5),
            period_end=date(2027, 5, 31),
            titles=[LDTT, CSTDCS],
            status=RoundStatus.OPEN,
            created_by=people[CHAIR],
            created_at=now,
        )
        s.add(judging)
        await s.flush()
        meeting = Meeting(
            round_id=judging.id,
            org_id=org.id,
            starts_at=STARTS,
            place="Phòng họp tầng 2",
            agenda="Xét danh hiệu Lao động tiên tiến\nXét danh hiệu Chiến sĩ thi đua cơ sở",
            chair_id=people[CHAIR],
            secretary_id=people[COUNCIL],
            status=MeetingStatus.CLOSED,
            council_size=9,
            opened_at=STARTS,
            closed_at=ENDS,
            created_at=now,
        )
        s.add(meeting)
        await s.flush()
        council = [CHAIR, VICE, COUNCIL] + [tg for tg, _, _ in EXTRA_COUNCIL]
        for tg in council:
            s.add(
                Attendance(
                    meeting_id=meeting.id,
                    person_id=people[tg],
                    present=tg != ABSENT,
                    reason=ABSENCE if tg == ABSENT else None,
                    at=STARTS,
                )
            )
        world = Judged(org.id, meeting.id, people)
        present = [tg for tg in council if tg != ABSENT]
        plan: dict[str, list[tuple[int, list[dict[str, Any]]]]] = {
            LDTT: [
                (TEACHER, []),
                (4001, [{"key": "service", "months": 5, "needed": 6}]),
                (COUNCIL, []),
                (4002, []),
            ],
            CSTDCS: [(TEACHER, []), (4001, [{"key": "no_initiative"}])],
        }
        for title, entries in plan.items():
            secret = title == CSTDCS
            ballot = Ballot(
                meeting_id=meeting.id,
                title=title,
                secret=secret,
                threshold=70,
                base="all",
                present=len(present),
                status=BallotStatus.CLOSED,
                opened_at=STARTS,
                closed_at=ENDS,
            )
            s.add(ballot)
            await s.flush()
            world.ballots[title] = ballot.id
            for tg, warnings in entries:
                candidate = Candidate(
                    round_id=judging.id,
                    title=title,
                    person_id=people[tg],
                    source=CandidateSource.REGISTRATION,
                    dept_status=DeptStatus.PROPOSED,
                    added_at=now,
                    warnings=warnings,
                )
                s.add(candidate)
                await s.flush()
                yes = no = 0
                for voter in present:
                    # Nobody votes on themself; Hoàng Văn Nam skips one candidate.
                    if voter == tg or (voter == 4103 and tg == 4002):
                        continue
                    choice = "yes" if rng.random() < 0.8 else "no"
                    yes, no = yes + (choice == "yes"), no + (choice == "no")
                    s.add(
                        Vote(
                            ballot_id=ballot.id,
                            candidate_id=candidate.id,
                            person_id=people[voter],
                            choice=None if secret else choice,
                            at=STARTS,
                        )
                    )
                    if secret:
                        key = hashlib.sha256(f"{ballot.id}:{candidate.id}:{voter}".encode())
                        s.add(
                            BallotBoxEntry(
                                key=key.hexdigest(),
                                ballot_id=ballot.id,
                                candidate_id=candidate.id,
                                choice=choice,
                            )
                        )
                result = count(yes, no, base=9, threshold=70)
                candidate.yes, candidate.no, candidate.base = yes, no, 9
                candidate.outcome = Outcome.PASSED if result.passed else Outcome.FAILED
                world.candidates[(title, _name(tg))] = candidate.id
        # A candidate the department did not propose stays out of the minutes.
        s.add(
            Candidate(
                round_id=judging.id,
                title=LDTT,
                person_id=people[DEACTIVATED],
                source=CandidateSource.REGISTRATION,
                dept_status=DeptStatus.NOT_PROPOSED,
                added_at=now,
                warnings=[],
            )
        )
        await s.commit()
    return world


def _name(tg: int) -> str:
    names = {TEACHER: "Vũ Thị Mai", COUNCIL: "Phạm Thị Lan"}
    names.update({t: n for t, n, _ in EXTRA_COUNCIL + STAFF})
    return names[tg]
