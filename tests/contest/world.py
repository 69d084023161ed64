"""A school ready for a writing contest: the chair, vice-chair, a council member and a teacher
(tests/factories.py), teachers of Tổ 2 and Tổ 3, a deactivated member, another school; and the
steps of a contest driven through its use cases."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from services.base import Env
from services.contest import Contests
from services.files import StaticFetcher
from services.reviews import Reviews
from storage.db import SessionFactory
from storage.files import FileStore
from storage.models import Membership, MemberStatus, Person, Role
from tests.factories import CHAIR, COUNCIL, VICE, make_other_school, make_school
from ui.texts import Texts

T2, T2B, T3, T3B, GONE = 2201, 2202, 2203, 2204, 2205  # Telegram ids
OTHER_CHAIR, OTHER_COUNCIL = 5101, 5102
NAMES = {
    T2: "Ngô Thị Hoa",
    T2B: "Hoàng Văn Long",
    T3: "Đặng Văn Nam",
    T3B: "Bùi Thị Yến",
    GONE: "Lý Thị Gấm",
}
JUDGES = (VICE, COUNCIL, T2)  # the contest's three judges (COUNCIL writes an entry too)


@dataclass
class World:
    """Who is who and the contest under test."""

    org_id: int
    departments: dict[str, int]
    person: dict[int, int] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)
    contest_id: int = 0


def make_env(
    sessions: SessionFactory, texts: Texts, clock: list[datetime], files: FileStore,
    fetched: dict[str, bytes] | None = None,
) -> Env:  # fmt: skip
    """Use cases' dependencies with a clock a test can move (clock[0]) and a file store."""
    return Env(
        sessions=sessions,
        texts=texts,
        clock=lambda: clock[0],
        tz=texts.tz,
        files=files,
        fetcher=StaticFetcher(fetched if fetched is not None else {}),
    )


async def build(sessions: SessionFactory, texts: Texts, now: datetime) -> World:
    """The school and its people (no contest yet)."""
    school = await make_school(sessions, texts, now)
    await make_other_school(sessions, texts, now, chair=OTHER_CHAIR, council=OTHER_COUNCIL)
    d = school.departments
    where = {T2: "Tổ 2", T2B: "Tổ 2", T3: "Tổ 3", T3B: "Tổ 3", GONE: "Tổ 3"}
    async with sessions() as s:
        for tg, name in NAMES.items():
            person = Person(
                tg_user_id=tg, full_name=name, created_at=now, current_org_id=school.org_id
            )
            s.add(person)
            await s.flush()
            s.add(
                Membership(
                    org_id=school.org_id,
                    person_id=person.id,
                    role=Role.STAFF,
                    department_id=d[where[tg]],
                    status=MemberStatus.LEFT if tg == GONE else MemberStatus.ACTIVE,
                    requested_at=now,
                    decided_at=now,
                )
            )
        await s.commit()
        people = (await s.scalars(select(Person))).all()
    world = World(school.org_id, d)
    world.person = {p.tg_user_id: p.id for p in people}
    world.names = {p.tg_user_id: p.full_name for p in people}
    return world


async def open_contest(contests: Contests, *, two: bool = True, finalists: str = "3") -> int:
    """The chair opens a contest (23/02/2024 to 10/03/2024) with JUDGES; returns its id."""
    await contests.begin_open(tg_user_id=CHAIR)
    await contests.opening_title(tg_user_id=CHAIR, choice=0)
    await contests.opening_subject(tg_user_id=CHAIR)
    await contests.opening_typed(tg_user_id=CHAIR, text="23/02/2024-10/03/2024")
    await contests.opening_rounds(tg_user_id=CHAIR, two=two)
    if two:
        await contests.opening_typed(tg_user_id=CHAIR, text=finalists)
    opened = await contests.confirm_open(tg_user_id=CHAIR, ok=True)
    assert opened is not None
    for tg in JUDGES:
        page = await contests.jury_page(tg_user_id=CHAIR, contest_id=opened.id)
        found = await _person_id(contests, tg)
        await contests.toggle_juror(
            tg_user_id=CHAIR, contest_id=opened.id, person_id=found, page=page.page
        )
    return opened.id


async def _person_id(contests: Contests, tg: int) -> int:
    async with contests.env.sessions() as s:
        found = await s.scalar(select(Person.id).where(Person.tg_user_id == tg))
    assert found is not None
    return found


async def write(contests: Contests, tg: int, contest_id: int, subject: str, text: str) -> str:
    """A member writes an entry in two parts; returns its code."""
    await contests.begin_entry(tg_user_id=tg, contest_id=contest_id)
    await contests.entry_typed(tg_user_id=tg, text=subject)
    await contests.entry_typed(tg_user_id=tg, text=f"Tấm gương {subject}")
    half = len(text) // 2
    await contests.entry_typed(tg_user_id=tg, text=text[:half])
    await contests.entry_typed(tg_user_id=tg, text=text[half:])
    await contests.entry_done(tg_user_id=tg)
    sent = await contests.send_entry(tg_user_id=tg, ok=True)
    assert sent is not None
    return sent.code


async def score_all(
    reviews: Reviews, contests: Contests, contest_id: int, marks: dict[tuple[int, str], list[int]]
) -> None:
    """Every judge scores every entry on their list: marks[(judge tg, code)], else 5s."""
    for judge in JUDGES:
        _, _, items = await contests.judge_list(tg_user_id=judge, contest_id=contest_id)
        for item in items:
            await reviews.open_sheet(tg_user_id=judge, chat_id=judge, sheet_id=item.sheet_id)
            for mark in marks.get((judge, item.code), [5, 5, 5]):
                await reviews.typed(tg_user_id=judge, text=str(mark))
            await reviews.typed(tg_user_id=judge, text="-")
            await reviews.send(tg_user_id=judge, chat_id=judge, sheet_id=item.sheet_id)
