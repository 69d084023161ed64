"""The rows of the contest's summary report and prize list (reports/contest.py words them): each
department against its target, every entry's scores by round, the prizes."""

from __future__ import annotations

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reports.contest import NO_PRIZE, DepartmentRow, EntryRow, SummaryData
from reports.model import ContestCount, ContestDepartmentCount
from services.calendar import school_year
from services.contest.common import (
    departments_with_staff,
    entries,
    participation_of,
    rounds_of,
    scores,
    sheets,
)
from services.contest.rules import score_text
from services.reviews.calls import jury, rubric, school_settings
from storage.models import Contest, Org, Person, ReviewCall


def target_text(contest: Contest) -> str:
    """'mỗi tổ ít nhất 2 bài' (and the share of its staff, when the school set one)."""
    text = f"mỗi tổ ít nhất {contest.target_entries} bài"
    if contest.target_share:
        text += (
            f" hoặc {contest.target_share}% số cán bộ, giáo viên, nhân viên của tổ nếu nhiều hơn"
        )
    return text


async def summary_data(
    session: AsyncSession, contest: Contest, call: ReviewCall, *, today: date, tz: ZoneInfo
) -> SummaryData:
    """Everything the summary report says, read from the contest as it stands."""
    org = await session.get_one(Org, contest.org_id)
    settings = await school_settings(session, contest.org_id)
    sent = await entries(session, call.id)
    authors = {
        p.id: p.full_name
        for p in await session.scalars(
            select(Person).where(Person.id.in_([e.author_id for e in sent]))
        )
    }
    departments = {d: n for d, n, _ in await departments_with_staff(session, contest.org_id)}
    two = rounds_of(call) == 2
    first = await scores(session, call.id, "so_khao" if two else "single")
    final = await scores(session, call.id, "chung_khao") if two else {}
    last = final if two else first

    def rank_key(entry_id: int) -> tuple[int, float, float]:
        return (0 if entry_id in last else 1, -last.get(entry_id, 0.0), -first.get(entry_id, 0.0))

    ordered = sorted(sent, key=lambda e: (*rank_key(e.id), e.code))
    rows = tuple(
        EntryRow(
            code=e.code,
            author=authors.get(e.author_id, ""),
            department=departments.get(e.department_id, "") if e.department_id else "",
            subject=e.subject or "",
            title=e.title,
            first=score_text(first.get(e.id)),
            final=score_text(final.get(e.id)) if two else "–",
            prize=e.tier or NO_PRIZE,
            score=score_text(last.get(e.id)),
            points=last.get(e.id),
        )
        for e in ordered
    )
    panel = await jury(session, call.id)
    year = school_year(call.opens_at.astimezone(tz).date(), org.school_year_start or "09-05")
    return SummaryData(
        school=org.name,
        parent_body=org.parent_name or "",
        place=org.place or "",
        written=today,
        contest_title=call.title,
        subject=contest.subject,
        school_year=year.label,
        window_start=call.opens_at.astimezone(tz).date(),
        window_end=(call.closes_at.astimezone(tz) - timedelta(seconds=1)).date(),
        judges=tuple(j.person.full_name for j in panel),
        rounds=2 if two else 1,
        finalists=contest.finalists,
        criteria=tuple(f"{c.name} ({c.weight}%)" for c in rubric(call).criteria),
        target_text=target_text(contest),
        departments=tuple(
            DepartmentRow(p.name, p.staff, p.target, p.entries)
            for p in await participation_of(session, contest, call)
        ),
        entries=rows,
        authors=len({e.author_id for e in sent}),
        signer=str(settings.get("facts.signer_council") or ""),
        min_score=str(contest.min_score) if contest.min_score else "",
    )


async def contest_count(
    session: AsyncSession, org_id: int, school_year: str
) -> ContestCount | None:
    """The figures /tally shows of the school year's contest (the newest when the year has none)."""
    query = select(Contest, ReviewCall).join(ReviewCall, ReviewCall.id == Contest.call_id)
    query = query.where(Contest.org_id == org_id)
    if school_year[:4].isdigit():
        query = query.where(ReviewCall.year == int(school_year[:4]))
    found = (await session.execute(query.order_by(Contest.id.desc()).limit(1))).first()
    if found is None:
        return None
    contest, call = found
    sent = await entries(session, call.id)
    by_entry: dict[int, list[bool]] = {}
    stage_of = {e.id: e.stage for e in sent}
    for stage in set(stage_of.values()):
        for sheet in await sheets(session, call.id, stage):
            if stage_of.get(sheet.entry_id) == stage:
                by_entry.setdefault(sheet.entry_id, []).append(sheet.submitted_at is not None)
    scored = {e for e, done in by_entry.items() if done and all(done)}
    department_of = {e.id: e.department_id for e in sent}
    rows = []
    for p in await participation_of(session, contest, call):
        mine = [e for e in sent if department_of[e.id] == p.department_id]
        rows.append(
            ContestDepartmentCount(
                p.name,
                p.staff,
                p.target,
                p.entries,
                sum(1 for e in mine if e.id in scored),
                sum(1 for e in mine if e.tier),
            )
        )
    return ContestCount(
        title=call.title,
        entries=len(sent),
        scored=len(scored),
        prizes=sum(1 for e in sent if e.tier),
        departments=tuple(rows),
        final=contest.finished_at is not None,
    )
