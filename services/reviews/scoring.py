"""Reviewers and their score sheets: suggest and assign reviewers (never an author; not one of
the author's department unless the chair relaxed the rule), fill a sheet mark by mark (kept as it
goes), keep other reviewers' marks hidden until everyone assigned has scored, flag a wide gap for
a third reviewer, and settle the entry's result; the jury chair confirms it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from services import audit
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound
from services.naming import check_visible
from services.reviews.calls import active_member_ids, jury, jury_role, rubric
from services.reviews.entries import authors
from services.reviews.rubric import needs_third, result, total
from storage.models import (
    CallStatus,
    EntryStatus,
    ReviewAssignment,
    ReviewCall,
    ReviewEntry,
)

COMMENT_MAX = 500
# Entries reviewers may be given to: the write-up is in, or a first reviewer already has it.
ASSIGNABLE = (EntryStatus.SUBMITTED, EntryStatus.REVIEWING, EntryStatus.NEEDS_THIRD)


@dataclass(frozen=True)
class Candidate:
    """A possible reviewer: who, their department, how many sheets they already have."""

    person_id: int
    department_id: int | None
    load: int
    name: str = ""


def suggest(
    candidates: Iterable[Candidate],
    *,
    authors: set[int],
    department_id: int | None,
    taken: set[int],
    count: int,
    same_department_ok: bool = False,
) -> list[Candidate]:
    """Up to `count` reviewers: never an author or one already assigned; outside the author's
    department (inside it too when the chair relaxed the rule, but after everyone outside);
    least loaded first, then by name."""
    allowed = [
        c
        for c in candidates
        if c.person_id not in authors
        and c.person_id not in taken
        and (same_department_ok or department_id is None or c.department_id != department_id)
    ]
    allowed.sort(
        key=lambda c: (
            department_id is not None and c.department_id == department_id,
            c.load,
            c.name,
            c.person_id,
        )
    )
    return allowed[:count]


async def assignments(
    session: AsyncSession, entry_id: int, stage: str | None = None
) -> Sequence[ReviewAssignment]:
    """An entry's reviewers (in one round, or all), first assigned first."""
    query = (
        select(ReviewAssignment)
        .options(joinedload(ReviewAssignment.reviewer))
        .where(ReviewAssignment.entry_id == entry_id)
        .order_by(ReviewAssignment.id)
    )
    if stage is not None:
        query = query.where(ReviewAssignment.stage == stage)
    return (await session.scalars(query)).all()


async def loads(session: AsyncSession, call: ReviewCall) -> dict[int, int]:
    """How many sheets each reviewer has in the call's current round."""
    rows = await session.scalars(
        select(ReviewAssignment.reviewer_id)
        .join(ReviewEntry, ReviewEntry.id == ReviewAssignment.entry_id)
        .where(ReviewEntry.call_id == call.id, ReviewAssignment.stage == call.stage)
    )
    found: dict[int, int] = {}
    for person in rows:
        found[person] = found.get(person, 0) + 1
    return found


async def suggestions(
    session: AsyncSession, call: ReviewCall, entry: ReviewEntry, count: int | None = None
) -> list[Candidate]:
    """The jury members the bot suggests for an entry (see `suggest`)."""
    departments = await active_member_ids(session, call.org_id)
    load = await loads(session, call)
    taken = {a.reviewer_id for a in await assignments(session, entry.id, call.stage)}
    members = [
        Candidate(
            j.person_id, departments.get(j.person_id), load.get(j.person_id, 0), j.person.full_name
        )
        for j in await jury(session, call.id)
        if j.person_id in departments
    ]
    wanted = count if count is not None else max(rubric(call).reviewers - len(taken), 1)
    return suggest(
        members,
        authors=authors(entry),
        department_id=entry.department_id,
        taken=taken,
        count=wanted,
        same_department_ok=call.same_department_ok,
    )


