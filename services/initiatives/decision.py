"""The draft decision's data: the call's recognised initiatives, the school's names and signer."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from reports import initiatives as report
from services.reviews import entries
from services.reviews.calls import school_settings
from storage.models import EntryStatus, Org, Person, ReviewCall

DecisionData = report.DecisionData


async def data(
    session: AsyncSession, call: ReviewCall, now: datetime, tz: ZoneInfo
) -> report.DecisionData:
    """The decision's content: the recognised initiatives, best total first."""
    org = await session.get_one(Org, call.org_id)
    settings = await school_settings(session, org.id)
    accepted = [
        e for e in await entries.entries_of(session, call.id) if e.status == EntryStatus.ACCEPTED
    ]
    rows = []
    for e in sorted(accepted, key=lambda e: (-(e.total or 0), e.title)):
        names = [e.author.full_name]
        for person_id in e.coauthor_ids:
            person = await session.get(Person, int(person_id))
            if person is not None:
                names.append(person.full_name)
        rows.append(
            report.Row(
                title=e.title,
                authors=", ".join(names),
                department=e.department.name if e.department else "",
                field=e.field,
                total=float(e.total or 0),
                tier=e.tier,
            )
        )
    return report.DecisionData(
        school=org.name,
        parent_body=str(settings.get("facts.parent_name") or ""),
        short_name=str(settings.get("facts.short_name") or ""),
        place=str(settings.get("facts.place") or ""),
        school_year=f"{call.year}-{call.year + 1}",
        day=now.astimezone(tz).date(),
        signer=str(settings.get("facts.signer_principal") or ""),
        rows=tuple(rows),
    )


def render(content: report.DecisionData) -> bytes:
    """The DOCX bytes."""
    return report.decision_docx(content)


def filename(content: report.DecisionData) -> str:
    """The file's name."""
    return report.filename(content.school_year)
