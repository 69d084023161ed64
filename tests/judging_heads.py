"""Builders for the department heads' tests: teachers in two departments, a round, candidates."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from services import conversations, members
from services.base import Env
from services.judging import DepartmentHeads
from services.members import Members
from storage.db import SessionFactory
from storage.models import (
    Candidate,
    CandidateSource,
    DeptStatus,
    JudgingRound,
    Membership,
    Person,
)
from tests.factories import CHAIR, COUNCIL, TEACHER, School, join, membership_of
from ui.texts import Texts

# Tổ 1: Phạm Thị Lan (COUNCIL), Vũ Thị Mai (TEACHER, its head), and these two; Tổ 2: two more.
BICH, HUNG, YEN, KHOA = 2001, 2002, 2101, 2102
TITLES = ["Lao động tiên tiến", "Chiến sĩ thi đua cơ sở", "Tập thể lao động tiên tiến"]


@dataclass
class Round:
    """A round of the school, its candidates by (Telegram id, title), its departments."""

    id: int
    candidates: dict[tuple[int, str], int]
    dept1: int
    dept2: int


def heads_service(sessions: SessionFactory, texts: Texts, now: datetime) -> DepartmentHeads:
    """The use cases, as built at start-up (a new one is a restarted bot)."""
    return DepartmentHeads(Env(sessions=sessions, texts=texts, clock=lambda: now, tz=texts.tz))


def members_service(sessions: SessionFactory, texts: Texts, now: datetime) -> Members:
    """The members' use cases."""
    return Members(Env(sessions=sessions, texts=texts, clock=lambda: now, tz=texts.tz))


async def add_teacher(
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
    school: School,
    tg: int,
    name: str,
    dept: str,
) -> int:
    """A teacher who joined and was approved; their membership id."""
    mid = await join(
        sessions,
        texts,
        now,
        code=school.invite_code,
        tg_user_id=tg,
        name=name,
        department_id=school.departments[dept],
    )
    async with sessions() as s:
        await members.decide_join(
            s, membership_id=mid, approver_tg_id=CHAIR, approve=True, texts=texts, now=now
        )
    return mid


async def make_head(sessions: SessionFactory, texts: Texts, now: datetime, tg: int) -> None:
    """The chair makes this member the head of their department."""
    membership = await membership_of(sessions, tg)
    assert membership is not None
    await members_service(sessions, texts, now).set_head(
        tg_user_id=CHAIR, membership_id=membership.id, heads=True
    )


async def person_id(sessions: SessionFactory, tg: int) -> int:
    """The person behind a Telegram id."""
    async with sessions() as s:
        found = await s.scalar(select(Person.id).where(Person.tg_user_id == tg))
    assert found is not None
    return found


async def make_round(
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
    school: School,
    *,
    head: int | None = TEACHER,
) -> Round:
    """Two more teachers in Tổ 1 and two in Tổ 2, `head` (Vũ Thị Mai) heading Tổ 1, an open round
    whose registrants wait for their department (the lead's round-opening is not here yet: the
    rows are written directly)."""
    for tg, name, dept in (
        (BICH, "Nguyễn Thị Bích", "Tổ 1"),
        (HUNG, "Đặng Văn Hùng", "Tổ 1"),
        (YEN, "Hoàng Thị Yến", "Tổ 2"),
        (KHOA, "Lý Văn Khoa", "Tổ 2"),
    ):
        await add_teacher(sessions, texts, now, school, tg, name, dept)
    if head is not None:
        await make_head(sessions, texts, now, head)
    registrants = {
        TEACHER: [TITLES[0]],
        COUNCIL: [TITLES[0], TITLES[1]],
        BICH: [TITLES[0]],
        HUNG: [TITLES[0]],
        YEN: [TITLES[0]],
        KHOA: [TITLES[0]],
    }
    people = {tg: await person_id(sessions, tg) for tg in registrants}
    async with sessions() as s:
        made = JudgingRound(
            org_id=school.org_id,
            name="Bình xét năm học 2023-2024",
            year=2023,
            period_start=date(2023, 9, 5),
            period_end=date(2024, 5, 31),
            titles=TITLES,
            created_by=await person_id(sessions, CHAIR),
            created_at=now,
        )
        s.add(made)
        await s.flush()
        rows = {
            (tg, title): Candidate(
                round_id=made.id,
                title=title,
                person_id=people[tg],
                source=CandidateSource.REGISTRATION,
                dept_status=DeptStatus.WAITING,
                added_at=now,
            )
            for tg, titles in registrants.items()
            for title in titles
        }
        s.add_all(rows.values())
        await s.commit()
        return Round(
            made.id,
            {key: c.id for key, c in rows.items()},
            school.departments["Tổ 1"],
            school.departments["Tổ 2"],
        )


async def statuses(sessions: SessionFactory, round_id: int) -> dict[int, str]:
    """Each candidate's department status in the round."""
    async with sessions() as s:
        rows = await s.scalars(select(Candidate).where(Candidate.round_id == round_id))
        return {c.id: str(c.dept_status) for c in rows}


async def is_head(sessions: SessionFactory, tg: int) -> bool:
    """The member heads their department."""
    async with sessions() as s:
        found = await s.scalar(
            select(Membership.heads_department)
            .join(Person, Person.id == Membership.person_id)
            .where(Person.tg_user_id == tg)
        )
    return bool(found)


async def plant_draft(
    sessions: SessionFactory, now: datetime, tg: int, kind: str, step: str, data: dict[str, Any]
) -> None:
    """A dialogue left in the database, as if `tg` had reached `step` while they could."""
    async with sessions() as s:
        await conversations.put(s, chat_id=tg, user_id=tg, kind=kind, step=step, data=data, now=now)
        await s.commit()
