"""The council's figures: stories by status, by department and by month, the people most often
approved or named, registrations and proposals; every one an aggregate query (no story is
loaded to be counted). The chart draws two of them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reports.columns import NO_DEPARTMENT
from reports.model import (
    DepartmentCount,
    HonourCount,
    JudgingCount,
    LabelCount,
    PersonCount,
    ProposalCount,
    PublicationCount,
    Scope,
    Tally,
)
from services.initiatives.figures import initiative_counts
from services.judging.decisions.honours import HonourRow, year_honours
from services.judging.publication.publish import publication_count
from services.tallies.scope import (
    proposals_in,
    reader,
    registrations_in,
    resolve,
    stories_in,
)
from storage.models import (
    Campaign,
    Candidate,
    Department,
    DeptStatus,
    JudgingRound,
    Membership,
    MemberStatus,
    Org,
    Outcome,
    Person,
    Proposal,
    ProposalStatus,
    Registration,
    RoundStatus,
    Story,
    StoryStatus,
    Title,
)

TOP = 5


@dataclass(frozen=True)
class CampaignChoice:
    """A campaign a tally can switch to."""

    id: int
    name: str


@dataclass(frozen=True)
class TallyResult:
    """A tally and the campaigns to offer as switches."""

    tally: Tally
    campaigns: list[CampaignChoice]


@dataclass(frozen=True)
class ChartResult:
    """A chart and what it covers."""

    scope: Scope
    png: bytes
    approved: int


def month_of(session: AsyncSession, column: Any, tz: ZoneInfo, at: datetime) -> Any:
    """'YYYY-MM' of a stored moment, in the school's zone, computed by the database."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone(tz.key, column), "YYYY-MM")
    # SQLite stores naive UTC: shift by the zone's offset (fixed for Việt Nam: no summer time).
    offset = at.astimezone(tz).utcoffset() or timedelta()
    return func.strftime("%Y-%m", column, f"{int(offset.total_seconds() // 60):+d} minutes")


async def judging_round(session: AsyncSession, org_id: int, scope: Scope) -> JudgingRound | None:
    """The judging round of the scope's school year (the newest round when it has none)."""
    query = select(JudgingRound).where(JudgingRound.org_id == org_id)
    if scope.school_year[:4].isdigit():
        query = query.where(JudgingRound.year == int(scope.school_year[:4]))
    return await session.scalar(query.order_by(JudgingRound.id.desc()).limit(1))


async def judging_counts(session: AsyncSession, org_id: int, scope: Scope) -> list[JudgingCount]:
    """Per title of the school year's round: proposed to the council, passed."""
    rnd = await judging_round(session, org_id, scope)
    if rnd is None:
        return []
    rows = dict(
        (
            (title, (int(proposed or 0), int(passed or 0)))
            for title, proposed, passed in (
                await session.execute(
                    select(
                        Candidate.title,
                        func.sum(case((Candidate.dept_status == DeptStatus.PROPOSED, 1), else_=0)),
                        func.sum(case((Candidate.outcome == Outcome.PASSED, 1), else_=0)),
                    )
                    .where(Candidate.round_id == rnd.id)
                    .group_by(Candidate.title)
                )
            ).all()
        )
    )
    final = rnd.status == RoundStatus.CLOSED
    counts = [(t, *rows.get(t, (0, 0))) for t in rnd.titles]
    return [JudgingCount(t, proposed, passed, final) for t, proposed, passed in counts]


async def honour_counts(session: AsyncSession, org_id: int, scope: Scope) -> list[HonourCount]:
    """Per title of the school year's honours list: granted, and by which decisions."""
    rnd = await judging_round(session, org_id, scope)
    if rnd is None:
        return []
    by_title: dict[str, list[HonourRow]] = {}
    for row in await year_honours(session, org_id, rnd.year):
        by_title.setdefault(row.title, []).append(row)
    order = {t: i for i, t in enumerate(rnd.titles)}
    return [
        HonourCount(
            title,
            len(rows),
            tuple(dict.fromkeys(f"{r.number} ({r.signed_on:%d/%m/%Y})" for r in rows)),
        )
        for title, rows in sorted(by_title.items(), key=lambda kv: (order.get(kv[0], 99), kv[0]))
    ]