async def assign(
    session: AsyncSession,
    *,
    call: ReviewCall,
    entry: ReviewEntry,
    reviewer_id: int,
    by: int,
    now: datetime,
) -> ReviewAssignment:
    """Give the entry to a jury member for the current round: never an author, not one of the
    author's department unless the chair relaxed the rule; beyond the rubric's number of
    reviewers only when a wide gap asked for a third."""
    if call.status != CallStatus.OPEN:
        raise AlreadyDone("reviews.call_closed")
    if entry.status not in ASSIGNABLE:
        raise AlreadyDone("reviews.not_assignable")
    if reviewer_id in authors(entry):
        raise NotAllowed("reviews.own_entry")
    if await jury_role(session, call.id, reviewer_id) is None:
        raise NotAllowed("reviews.not_on_jury")
    departments = await active_member_ids(session, call.org_id)
    if reviewer_id not in departments:
        raise NotFound("reviews.not_a_member")
    same = entry.department_id is not None and departments[reviewer_id] == entry.department_id
    if same and not call.same_department_ok:
        raise NotAllowed("reviews.same_department")
    existing = await assignments(session, entry.id, call.stage)
    if any(a.reviewer_id == reviewer_id for a in existing):
        raise AlreadyDone("reviews.already_assigned")
    third = entry.status == EntryStatus.NEEDS_THIRD
    if len(existing) >= rubric(call).reviewers and not third:
        raise AlreadyDone("reviews.enough_reviewers")
    row = ReviewAssignment(
        entry_id=entry.id,
        stage=call.stage,
        reviewer_id=reviewer_id,
        third=third,
        same_department=same,
        assigned_by=by,
        assigned_at=now,
        scores={},
    )
    session.add(row)
    try:
        await session.flush()
    except IntegrityError:  # the same reviewer assigned twice at once
        raise AlreadyDone("reviews.already_assigned") from None
    entry.status = EntryStatus.REVIEWING
    await audit.record(
        session,
        org_id=call.org_id,
        actor_id=by,
        action="review.assign",
        target=f"entry:{entry.id}",
        now=now,
        reviewer_id=reviewer_id,
        stage=call.stage,
        third=third,
        same_department=same,
    )
    return row


# ----------------------------------------------------------------------------- score sheets


async def sheet_of(session: AsyncSession, assignment_id: int, reviewer_id: int) -> ReviewAssignment:
    """A reviewer's own sheet (anyone else's is not found)."""
    row = await session.get(
        ReviewAssignment, assignment_id, options=[joinedload(ReviewAssignment.entry)]
    )
    if row is None or row.reviewer_id != reviewer_id:
        raise NotFound("reviews.no_sheet")
    return row


def next_criterion(call: ReviewCall, sheet: ReviewAssignment) -> int | None:
    """The first criterion without a mark (None: all marked)."""
    for i in range(len(rubric(call).criteria)):
        if str(i) not in sheet.scores:
            return i
    return None


def _open(sheet: ReviewAssignment, call: ReviewCall) -> None:
    if call.status != CallStatus.OPEN or sheet.stage != call.stage:
        raise AlreadyDone("reviews.call_closed")
    if sheet.submitted_at is not None:
        raise AlreadyDone("reviews.sheet_sent")


def put_mark(call: ReviewCall, sheet: ReviewAssignment, index: int, mark: int) -> None:
    """Set one criterion's mark on an unsent sheet (the caller commits: kept at once)."""
    _open(sheet, call)
    criteria = rubric(call).criteria
    if not 0 <= index < len(criteria):
        raise NotFound("reviews.no_criterion")
    if not 0 <= mark <= criteria[index].top:
        raise Invalid("reviews.bad_mark", top=criteria[index].top)
    sheet.scores = {**sheet.scores, str(index): mark}


def clear_mark(call: ReviewCall, sheet: ReviewAssignment, index: int) -> None:
    """Take one criterion's mark off an unsent sheet (to give it again)."""
    _open(sheet, call)
    if not 0 <= index < len(rubric(call).criteria):
        raise NotFound("reviews.no_criterion")
    sheet.scores = {k: v for k, v in sheet.scores.items() if k != str(index)}


def put_comment(call: ReviewCall, sheet: ReviewAssignment, raw: str) -> None:
    """The reviewer's short comment ("-" or "không": none)."""
    _open(sheet, call)
    text = raw.strip()
    if text.casefold() in ("-", "không", "khong", "no", "none"):
        sheet.comment = ""
        return
    check_visible(text)
    if len(text) > COMMENT_MAX:
        raise Invalid("reviews.comment_too_long", limit=COMMENT_MAX)
    sheet.comment = text


async def send_sheet(
    session: AsyncSession, *, call: ReviewCall, sheet: ReviewAssignment, now: datetime
) -> ReviewEntry:
    """Send a complete sheet: its total is fixed, the entry settles when everyone has scored."""
    _open(sheet, call)
    marks = {int(k): int(v) for k, v in sheet.scores.items()}
    if next_criterion(call, sheet) is not None:
        raise Invalid("reviews.sheet_incomplete")
    sheet.total = total(rubric(call), marks)
    sheet.submitted_at = now
    entry = await session.get_one(ReviewEntry, sheet.entry_id)
    await audit.record(
        session,
        org_id=call.org_id,
        actor_id=sheet.reviewer_id,
        action="review.score",
        target=f"entry:{entry.id}",
        now=now,
        total=sheet.total,
        stage=sheet.stage,
    )
    await session.flush()
    await settle(session, call, entry)
    return entry


