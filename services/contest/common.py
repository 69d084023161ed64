"""What the contest's modules share: who may act, the school's contest, its phase, its people,
each entry's scores by round, and the contest as someone sees it."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.contest.rules import Participation, Tier, participation
from services.errors import NotAllowed, NotFound
from services.people import LEADERS, Actor, require_role
from services.reviews.calls import jury, rubric
from services.reviews.rubric import mean
from storage.models import (
    CallKind,
    CallStatus,
    Contest,
    Department,
    EntryStatus,
    Membership,
    MemberStatus,
    Person,
    ReviewAssignment,
    ReviewCall,
    ReviewEntry,
    Role,
)

EVERYONE = frozenset(Role)
ENTRIES, CLOSED, SCORING, FINAL, DONE = "entries", "closed", "scoring", "final", "done"


async def leader(session: AsyncSession, tg_user_id: int) -> Actor:
    """The chair or vice-chair (who run the contest); anyone else is refused."""
    return await require_role(
        session, tg_user_id, LEADERS, refusal="contest.leaders_only", strangers_too=True
    )


async def member(session: AsyncSession, tg_user_id: int) -> Actor:
    """An active member of a school (authors and judges)."""
    return await require_role(session, tg_user_id, EVERYONE)


async def contest_of(
    session: AsyncSession, org_id: int, contest_id: int
) -> tuple[Contest, ReviewCall]:
    """A contest of this school (another school's id is not found, never shown)."""
    contest = await session.get(Contest, contest_id)
    if contest is None or contest.org_id != org_id:
        raise NotFound("contest.not_found")
    return contest, await session.get_one(ReviewCall, contest.call_id)


async def latest(session: AsyncSession, org_id: int) -> tuple[Contest, ReviewCall] | None:
    """The school's newest contest (open or over)."""
    contest = await session.scalar(
        select(Contest).where(Contest.org_id == org_id).order_by(Contest.id.desc()).limit(1)
    )
    if contest is None:
        return None
    return contest, await session.get_one(ReviewCall, contest.call_id)


def phase(contest: Contest, call: ReviewCall, now: datetime) -> str:
    """Where the contest stands: taking entries, entries closed (judges not yet given them), the
    first (or only) round, the final, over."""
    if contest.finished_at is not None or call.status == CallStatus.CLOSED:
        return DONE
    if contest.scoring_at is None:
        return ENTRIES if now < call.closes_at else CLOSED
    return FINAL if call.stage == "chung_khao" else SCORING


def tiers_of(contest: Contest) -> tuple[Tier, ...]:
    """The prize tiers the contest opened with."""
    return tuple(Tier(str(name), int(count)) for name, count in contest.prizes)


def rounds_of(call: ReviewCall) -> int:
    """One round or two."""
    return 2 if "chung_khao" in call.stages else 1


async def staff_names(session: AsyncSession, org_id: int) -> list[str]:
    """The full names of the school's members (active or not: a text may name anyone)."""
    rows = await session.scalars(
        select(Person.full_name)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.org_id == org_id)
    )
    return [name for name in rows if name]


async def active_people(session: AsyncSession, org_id: int) -> list[Person]:
    """The school's active members."""
    rows = await session.scalars(
        select(Person)
        .join(Membership, Membership.person_id == Person.id)
        .where(Membership.org_id == org_id, Membership.status == MemberStatus.ACTIVE)
        .order_by(Person.id)
    )
    return list(rows)


async def entries(session: AsyncSession, call_id: int) -> Sequence[ReviewEntry]:
    """The contest's entries sent (withdrawn and unsent drafts left out), oldest first."""
    return (
        await session.scalars(
            select(ReviewEntry)
            .where(
                ReviewEntry.call_id == call_id,
                ReviewEntry.status.not_in([EntryStatus.WITHDRAWN, EntryStatus.REGISTERED]),
            )
            .order_by(ReviewEntry.id)
        )
    ).all()


async def sheets(session: AsyncSession, call_id: int, stage: str) -> Sequence[ReviewAssignment]:
    """Every score sheet of one round of the contest."""
    return (
        await session.scalars(
            select(ReviewAssignment)
            .join(ReviewEntry, ReviewEntry.id == ReviewAssignment.entry_id)
            .where(ReviewEntry.call_id == call_id, ReviewAssignment.stage == stage)
            .order_by(ReviewAssignment.id)
        )
    ).all()


async def scores(session: AsyncSession, call_id: int, stage: str) -> dict[int, float]:
    """Each entry's score in one round: the mean of the totals its judges sent."""
    totals: dict[int, list[float]] = defaultdict(list)
    for sheet in await sheets(session, call_id, stage):
        if sheet.submitted_at is not None and sheet.total is not None:
            totals[sheet.entry_id].append(float(sheet.total))
    return {entry: mean(values) for entry, values in totals.items()}


