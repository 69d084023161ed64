"""A school with an initiatives call under way: a jury of four across departments, an entry
submitted by a teacher of Tổ 1, another school, a deactivated member (built straight in the
database and with the engine's session functions: the tests drive the rest)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.base import Env
from services.reviews import calls, entries
from storage.db import SessionFactory
from storage.models import (
    CallKind,
    JuryRole,
    Membership,
    MemberStatus,
    Person,
    Role,
)
from tests.factories import CHAIR, COUNCIL, TEACHER, VICE, make_other_school, make_school
from ui.texts import Texts

R2, R3, SAME_DEPT, AUTHOR2, GONE = 2101, 2102, 2103, 2104, 2105  # Telegram ids
OTHER_CHAIR, OTHER_COUNCIL = 5001, 5002


@dataclass
class World:
    """Who is who (Telegram ids → person ids) and the call and entry under test."""

    org_id: int
    departments: dict[str, int]
    person: dict[int, int] = field(default_factory=dict)
    call_id: int = 0
    entry_id: int = 0  # TEACHER's initiative, submitted
    entry2_id: int = 0  # AUTHOR2's initiative (Tổ 2), submitted


def make_env(sessions: SessionFactory, texts: Texts, clock: list[datetime]) -> Env:
    """Use cases' dependencies with a clock a test can move (clock[0])."""
    return Env(sessions=sessions, texts=texts, clock=lambda: clock[0], tz=texts.tz)


async def _add(
    s: AsyncSession,
    org_id: int,
    tg: int,
    name: str,
    dept: int,
    now: datetime,
    status: MemberStatus = MemberStatus.ACTIVE,
) -> None:
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
            requested_at=now,
            decided_at=now,
        )
    )


async def build(sessions: SessionFactory, texts: Texts, now: datetime) -> World:
    """The school, its people, the call with its jury (chair: the vice-chair) and two entries."""
    school = await make_school(sessions, texts, now)
    await make_other_school(sessions, texts, now, chair=OTHER_CHAIR, council=OTHER_COUNCIL)
    d = school.departments
    world = World(school.org_id, d)
    async with sessions() as s:
        await _add(s, school.org_id, R2, "Ngô Thị Hoa", d["Tổ 2"], now)
        await _add(s, school.org_id, R3, "Đặng Văn Nam", d["Tổ 3"], now)
        await _add(s, school.org_id, SAME_DEPT, "Bùi Thị Yến", d["Tổ 1"], now)
        await _add(s, school.org_id, AUTHOR2, "Hoàng Văn Long", d["Tổ 2"], now)
        await _add(s, school.org_id, GONE, "Lý Thị Gấm", d["Tổ 3"], now, MemberStatus.LEFT)
        await s.flush()
        world.person = {p.tg_user_id: p.id for p in await s.scalars(select(Person))}
        p = world.person
        call = await calls.open_call(
            s,
            org_id=school.org_id,
            kind=CallKind.INITIATIVE,
            year=2023,
            title="Sáng kiến năm học 2023-2024",
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=30),
            submit_by=now + timedelta(days=60),
            created_by=p[CHAIR],
            now=now,
        )
        world.call_id = call.id
        await calls.set_jury_member(
            s, call=call, person_id=p[VICE], role=JuryRole.CHAIR, by=p[CHAIR], now=now
        )
        for tg in (COUNCIL, R2, R3, SAME_DEPT):
            await calls.set_jury_member(
                s, call=call, person_id=p[tg], role=JuryRole.MEMBER, by=p[CHAIR], now=now
            )
        for tg, dept, title in (
            (TEACHER, d["Tổ 1"], "Dạy học phân hóa môn Toán lớp 1"),
            (AUTHOR2, d["Tổ 2"], "Trò chơi học tập trong giờ Tiếng Việt"),
        ):
            entry = await entries.register(
                s,
                call=call,
                author_id=p[tg],
                department_id=dept,
                title=title,
                field="Toán",
                summary="Học sinh tiếp thu chậm",
                now=now,
            )
            await entries.add_file(
                s,
                call=call,
                entry=entry,
                role="writeup",
                tg_file_id=f"file-{tg}",
                name="sang_kien.docx",
                now=now,
            )
            if tg == TEACHER:
                world.entry_id = entry.id
            else:
                world.entry2_id = entry.id
        await s.commit()
    return world
