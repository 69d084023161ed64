"""What the achievement reports share: which candidates need one, who writes and who confirms
it, the pre-filled answers, asking the nominees, reminding them, the plain views."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.conversations import Drafts, Kind
from services.errors import NotAllowed, NotFound
from services.judging.common import recognised_initiatives
from services.judging.decisions.honours import honour_details, year_label
from services.people import Actor, actor, refuse_deactivated
from services.school import value
from storage.models import (
    AchievementReport,
    Address,
    Candidate,
    Department,
    JudgingRound,
    Membership,
    MemberStatus,
    NomineeKind,
    Org,
    Outcome,
    Person,
    PersonYear,
    ReportStatus,
    Role,
    Story,
    StoryStatus,
)

DRAFT = Drafts(Kind.ACHIEVEMENT)
NOTE = Drafts(Kind.ACHIEVEMENT_NOTE)
STEPS = ("position", "tasks", "results", "initiatives", "deeds")
OPTIONAL = frozenset({"initiatives", "deeds"})  # "Không có" is an answer
LIMITS = {"position": 200, "tasks": 3000, "results": 3000, "initiatives": 2000, "deeds": 3000}
OPEN = (ReportStatus.REQUESTED, ReportStatus.RETURNED)  # the nominee has the pen
REMIND_AT = time(8, 0)  # reminders in the morning, school time
STALE = timedelta(days=3)  # a reminder the bot could not send this long after is skipped
REF = "achievement:{}"  # outbox ref of the notices about one report


@dataclass(frozen=True)
class ReportView:
    """A report as its writer, its reviewer or the chair sees it."""

    id: int
    writer: str
    title: str
    collective: str  # the department, for a collective title
    department: str
    school: str
    school_year: str
    status: str
    answers: dict[str, str]
    due_on: date
    note: str | None = None
    reviewer: str = ""
    confirmed_by: str = ""
    confirmed_at: datetime | None = None
    may_review: bool = False  # the viewer may confirm it or send it back
    may_edit: bool = False  # the viewer is its writer and has the pen


@dataclass(frozen=True)
class FormStep:
    """The step of the guided form the writer is at (or the preview, step "preview")."""

    report_id: int
    step: str
    number: int  # 1..len(STEPS); 0 at the preview
    current: str  # the answer kept so far (pre-filled), "" if none
    optional: bool
    title: str
    report: ReportView | None = None


@dataclass(frozen=True)
class Requested:
    """The chair asked for the reports: how many nominees were asked now, how many before."""

    asked: int
    already: int
    due_on: date | None = None


@dataclass(frozen=True)
class Overview:
    """/achievements: the viewer's own reports, those waiting for their confirmation, and (for
    the chair) the round's reports by where they stand."""

    mine: tuple[ReportView, ...] = ()
    to_review: tuple[ReportView, ...] = ()
    round_id: int | None = None
    round_name: str = ""
    everyone: tuple[ReportView, ...] = ()
    chair: bool = False
    counts: dict[str, int] = field(default_factory=dict)


# ----------------------------------------------------------------------------- who and what


async def titles_needing(session: AsyncSession, org: Org) -> list[str]:
    """The titles whose nominees write a report (a school setting)."""
    return [str(t) for t in await value(session, org, "lists.titles_report")]


async def membership_of(session: AsyncSession, org_id: int, person_id: int) -> Membership | None:
    return await session.scalar(
        select(Membership).where(
            Membership.org_id == org_id,
            Membership.person_id == person_id,
            Membership.status == MemberStatus.ACTIVE,
        )
    )


async def _active(session: AsyncSession, org_id: int, *where: Any) -> list[Membership]:
    return list(
        (
            await session.scalars(
                select(Membership)
                .where(
                    Membership.org_id == org_id, Membership.status == MemberStatus.ACTIVE, *where
                )
                .order_by(Membership.id)
            )
        ).all()
    )


async def report_department(session: AsyncSession, report: AchievementReport) -> int | None:
    """The department the report belongs to: the collective's, else the nominee's."""
    if report.department_id is not None:
        return report.department_id
    membership = await membership_of(session, report.org_id, report.person_id)
    return membership.department_id if membership else None


async def reviewer_for(session: AsyncSession, report: AchievementReport) -> int | None:
    """Who confirms: the head of the report's department, else the chair, else the vice-chair;
    never the writer (a head's own report goes to the chair)."""
    dept = await report_department(session, report)
    candidates: list[Membership] = []
    if dept is not None:
        candidates += await _active(
            session,
            report.org_id,
            Membership.heads_department.is_(True),
            Membership.department_id == dept,
        )
    candidates += await _active(session, report.org_id, Membership.role == Role.CHAIR)
    candidates += await _active(session, report.org_id, Membership.role == Role.VICE_CHAIR)
    for m in candidates:
        if m.person_id != report.person_id:
            return m.person_id
    return None


async def may_review(session: AsyncSession, who: Actor, report: AchievementReport) -> bool:
    """The presser (active, of the report's school, not its writer) heads its department, chairs
    the council, or is the reviewer it was sent to."""
    m, person = who.membership, who.person
    if who.role is None or m is None or person is None or m.org_id != report.org_id:
        return False
    if person.id == report.person_id:
        return False
    if who.role == Role.CHAIR or person.id == report.reviewer_id:
        return True
    return m.heads_department and m.department_id == await report_department(session, report)


