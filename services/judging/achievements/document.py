"""A report's DOCX: the plain data reports/achievements.py lays out, read from the database."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reports.achievements import AchievementData, HonourLine, file_name, render
from services.judging.achievements.common import gender_of, honours_for, report_department
from services.judging.decisions.honours import year_label
from services.school import value
from storage.models import (
    AchievementReport,
    Department,
    JudgingRound,
    Membership,
    Org,
    Person,
    ReportStatus,
    Role,
)


async def _reviewer_role(session: AsyncSession, report: AchievementReport, person_id: int) -> str:
    """How the confirmation is signed: the department head, the chair, the vice-chair."""
    row = await session.scalar(
        select(Membership).where(
            Membership.org_id == report.org_id, Membership.person_id == person_id
        )
    )
    dept = await report_department(session, report)
    if row is not None and row.heads_department and row.department_id == dept:
        return "Tổ trưởng chuyên môn"
    if row is not None and row.role == Role.CHAIR:
        return "Chủ tịch Hội đồng"
    if row is not None and row.role == Role.VICE_CHAIR:
        return "Phó Chủ tịch Hội đồng"
    return "Thủ trưởng đơn vị"


async def document_of(
    session: AsyncSession, report: AchievementReport, tz: ZoneInfo
) -> tuple[str, bytes]:
    """(file name, DOCX bytes) of the report as it stands."""
    org = await session.get_one(Org, report.org_id)
    rnd = await session.get_one(JudgingRound, report.round_id)
    writer = await session.get_one(Person, report.person_id)
    dept_id = await report_department(session, report)
    dept = await session.get(Department, dept_id) if dept_id is not None else None
    reviewer_id = report.confirmed_by or report.reviewer_id
    reviewer = await session.get(Person, reviewer_id) if reviewer_id is not None else None
    moment = report.confirmed_at or report.submitted_at or report.requested_at
    answers = {k: str(v) for k, v in report.answers.items()}
    data = AchievementData(
        school=org.name,
        parent_body=org.parent_name or "",
        place=str(await value(session, org, "facts.place") or ""),
        written=moment.astimezone(tz).date(),
        school_year=year_label(rnd.year),
        title=report.title,
        writer=writer.full_name,
        collective=dept.name if report.department_id is not None and dept is not None else "",
        gender=gender_of(writer),
        department=dept.name if dept is not None else "",
        position=answers.get("position", ""),
        tasks=answers.get("tasks", ""),
        results=answers.get("results", ""),
        initiatives=answers.get("initiatives", ""),
        deeds=answers.get("deeds", ""),
        honours=tuple(
            HonourLine(year, title, decision, signer)
            for year, title, decision, signer in await honours_for(session, report.person_id)
            if report.department_id is None
        ),
        reviewer_role=await _reviewer_role(session, report, reviewer.id)
        if reviewer is not None
        else "Thủ trưởng đơn vị",
        reviewer=reviewer.full_name if reviewer is not None else "",
        confirmed_on=report.confirmed_at.astimezone(tz).date() if report.confirmed_at else None,
        final=report.status == ReportStatus.CONFIRMED,
    )
    return file_name(data), render(data)
