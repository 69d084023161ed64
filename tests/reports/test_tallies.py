"""Tallies against an independent count made here from the raw rows, on both databases."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from reports.columns import NO_DEPARTMENT
from services import tallies
from services.errors import Invalid, NotAllowed
from storage.db import SessionFactory
from storage.models import (
    Department,
    Membership,
    MemberStatus,
    Person,
    Proposal,
    Registration,
    Story,
    StoryStatus,
    Title,
)
from tests.factories import CHAIR, COUNCIL, TEACHER, VICE
from tests.reports.conftest import GROUP, Seeded

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


async def _raw(sessions: SessionFactory, org_id: int) -> tuple[list[Story], dict[int, str], dict]:
    async with sessions() as s:
        stories = list((await s.scalars(select(Story).where(Story.org_id == org_id))).all())
        names = dict((await s.execute(select(Person.id, Person.full_name))).all())
        departments = dict(
            (
                await s.execute(
                    select(Department.id, Department.name).where(Department.org_id == org_id)
                )
            ).all()
        )
        heads = Counter(
            m.department_id
            for m in (await s.scalars(select(Membership).where(Membership.org_id == org_id))).all()
            if m.status == MemberStatus.ACTIVE
        )
    return stories, names, {"departments": departments, "heads": heads}


def _expected_top(stories: list[Story], key: str, names: dict[int, str]) -> list[tuple[str, int]]:
    counts = Counter(getattr(s, key) for s in stories if getattr(s, key) is not None)
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], names[kv[0]], kv[0]))
    return [(names[pid], n) for pid, n in ranked[: tallies.TOP]]


@pytest.mark.parametrize("code", ["y", "s", "m", "r20230801-20231231"])
async def test_a_period_tally_matches_a_count_of_the_raw_rows(
    sessions: SessionFactory, seeded: Seeded, now: datetime, code: str
) -> None:
    async with sessions() as s:
        result = await tallies.tally(
            s, tg_user_id=COUNCIL, chat_id=COUNCIL, code=code, tz=TZ, now=now
        )
    tally = result.tally
    scope = tally.scope
    stories, names, org = await _raw(sessions, seeded.org_id)

    def local(moment: datetime) -> date:
        return moment.astimezone(TZ).date()

    inside = [
        s
        for s in stories
        if scope.start <= local(s.submitted_at) <= scope.end and s.status != StoryStatus.SUPERSEDED
    ]
    approved = [s for s in inside if s.status == StoryStatus.APPROVED]
    assert tally.by_status == dict(Counter(str(s.status) for s in inside))
    assert tally.total == len(inside) and tally.approved == len(approved)
    per_dept = Counter(s.author_department_id for s in approved)
    got = {d.name: (d.heads, d.approved) for d in tally.departments}
    for dept_id, name in org["departments"].items():
        assert got[name] == (org["heads"].get(dept_id, 0), per_dept.get(dept_id, 0))
    if per_dept.get(None):
        assert got[NO_DEPARTMENT][1] == per_dept[None]
    assert [(p.name, p.count) for p in tally.top_authors] == _expected_top(
        approved, "author_id", names
    )
    assert [(p.name, p.count) for p in tally.top_nominees] == _expected_top(
        approved, "nominee_person_id", names
    )
    months = Counter(local(s.submitted_at).strftime("%m/%Y") for s in approved)
    assert {m.label: m.count for m in tally.by_month if m.count} == dict(months)
    assert sum(m.count for m in tally.by_month) == len(approved)


async def test_the_school_year_follows_the_schools_calendar(
    sessions: SessionFactory, seeded: Seeded, now: datetime
) -> None:
    async with sessions() as s:
        year = (
            await tallies.tally(s, tg_user_id=CHAIR, chat_id=GROUP, code="y", tz=TZ, now=now)
        ).tally
        semester = (
            await tallies.tally(s, tg_user_id=VICE, chat_id=VICE, code="s", tz=TZ, now=now)
        ).tally
        month = (
            await tallies.tally(s, tg_user_id=VICE, chat_id=VICE, code="m", tz=TZ, now=now)
        ).tally
    assert (year.scope.start, year.scope.end) == (date(2023, 9, 5), date(2024, 9, 4))
    assert (semester.scope.semester, semester.scope.start) == (2, date(2024, 1, 15))
    assert (month.scope.start, month.scope.end) == (date(2024, 2, 1), date(2024, 2, 29))
    # 05/09/2023 to 04/09/2024, seen in February: every month so far, and no month to come as a
    # zero bar (issue 17, item 37); the seeded data's later stories keep their own months.
    labels = [m.label for m in year.by_month]
    assert labels[:6] == ["09/2023", "10/2023", "11/2023", "12/2023", "01/2024", "02/2024"]
    assert all(m.count for m in year.by_month[6:]) and "09/2024" not in labels


async def test_a_campaign_tally_counts_its_stories_registrations_and_proposals(
    sessions: SessionFactory, seeded: Seeded, now: datetime
) -> None:
    async with sessions() as s:
        campaign = (
            await tallies.tally(
                s, tg_user_id=COUNCIL, chat_id=GROUP, code=f"c{seeded.campaign_id}", tz=TZ, now=now
            )
        ).tally
        registration = (
            await tallies.tally(
                s,
                tg_user_id=COUNCIL,
                chat_id=GROUP,
                code=f"c{seeded.registration_campaign_id}",
                tz=TZ,
                now=now,
            )
        ).tally
        stories = (
            await s.scalars(select(Story).where(Story.campaign_id == seeded.campaign_id))
        ).all()
        proposals = (
            await s.scalars(
                select(Proposal).where(Proposal.story_id.in_([st.id for st in stories]))
            )
        ).all()
        titles = (
            await s.execute(
                select(Title.name)
                .join(Registration, Registration.title_id == Title.id)
                .where(Registration.withdrawn_at.is_(None))
            )
        ).scalars()
        expected_titles = Counter(titles)
    assert campaign.scope.campaign_name == "Người tốt, việc tốt năm 2024"
    counted = [st for st in stories if st.status != StoryStatus.SUPERSEDED]
    assert campaign.total == len(counted)
    expected = Counter((p.form, p.level, str(p.status)) for p in proposals)
    got: Counter[tuple[str, str, str]] = Counter()
    for p in campaign.proposals:
        got[(p.form, p.level, "proposed")] += p.proposed
        got[(p.form, p.level, "confirmed")] += p.confirmed
        got[(p.form, p.level, "declined")] += p.declined
    assert +got == expected
    assert {r.label: r.count for r in registration.registrations} == dict(expected_titles)
    assert registration.total == 0


async def test_a_teacher_is_refused_and_so_is_a_chat_outside_the_council(
    sessions: SessionFactory, seeded: Seeded, now: datetime
) -> None:
    async with sessions() as s:
        with pytest.raises(NotAllowed) as teacher:
            await tallies.tally(s, tg_user_id=TEACHER, chat_id=TEACHER, code="y", tz=TZ, now=now)
        with pytest.raises(NotAllowed) as elsewhere:
            await tallies.tally(s, tg_user_id=COUNCIL, chat_id=-100777, code="y", tz=TZ, now=now)
    assert teacher.value.key == "reports.council_only"
    assert elsewhere.value.key == "reports.council_chat_only"


def test_typed_periods_become_scope_codes() -> None:
    assert tallies.scope_code("") == "y"
    assert tallies.scope_code("học kỳ") == "s"
    assert tallies.scope_code("Tháng") == "m"
    assert tallies.scope_code("01/09/2024 – 15/01/2025") == "r20240901-20250115"
    assert tallies.scope_code("1/9/2024 đến 15/1/2025") == "r20240901-20250115"
    for bad in ("31/02/2024-01/03/2024", "15/01/2025-01/09/2024", "hôm qua"):
        with pytest.raises(Invalid):
            tallies.scope_code(bad)


async def test_the_campaign_buttons_under_a_tally_leave_out_campaigns_not_started_yet(
    sessions: SessionFactory, seeded: Seeded, now: datetime
) -> None:
    from datetime import timedelta

    async def choices(at: datetime) -> list[int]:
        async with sessions() as s:
            result = await tallies.tally(
                s, tg_user_id=COUNCIL, chat_id=GROUP, code="y", tz=TZ, now=at
            )
        return [c.id for c in result.campaigns]

    # 23/02/2024: the 2024 good-deeds campaign starts on the 26th; last year's registration ran.
    assert await choices(now) == [seeded.registration_campaign_id]
    later = await choices(now + timedelta(days=3))
    assert later == [seeded.campaign_id, seeded.registration_campaign_id]
