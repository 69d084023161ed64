"""What the initiatives screens show: plain views built inside the session that loaded them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.reviews import calls, entries, scoring
from services.reviews.scoring import SheetLine
from storage.models import Department, EntryFile, ReviewCall, ReviewEntry

PHOTOS_MAX = 10  # photos per initiative, besides the write-up


@dataclass(frozen=True)
class CallLine:
    """The year's call as the screens show it."""

    id: int
    title: str
    year_label: str
    opens_at: datetime
    closes_at: datetime
    submit_by: datetime
    status: str
    registering: bool  # registration is open now
    submitting: bool  # write-ups are accepted now
    same_department_ok: bool = False


@dataclass(frozen=True)
class EntryLine:
    """An initiative: who, what, where it stands."""

    id: int
    code: str
    title: str
    field: str
    summary: str
    author: str
    department: str
    status: str
    total: float | None
    tier: str | None
    writeups: tuple[str, ...] = ()  # the file names
    photos: int = 0
    reviewers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Home:
    """The /initiatives screen of one member."""

    call: CallLine | None
    mine: tuple[EntryLine, ...]
    is_chair: bool  # the school's chair: opens the call, sets the initiatives council
    jury_role: str | None  # chair | member | None
    sheets: int = 0  # the reviewer's unsent sheets
    stale: bool = False  # the open call is an earlier school year's (the chair may open anew)
    jury_chaired: bool = False  # the initiatives council has its chair (who runs the reviews)


@dataclass(frozen=True)
class JuryLine:
    """A member of the school, and their place on the initiatives council."""

    person_id: int
    name: str
    department: str
    role: str | None


@dataclass(frozen=True)
class Suggestion:
    """A jury member the bot suggests as a reviewer."""

    person_id: int
    name: str
    department: str
    load: int


@dataclass(frozen=True)
class Panel:
    """The initiatives council chair's list."""

    call: CallLine
    entries: tuple[EntryLine, ...]
    accepted: int
    to_confirm: int


@dataclass(frozen=True)
class EntryCard:
    """One initiative as the council chair sees it: the sheets (hidden until all scored), the
    suggested reviewers, what the chair can do now."""

    call: CallLine
    entry: EntryLine
    sheets: tuple[SheetLine, ...]
    criteria: tuple[str, ...]
    suggestions: tuple[Suggestion, ...] = ()
    may_assign: bool = False
    may_confirm: bool = False
    needs_third: bool = False
    passed: bool | None = None
    notes: tuple[str, ...] = field(default=())


def call_line(call: ReviewCall, now: datetime) -> CallLine:
    """The call's view at `now`."""
    open_ = str(call.status) == "open"
    return CallLine(
        id=call.id,
        title=call.title,
        year_label=f"{call.year}-{call.year + 1}",
        opens_at=call.opens_at,
        closes_at=call.closes_at,
        submit_by=call.submit_by,
        status=str(call.status),
        registering=open_ and call.opens_at <= now < call.closes_at,
        submitting=open_ and now < call.submit_by,
        same_department_ok=call.same_department_ok,
    )


async def _files(session: AsyncSession, ids: Sequence[int]) -> dict[int, list[EntryFile]]:
    found: dict[int, list[EntryFile]] = {i: [] for i in ids}
    if ids:
        rows = await session.scalars(
            select(EntryFile).where(EntryFile.entry_id.in_(ids)).order_by(EntryFile.id)
        )
        for row in rows:
            found[row.entry_id].append(row)
    return found


async def entry_lines(
    session: AsyncSession, rows: Sequence[ReviewEntry], *, reviewers: bool = False
) -> list[EntryLine]:
    """The entries' views (with their reviewers' names when asked)."""
    files = await _files(session, [e.id for e in rows])
    lines = []
    for e in rows:
        names: tuple[str, ...] = ()
        if reviewers:
            names = tuple(a.reviewer.full_name for a in await scoring.assignments(session, e.id))
        lines.append(
            EntryLine(
                id=e.id,
                code=e.code,
                title=e.title,
                field=e.field,
                summary=e.summary,
                author=e.author.full_name,
                department=e.department.name if e.department else "",
                status=str(e.status),
                total=e.total,
                tier=e.tier,
                writeups=tuple(f.name or "" for f in files[e.id] if f.role == "writeup"),
                photos=sum(1 for f in files[e.id] if f.role == "photo"),
                reviewers=names,
            )
        )
    return lines


async def entry_line(session: AsyncSession, entry: ReviewEntry) -> EntryLine:
    """One entry's view."""
    return (await entry_lines(session, [entry], reviewers=True))[0]


async def card(
    session: AsyncSession, call: ReviewCall, entry: ReviewEntry, viewer_id: int, now: datetime
) -> EntryCard:
    """An entry's card for the council chair (`viewer_id`)."""
    status = str(entry.status)
    assignable = status in {s.value for s in scoring.ASSIGNABLE}
    picks: list[Suggestion] = []
    if assignable and str(call.status) == "open":
        names = {j.person_id: j for j in await calls.jury(session, call.id)}
        departments = await calls.active_member_ids(session, call.org_id)
        dept_names = await department_names(session, call.org_id)
        count = 1 if status == "needs_third" else None
        for c in await scoring.suggestions(session, call, entry, count):
            dept = departments.get(c.person_id)
            picks.append(
                Suggestion(
                    c.person_id,
                    names[c.person_id].person.full_name,
                    dept_names.get(dept, "") if dept else "",
                    c.load,
                )
            )
        if status == "reviewing":
            sheets = await scoring.assignments(session, entry.id, call.stage)
            if len(sheets) >= calls.rubric(call).reviewers:
                picks = []
    return EntryCard(
        call=call_line(call, now),
        entry=await entry_line(session, entry),
        sheets=tuple(await scoring.visible_sheets(session, call, entry, viewer_id)),
        criteria=tuple(c.name for c in calls.rubric(call).criteria),
        suggestions=tuple(picks),
        may_assign=bool(picks),
        may_confirm=status == "scored" and viewer_id not in entries.authors(entry),
        needs_third=status == "needs_third",
        passed=entry.passed,
    )


async def department_names(session: AsyncSession, org_id: int) -> dict[int, str]:
    """The school's departments: id → name."""
    rows = await session.execute(
        select(Department.id, Department.name).where(Department.org_id == org_id)
    )
    return {i: n for i, n in rows}
