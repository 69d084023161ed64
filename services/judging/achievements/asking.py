"""Asking for the reports: the request to each nominee (with the reminders planned), the
reminders fired by the scheduler, and the notices between the writer and the reviewer."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession

from services import outbox
from services.judging.achievements.common import (
    OPEN,
    REF,
    REMIND_AT,
    STALE,
    Requested,
    membership_of,
    prefill,
    still_passed,
    titles_needing,
    view_of,
    writer_of,
)
from services.school import value
from storage.models import (
    AchievementReport,
    Candidate,
    JudgingRound,
    Notice,
    NoticeStatus,
    Org,
    Outcome,
    Person,
    ReportStatus,
)
from ui.buttons.achievements import AchievementOpen, AchievementWrite
from ui.texts import Texts


async def request_reports(
    session: AsyncSession, rnd: JudgingRound, texts: Texts, now: datetime
) -> Requested:
    """Ask every passed candidate of the closed round whose title needs a report and who has
    none yet (part of the caller's transaction): a report row, a private message with the
    button to start, and the reminders planned."""
    org = await session.get_one(Org, rnd.org_id)
    needing = await titles_needing(session, org)
    passed = (
        await session.scalars(
            select(Candidate)
            .where(
                Candidate.round_id == rnd.id,
                Candidate.outcome == Outcome.PASSED,
                Candidate.title.in_(needing),
            )
            .order_by(Candidate.id)
        )
    ).all()
    have = set(
        (
            await session.scalars(
                select(AchievementReport.candidate_id).where(AchievementReport.round_id == rnd.id)
            )
        ).all()
    )
    days = int(await value(session, org, "rules.report_days"))
    today = now.astimezone(texts.tz).date()
    due_on = today + timedelta(days=days)
    asked = 0
    for candidate in passed:
        if candidate.id in have:
            continue
        writer = await writer_of(session, org.id, candidate)
        if writer is None:
            continue
        report = AchievementReport(
            org_id=org.id,
            round_id=rnd.id,
            candidate_id=candidate.id,
            person_id=writer,
            department_id=candidate.department_id if candidate.person_id is None else None,
            title=candidate.title,
            status=ReportStatus.REQUESTED,
            answers=await prefill(session, rnd, writer, texts.tz),
            requested_at=now,
            due_on=due_on,
        )
        session.add(report)
        await session.flush()
        await _ask(session, report, texts, now, key="achievements.requested")
        asked += 1
    if asked:
        await _plan_reminders(session, org, rnd, today, due_on, texts.tz, now)
    return Requested(asked, len(have), due_on if asked else None)


async def _ask(
    session: AsyncSession, report: AchievementReport, texts: Texts, now: datetime, *, key: str
) -> None:
    writer = await session.get_one(Person, report.person_id)
    locale = texts.locale(writer.locale)
    shown = await view_of(session, report)
    outbox.enqueue_message(
        session,
        chat_id=writer.tg_user_id,
        text=texts.render(locale, key, report=shown),
        buttons=[
            [
                (
                    texts.plain(locale, "achievements.write_button"),
                    AchievementWrite(report_id=report.id).pack(),
                )
            ]
        ],
        now=now,
        ref=REF.format(report.id),
    )


async def _plan_reminders(
    session: AsyncSession,
    org: Org,
    rnd: JudgingRound,
    today: date,
    due_on: date,
    tz: ZoneInfo,
    now: datetime,
) -> None:
    """Two reminders to those not done: N days after the request, and the day before the
    deadline (each only if still ahead and before the deadline)."""
    after = int(await value(session, org, "rules.report_reminder_days"))
    stale = datetime.combine(due_on, REMIND_AT, tzinfo=tz) + STALE
    for label, day in (("after", today + timedelta(days=after)), ("before", due_on - timedelta(1))):
        due = datetime.combine(day, REMIND_AT, tzinfo=tz)
        if due <= now or day >= due_on:
            continue
        key = f"achievements:{rnd.id}:{due_on:%Y%m%d}:{label}"
        if await session.scalar(select(exists().where(Notice.key == key))):
            continue
        session.add(
            Notice(
                key=key,
                org_id=org.id,
                kind="achievement",
                due_at=due,
                stale_after=stale,
                status=NoticeStatus.PENDING,
                payload={"round_id": rnd.id, "due_on": due_on.isoformat()},
            )
        )


async def remind(session: AsyncSession, notice: Notice, texts: Texts, now: datetime) -> int:
    """Fire a reminder (the scheduler's hook, services/notices.py): every writer of the round
    whose report is still with them and still needed."""
    reports = (
        await session.scalars(
            select(AchievementReport)
            .where(
                AchievementReport.round_id == int(notice.payload["round_id"]),
                AchievementReport.status.in_([str(s) for s in OPEN]),
            )
            .order_by(AchievementReport.id)
        )
    ).all()
    count = 0
    for report in reports:
        if not await still_passed(session, report):
            continue
        membership = await membership_of(session, report.org_id, report.person_id)
        if membership is None:
            continue
        await _ask(session, report, texts, now, key="achievements.reminder")
        count += 1
    return count


async def tell_reviewer(
    session: AsyncSession, report: AchievementReport, texts: Texts, now: datetime
) -> None:
    """The report submitted: its reviewer gets a notice with the button to read it."""
    if report.reviewer_id is None:
        return
    reviewer = await session.get_one(Person, report.reviewer_id)
    locale = texts.locale(reviewer.locale)
    outbox.enqueue_message(
        session,
        chat_id=reviewer.tg_user_id,
        text=texts.render(locale, "achievements.to_review", report=await view_of(session, report)),
        buttons=[
            [
                (
                    texts.plain(locale, "achievements.open_button"),
                    AchievementOpen(report_id=report.id).pack(),
                )
            ]
        ],
        now=now,
        ref=REF.format(report.id),
    )


async def tell_writer(
    session: AsyncSession, report: AchievementReport, texts: Texts, now: datetime, key: str
) -> None:
    """The writer is told the head's answer (confirmed, or sent back with the note)."""
    writer = await session.get_one(Person, report.person_id)
    locale = texts.locale(writer.locale)
    buttons = None
    if report.status == ReportStatus.RETURNED:
        buttons = [
            [
                (
                    texts.plain(locale, "achievements.edit_button"),
                    AchievementWrite(report_id=report.id).pack(),
                )
            ]
        ]
    outbox.enqueue_message(
        session,
        chat_id=writer.tg_user_id,
        text=texts.render(locale, key, report=await view_of(session, report)),
        buttons=buttons,
        now=now,
        ref=REF.format(report.id),
    )