async def writer_of(session: AsyncSession, org_id: int, candidate: Candidate) -> int | None:
    """Who writes a candidate's report: the person, or for a department its head (else the
    chair)."""
    if candidate.person_id is not None:
        return candidate.person_id
    for where in (
        (
            Membership.heads_department.is_(True),
            Membership.department_id == candidate.department_id,
        ),
        (Membership.role == Role.CHAIR,),
    ):
        found = await _active(session, org_id, *where)
        if found:
            return found[0].person_id
    return None


async def person_actor(session: AsyncSession, tg_user_id: int) -> Actor:
    """The presser: an active member (a deactivated one, a stranger: refused)."""
    who = await actor(session, tg_user_id)
    refuse_deactivated(who)
    if who.role is None or who.person is None:
        raise NotAllowed("errors.not_member")
    return who


async def report_of(session: AsyncSession, who: Actor, report_id: int) -> AchievementReport:
    """A report of the presser's school (another school's is not found, never shown)."""
    report = await session.get(AchievementReport, report_id)
    if report is None or who.membership is None or report.org_id != who.membership.org_id:
        raise NotFound("achievements.not_found")
    return report


async def still_passed(session: AsyncSession, report: AchievementReport) -> bool:
    """The candidate's result is still "đạt" (a re-vote may have changed it)."""
    outcome = await session.scalar(
        select(Candidate.outcome).where(Candidate.id == report.candidate_id)
    )
    return outcome == Outcome.PASSED


# ----------------------------------------------------------------------------- pre-filled


async def prefill(
    session: AsyncSession, rnd: JudgingRound, person_id: int, tz: ZoneInfo
) -> dict[str, str]:
    """The answers the bot knows already: the recognised initiative of the year, the good deeds
    the council approved about the person in the round's school year."""
    answers = {step: "" for step in STEPS}
    facts = await session.scalar(
        select(PersonYear).where(
            PersonYear.org_id == rnd.org_id,
            PersonYear.person_id == person_id,
            PersonYear.year == rnd.year,
        )
    )
    named = [facts.initiative] if facts is not None and facts.initiative else []
    recognised = (await recognised_initiatives(session, rnd.org_id, rnd.year)).get(person_id)
    if recognised and recognised not in named:  # recognised by the initiatives council
        named.append(recognised)
    answers["initiatives"] = "; ".join(named)
    start = datetime.combine(rnd.period_start, time(0), tzinfo=tz)
    end = datetime.combine(rnd.period_end, time(0), tzinfo=tz)
    stories = await session.scalars(
        select(Story)
        .where(
            Story.org_id == rnd.org_id,
            Story.status == StoryStatus.APPROVED,
            Story.submitted_at >= start,
            Story.submitted_at < end,
            or_(
                Story.nominee_person_id == person_id,
                (Story.author_id == person_id) & (Story.nominee_kind == NomineeKind.SELF),
            ),
        )
        .order_by(Story.submitted_at)
        .limit(20)
    )
    deeds = []
    for story in stories:
        text = " ".join(story.text.split())
        text = text if len(text) <= 300 else text[:299] + "…"
        deeds.append(f"- {story.submitted_at.astimezone(tz):%d/%m/%Y}: {text}")
    answers["deeds"] = "\n".join(deeds)[: LIMITS["deeds"]]
    return answers


# ----------------------------------------------------------------------------- views


async def view_of(
    session: AsyncSession, report: AchievementReport, *, viewer: Actor | None = None
) -> ReportView:
    """The plain view of a report."""
    rnd = await session.get_one(JudgingRound, report.round_id)
    org = await session.get_one(Org, report.org_id)
    writer = await session.get_one(Person, report.person_id)
    names: dict[int, str] = {}
    for pid in (report.reviewer_id, report.confirmed_by):
        if pid is not None and pid not in names:
            names[pid] = (await session.get_one(Person, pid)).full_name
    collective = ""
    if report.department_id is not None:
        dept = await session.get(Department, report.department_id)
        collective = dept.name if dept else ""
    membership = await membership_of(session, report.org_id, report.person_id)
    own = await session.get(Department, membership.department_id) if membership else None
    mine = viewer is not None and viewer.person is not None
    return ReportView(
        id=report.id,
        writer=writer.full_name,
        title=report.title,
        collective=collective,
        department=own.name if own is not None else "",
        school=org.name,
        school_year=year_label(rnd.year),
        status=str(report.status),
        answers={step: str(report.answers.get(step, "")) for step in STEPS},
        due_on=report.due_on,
        note=report.note,
        reviewer=names.get(report.reviewer_id or 0, ""),
        confirmed_by=names.get(report.confirmed_by or 0, ""),
        confirmed_at=report.confirmed_at,
        may_review=viewer is not None
        and report.status == ReportStatus.SUBMITTED
        and await may_review(session, viewer, report),
        may_edit=mine
        and viewer is not None
        and viewer.person is not None
        and viewer.person.id == report.person_id
        and report.status in OPEN,
    )


def gender_of(person: Person) -> str:
    """Nam / Nữ from how the school addresses the person (unknown: "")."""
    return {str(Address.THAY): "Nam", str(Address.CO): "Nữ"}.get(str(person.address or ""), "")


async def honours_for(session: AsyncSession, person_id: int) -> list[tuple[str, str, str, str]]:
    """Part III: the titles granted earlier."""
    return await honour_details(session, person_id)


def step_number(step: str) -> int:
    """1..5 for a form step, 0 for the preview."""
    return STEPS.index(step) + 1 if step in STEPS else 0