async def settle(session: AsyncSession, call: ReviewCall, entry: ReviewEntry) -> None:
    """Once every reviewer of the round has scored: a wide gap between the first reviewers asks
    for a third (NEEDS_THIRD), else the entry is scored (mean, pass, tier) for the chair."""
    sheets = await assignments(session, entry.id, call.stage)
    if not sheets or any(s.submitted_at is None for s in sheets):
        return
    totals = [float(s.total or 0) for s in sheets]
    rules = rubric(call)
    if not any(s.third for s in sheets) and needs_third(rules, totals):
        entry.status = EntryStatus.NEEDS_THIRD
        return
    if len(sheets) < rules.reviewers:
        return
    outcome = result(rules, totals)
    entry.total, entry.passed, entry.tier = outcome.total, outcome.passed, outcome.tier
    entry.status = EntryStatus.SCORED


def all_scored(sheets: Sequence[ReviewAssignment]) -> bool:
    """Every assigned reviewer has sent their sheet."""
    return bool(sheets) and all(s.submitted_at is not None for s in sheets)


@dataclass(frozen=True)
class SheetLine:
    """One reviewer's sheet as someone sees it: marks hidden (None) until everyone has scored,
    except one's own."""

    reviewer: str
    mine: bool
    third: bool
    sent: bool
    marks: tuple[int | None, ...] | None
    total: float | None
    comment: str | None


async def visible_sheets(
    session: AsyncSession, call: ReviewCall, entry: ReviewEntry, viewer_id: int
) -> list[SheetLine]:
    """The round's sheets as `viewer_id` may see them: their own in full; others' marks, totals
    and comments only once every assigned reviewer has scored."""
    sheets = await assignments(session, entry.id, call.stage)
    done = all_scored(sheets)
    width = len(rubric(call).criteria)
    lines = []
    for s in sheets:
        shown = done or s.reviewer_id == viewer_id
        lines.append(
            SheetLine(
                reviewer=s.reviewer.full_name,
                mine=s.reviewer_id == viewer_id,
                third=s.third,
                sent=s.submitted_at is not None,
                marks=tuple(s.scores.get(str(i)) for i in range(width)) if shown else None,
                total=s.total if shown else None,
                comment=s.comment if shown else None,
            )
        )
    return lines


async def decide(
    session: AsyncSession, *, call: ReviewCall, entry: ReviewEntry, by: int, now: datetime
) -> ReviewEntry:
    """Confirm a scored entry's result (accepted when it passed); never by one of its authors."""
    if by in authors(entry):
        raise NotAllowed("reviews.own_entry")
    if entry.status in (EntryStatus.ACCEPTED, EntryStatus.REJECTED):
        raise AlreadyDone("reviews.already_decided")
    if entry.status != EntryStatus.SCORED:
        raise Invalid("reviews.not_scored")
    entry.status = EntryStatus.ACCEPTED if entry.passed else EntryStatus.REJECTED
    entry.decided_by, entry.decided_at = by, now
    await audit.record(
        session,
        org_id=call.org_id,
        actor_id=by,
        action="review.decide",
        target=f"entry:{entry.id}",
        now=now,
        status=str(entry.status),
        total=entry.total,
        tier=entry.tier,
    )
    return entry


async def advance(
    session: AsyncSession,
    *,
    call: ReviewCall,
    keep: Iterable[int],
    by: int,
    now: datetime,
) -> str:
    """Move the call to its next round with the entries `keep` (ids); they are reviewed again
    from scratch (the earlier round's sheets stay, under their stage). Returns the new stage."""
    position = call.stages.index(call.stage)
    if position + 1 >= len(call.stages):
        raise AlreadyDone("reviews.last_stage")
    call.stage = call.stages[position + 1]
    kept = set(keep)
    entries = (
        await session.scalars(select(ReviewEntry).where(ReviewEntry.call_id == call.id))
    ).all()
    for entry in entries:
        if entry.id in kept:
            entry.stage = call.stage
            entry.status = EntryStatus.SUBMITTED
            entry.total = entry.passed = entry.tier = None
            entry.decided_by = entry.decided_at = None
    await audit.record(
        session,
        org_id=call.org_id,
        actor_id=by,
        action="review.advance",
        target=f"call:{call.id}",
        now=now,
        stage=call.stage,
        entries=sorted(kept),
    )
    return call.stage