async def departments_with_staff(
    session: AsyncSession, org_id: int
) -> list[tuple[int | None, str, int]]:
    """The school's departments in their order, each with its active members."""
    counts = dict(
        (
            await session.execute(
                select(Membership.department_id, func.count())
                .where(Membership.org_id == org_id, Membership.status == MemberStatus.ACTIVE)
                .group_by(Membership.department_id)
            )
        ).all()
    )
    rows = await session.scalars(
        select(Department)
        .where(Department.org_id == org_id)
        .order_by(Department.position, Department.id)
    )
    return [(d.id, d.name, int(counts.get(d.id, 0))) for d in rows]


async def participation_of(
    session: AsyncSession, contest: Contest, call: ReviewCall
) -> tuple[Participation, ...]:
    """Each department's entries against its target."""
    return participation(
        await departments_with_staff(session, contest.org_id),
        [e.department_id for e in await entries(session, call.id)],
        per_department=contest.target_entries,
        share=contest.target_share,
    )


@dataclass(frozen=True)
class MyEntry:
    """One of the presser's own entries."""

    code: str
    title: str
    subject: str
    prize: str | None


@dataclass(frozen=True)
class ContestView:
    """A contest as one member sees it (no author is named to anyone before the results)."""

    id: int
    title: str
    subject: str
    starts: date
    ends: date  # the last day entries are taken
    rounds: int
    finalists: int
    phase: str
    prizes: tuple[Tier, ...]
    criteria: tuple[str, ...]
    entries: int
    judges: tuple[str, ...]
    may_manage: bool
    is_judge: bool
    accepting: bool
    mine: tuple[MyEntry, ...] = ()
    departments: tuple[Participation, ...] = ()
    sheets_sent: int = 0
    sheets_total: int = 0
    to_score: int = 0  # the presser's unsent sheets in the round under way
    results: tuple[tuple[str, str, str, str, str], ...] = field(default=())  # once over


async def view(
    session: AsyncSession,
    contest: Contest,
    call: ReviewCall,
    who: Actor,
    *,
    now: datetime,
    tz: ZoneInfo,
) -> ContestView:
    """The contest as `who` sees it: leaders get the figures and the controls; a member their own
    entries; a judge their work; after the results, everyone the prize list."""
    assert who.person is not None
    person_id = who.person.id
    stage_now = phase(contest, call, now)
    panel = await jury(session, call.id)
    sent = await entries(session, call.id)
    own = [e for e in sent if e.author_id == person_id]
    round_sheets = await sheets(session, call.id, call.stage) if contest.scoring_at else []
    results: list[tuple[str, str, str, str, str]] = []
    if stage_now == DONE:
        names = {
            p.id: p.full_name
            for p in await session.scalars(
                select(Person).where(Person.id.in_([e.author_id for e in sent]))
            )
        }
        departments = {
            d_id: name for d_id, name, _ in await departments_with_staff(session, contest.org_id)
        }
        prized = [e for e in sent if e.tier]
        prized.sort(key=lambda e: (-(e.total or 0), e.code))
        results = [
            (
                str(e.tier),
                e.code,
                names.get(e.author_id, ""),
                departments.get(e.department_id, "") if e.department_id else "",
                e.subject or "",
            )
            for e in prized
        ]
    may_manage = who.role in LEADERS
    return ContestView(
        id=contest.id,
        title=call.title,
        subject=contest.subject,
        starts=call.opens_at.astimezone(tz).date(),
        ends=(call.closes_at.astimezone(tz) - timedelta(seconds=1)).date(),
        rounds=rounds_of(call),
        finalists=contest.finalists,
        phase=stage_now,
        prizes=tiers_of(contest),
        criteria=tuple(f"{c.name} ({c.weight}%)" for c in rubric(call).criteria),
        entries=len(sent),
        judges=tuple(j.person.full_name for j in panel),
        may_manage=may_manage,
        is_judge=any(j.person_id == person_id for j in panel),
        accepting=stage_now == ENTRIES and now >= call.opens_at,
        mine=tuple(MyEntry(e.code, e.title, e.subject or "", e.tier) for e in own),
        departments=await participation_of(session, contest, call) if may_manage else (),
        sheets_sent=sum(1 for s in round_sheets if s.submitted_at is not None),
        sheets_total=len(round_sheets),
        to_score=sum(
            1 for s in round_sheets if s.reviewer_id == person_id and s.submitted_at is None
        ),
        results=tuple(results),
    )


def refuse_unless_open(contest: Contest, call: ReviewCall) -> None:
    """Nothing changes in a contest that is over."""
    if contest.finished_at is not None or call.status != CallStatus.OPEN:
        raise NotAllowed("contest.over")


def is_contest(call: ReviewCall) -> bool:
    """The call is a writing contest."""
    return call.kind == CallKind.CONTEST
