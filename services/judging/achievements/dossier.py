"""The achievement reports' share of the dossier: one DOCX per confirmed report, and a blocker
for each report still needed and not confirmed (the dossier room wires both)."""

from __future__ import annotations

from collections.abc import Collection
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.dossier_parts import DossierBlocker, DossierPart
from services.judging.achievements.common import titles_needing
from services.judging.achievements.document import document_of
from storage.models import (
    AchievementReport,
    Candidate,
    Department,
    JudgingRound,
    Org,
    Outcome,
    Person,
    ReportStatus,
)

SECTION = "Báo cáo thành tích"
FOLDER = "05-bao-cao-thanh-tich"


async def _needed(
    session: AsyncSession, round_id: int, titles: Collection[str] | None = None
) -> list[tuple[Candidate, str]]:
    """The round's passed candidates whose title needs a report (among `titles`, the titles of
    one dossier, when given), with the name shown."""
    rnd = await session.get(JudgingRound, round_id)
    if rnd is None:
        return []
    org = await session.get_one(Org, rnd.org_id)
    rows = await session.execute(
        select(Candidate, Person.full_name, Department.name)
        .outerjoin(Person, Person.id == Candidate.person_id)
        .outerjoin(Department, Department.id == Candidate.department_id)
        .where(
            Candidate.round_id == round_id,
            Candidate.outcome == Outcome.PASSED,
            Candidate.title.in_(await titles_needing(session, org)),
        )
        .order_by(Candidate.title, Candidate.id)
    )
    return [
        (c, person or dept or "")
        for c, person, dept in rows.all()
        if titles is None or c.title in titles
    ]


async def _reports(session: AsyncSession, round_id: int) -> dict[int, AchievementReport]:
    rows = await session.scalars(
        select(AchievementReport).where(AchievementReport.round_id == round_id)
    )
    return {r.candidate_id: r for r in rows}


async def dossier_parts(
    session: AsyncSession,
    round_id: int,
    *,
    tz: ZoneInfo,
    titles: Collection[str] | None = None,
) -> list[DossierPart]:
    """One DOCX per confirmed report of a candidate still passed, in the title's order."""
    reports = await _reports(session, round_id)
    parts: list[DossierPart] = []
    for candidate, name in await _needed(session, round_id, titles):
        report = reports.get(candidate.id)
        if report is None or report.status != ReportStatus.CONFIRMED:
            continue
        filename, data = await document_of(session, report, tz)  # the school's zone
        parts.append(
            DossierPart(
                path=f"{FOLDER}/{len(parts) + 1:02d}-{filename}",
                title=f"Báo cáo thành tích của {name} (danh hiệu “{candidate.title}”)",
                data=data,
                section=SECTION,
            )
        )
    return parts


async def dossier_blockers(
    session: AsyncSession, round_id: int, *, titles: Collection[str] | None = None
) -> list[DossierBlocker]:
    """A report still needed and not confirmed: not asked, being written, waiting for the head,
    or sent back."""
    reports = await _reports(session, round_id)
    found: list[DossierBlocker] = []
    for candidate, name in await _needed(session, round_id, titles):
        report = reports.get(candidate.id)
        status = "missing" if report is None else str(report.status)
        if status == ReportStatus.CONFIRMED:
            continue
        found.append(
            DossierBlocker(
                "achievements.blocked_unconfirmed",
                {"name": name, "title": candidate.title, "status": status},
            )
        )
    return found
