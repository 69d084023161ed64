"""The initiatives' figures for /tally and the export: per department, registered, sent, scored,
recognised in the school year's call."""

from __future__ import annotations

from sqlalchemy import ColumnElement, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from reports.columns import NO_DEPARTMENT
from reports.model import ReviewCount
from services.naming import sort_key
from storage.models import CallKind, Department, EntryStatus, ReviewCall, ReviewEntry

SENT = (
    EntryStatus.SUBMITTED,
    EntryStatus.REVIEWING,
    EntryStatus.NEEDS_THIRD,
    EntryStatus.SCORED,
    EntryStatus.ACCEPTED,
    EntryStatus.REJECTED,
)
SCORED = (EntryStatus.SCORED, EntryStatus.ACCEPTED, EntryStatus.REJECTED)


def _count(statuses: tuple[EntryStatus, ...]) -> ColumnElement[int]:
    return func.sum(case((ReviewEntry.status.in_([str(s) for s in statuses]), 1), else_=0))


async def initiative_counts(
    session: AsyncSession, org_id: int, school_year: str
) -> list[ReviewCount]:
    """Each department's initiatives in the school year's calls (`school_year` "2026-2027"; any
    other label: the newest call's year), by the department the author was in when registering."""
    year = int(school_year[:4]) if school_year[:4].isdigit() else None
    if year is None:
        year = await session.scalar(
            select(ReviewCall.year)
            .where(ReviewCall.org_id == org_id, ReviewCall.kind == CallKind.INITIATIVE)
            .order_by(ReviewCall.id.desc())
            .limit(1)
        )
        if year is None:
            return []
    rows = (
        await session.execute(
            select(
                Department.name,
                func.count(),
                _count(SENT),
                _count(SCORED),
                _count((EntryStatus.ACCEPTED,)),
            )
            .select_from(ReviewEntry)
            .join(ReviewCall, ReviewCall.id == ReviewEntry.call_id)
            .outerjoin(Department, Department.id == ReviewEntry.department_id)
            .where(
                ReviewCall.org_id == org_id,
                ReviewCall.kind == CallKind.INITIATIVE,
                ReviewCall.year == year,
                ReviewEntry.status != EntryStatus.WITHDRAWN,
            )
            .group_by(Department.name)
        )
    ).all()
    counts = [
        ReviewCount(name or NO_DEPARTMENT, int(n), int(sent or 0), int(scored or 0), int(ok or 0))
        for name, n, sent, scored, ok in rows
    ]
    return sorted(counts, key=lambda c: sort_key(c.department))