async def compute(
    session: AsyncSession, org: Org, scope: Scope, tz: ZoneInfo, now: datetime
) -> Tally:
    """Every figure of one tally, one GROUP BY each."""
    stories = stories_in(org.id, scope, tz)
    approved = [*stories, Story.status == StoryStatus.APPROVED]

    by_status = {
        str(status): int(count)
        for status, count in (
            await session.execute(
                select(Story.status, func.count()).where(*stories).group_by(Story.status)
            )
        ).all()
    }

    heads = dict(
        (
            await session.execute(
                select(Membership.department_id, func.count())
                .where(Membership.org_id == org.id, Membership.status == MemberStatus.ACTIVE)
                .group_by(Membership.department_id)
            )
        ).all()
    )
    per_department = dict(
        (
            await session.execute(
                select(Story.author_department_id, func.count())
                .where(*approved)
                .group_by(Story.author_department_id)
            )
        ).all()
    )
    departments = [
        DepartmentCount(name, int(heads.get(dept_id, 0)), int(per_department.get(dept_id, 0)))
        for dept_id, name in (
            await session.execute(
                select(Department.id, Department.name)
                .where(Department.org_id == org.id)
                .order_by(Department.position, Department.name)
            )
        ).all()
    ]
    if per_department.get(None):
        departments.append(DepartmentCount(NO_DEPARTMENT, 0, int(per_department[None])))

    top_authors = await _top(session, org.id, Story.author_id, approved)
    top_nominees = await _top(
        session, org.id, Story.nominee_person_id, [*approved, Story.nominee_person_id.is_not(None)]
    )

    registrations = [
        LabelCount(name, int(count))
        for name, count in (
            await session.execute(
                select(Title.name, func.count())
                .select_from(Registration)
                .join(Title, Title.id == Registration.title_id)
                .join(Campaign, Campaign.id == Registration.campaign_id)
                .where(*registrations_in(org.id, scope, tz), Registration.withdrawn_at.is_(None))
                .group_by(Title.name)
                .order_by(func.count().desc(), Title.name)
            )
        ).all()
    ]

    pivot: dict[tuple[str, str], dict[str, int]] = {}
    for form, level, status, count in (
        await session.execute(
            select(Proposal.form, Proposal.level, Proposal.status, func.count())
            .where(*proposals_in(org.id, scope, tz))
            .group_by(Proposal.form, Proposal.level, Proposal.status)
        )
    ).all():
        pivot.setdefault((form, level), {})[str(status)] = int(count)
    proposals = [
        ProposalCount(
            form,
            level,
            counts.get(ProposalStatus.PROPOSED, 0),
            counts.get(ProposalStatus.CONFIRMED, 0),
            counts.get(ProposalStatus.DECLINED, 0),
        )
        for (form, level), counts in sorted(pivot.items())
    ]

    month = month_of(session, Story.submitted_at, tz, now).label("month")
    months: dict[Any, Any] = dict(
        (await session.execute(select(month, func.count()).where(*approved).group_by(month))).all()
    )
    return Tally(
        org_name=org.name,
        scope=scope,
        by_status=by_status,
        departments=departments,
        top_authors=top_authors,
        top_nominees=top_nominees,
        registrations=registrations,
        proposals=proposals,
        by_month=_month_series(
            scope, {str(k): int(v) for k, v in months.items()}, now.astimezone(tz).date()
        ),
        judging=await judging_counts(session, org.id, scope),
        initiatives=await initiative_counts(session, org.id, scope.school_year),
        publication=await _publication(session, org.id, scope, now),
        honours=await honour_counts(session, org.id, scope),
    )


async def _publication(
    session: AsyncSession, org_id: int, scope: Scope, now: datetime
) -> PublicationCount | None:
    rnd = await judging_round(session, org_id, scope)
    return await publication_count(session, rnd.id, now) if rnd is not None else None


async def _top(
    session: AsyncSession, org_id: int, who: Any, where: Sequence[ColumnElement[bool]]
) -> list[PersonCount]:
    """The people with the most approved stories by `who`, most first (ties by name)."""
    count = func.count().label("n")
    rows = (
        await session.execute(
            select(Person.id, Person.full_name, count)
            .select_from(Story)
            .join(Person, Person.id == who)
            .where(*where)
            .group_by(Person.id, Person.full_name)
            .order_by(count.desc(), Person.full_name, Person.id)
            .limit(TOP)
        )
    ).all()
    departments = await _departments_of(session, org_id, [r[0] for r in rows])
    return [PersonCount(name, departments.get(pid, ""), int(n)) for pid, name, n in rows]


async def _departments_of(
    session: AsyncSession, org_id: int, person_ids: Sequence[int]
) -> dict[int, str]:
    if not person_ids:
        return {}
    return dict(
        (
            await session.execute(
                select(Membership.person_id, Department.name)
                .join(Department, Department.id == Membership.department_id)
                .where(Membership.org_id == org_id, Membership.person_id.in_(person_ids))
            )
        ).all()
    )


def _month_series(scope: Scope, counts: dict[str, int], today: date) -> list[LabelCount]:
    """Every month of the scope up to today's (zeros included, none to come), labelled mm/yyyy."""
    keys = set(counts)
    cursor = scope.start.replace(day=1)
    while cursor <= min(scope.end, today):
        keys.add(f"{cursor:%Y-%m}")
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return [LabelCount(f"{k[5:7]}/{k[:4]}", counts.get(k, 0)) for k in sorted(keys)]


async def _campaigns(
    session: AsyncSession, org_id: int, now: datetime, limit: int = 4
) -> list[CampaignChoice]:
    """The latest campaigns that have started (an upcoming one has nothing to count yet)."""
    rows = (
        await session.execute(
            select(Campaign.id, Campaign.name)
            .where(Campaign.org_id == org_id, Campaign.starts_at <= now)
            .order_by(Campaign.starts_at.desc(), Campaign.id.desc())
            .limit(limit)
        )
    ).all()
    return [CampaignChoice(int(i), name) for i, name in rows]


async def tally(
    session: AsyncSession,
    *,
    tg_user_id: int,
    chat_id: int,
    code: str,
    tz: ZoneInfo,
    now: datetime,
) -> TallyResult:
    """The council's figures for a campaign or a period (council, chair, vice-chair)."""
    org = await reader(session, tg_user_id, chat_id)
    scope = await resolve(session, org, code, tz, now)
    return TallyResult(
        await compute(session, org, scope, tz, now), await _campaigns(session, org.id, now)
    )


async def chart(
    session: AsyncSession,
    *,
    tg_user_id: int,
    chat_id: int,
    code: str,
    tz: ZoneInfo,
    now: datetime,
    title: Callable[[Scope, str], str],
    labels: dict[str, str] | None = None,
) -> ChartResult:
    """Approved stories per department and per month, as a PNG."""
    from reports.charts import chart_png

    org = await reader(session, tg_user_id, chat_id)
    scope = await resolve(session, org, code, tz, now)
    figures = await compute(session, org, scope, tz, now)
    png = await asyncio.to_thread(
        chart_png,
        figures.departments,
        figures.by_month,
        title=title(scope, org.name),
        **(labels or {}),
    )
    return ChartResult(scope, png, figures.approved)
