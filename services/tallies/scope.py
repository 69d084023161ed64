"""Who may read the council's figures, and what a tally covers: a period or a campaign.

A scope travels as a short code (in buttons, see ui/buttons/tallies.py): m | s | y (this month,
semester, school year), c<id> (a campaign), r<yyyymmdd>-<yyyymmdd> (typed dates).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from reports import periods
from reports.model import Scope
from services import calendar
from services.errors import Invalid, NotAllowed, NotFound
from services.people import COUNCIL_ROLES, in_council_place, require_role
from storage.models import Campaign, Org, Proposal, Registration, Story, StoryStatus

ALIASES = {
    "m": "m",
    "month": "m",
    "thang": "m",
    "tháng": "m",
    "s": "s",
    "semester": "s",
    "hk": "s",
    "hocky": "s",
    "học kỳ": "s",
    "y": "y",
    "year": "y",
    "namhoc": "y",
    "năm học": "y",
}


async def reader(session: AsyncSession, tg_user_id: int, chat_id: int) -> Org:
    """Council members read figures, in private or in their council group, nowhere else."""
    try:
        who = await require_role(session, tg_user_id, COUNCIL_ROLES)
    except NotAllowed as refusal:
        if refusal.key in ("errors.not_member", "errors.role_needed"):
            raise NotAllowed("reports.council_only") from None
        raise
    assert who.membership is not None
    org = who.membership.org
    if not in_council_place(who, tg_user_id, chat_id):
        raise NotAllowed("reports.council_chat_only")
    return org


def scope_code(text: str, today: date | None = None) -> str:
    """What a person typed after /tally (tháng, học kỳ, năm học, or dates) as a scope code; a
    refusal shows dates of this school year (`today`'s) as the example."""
    cleaned = " ".join(text.split()).lower()
    if not cleaned:
        return "y"
    if cleaned in ALIASES:
        return ALIASES[cleaned]
    try:
        return periods.parse_range(text).code
    except periods.BadPeriod:
        example = calendar.examples(today) if today is not None else None
        raise Invalid("reports.bad_period", example=example) from None


def local_date(moment: datetime, tz: ZoneInfo) -> date:
    """The school's calendar day of a moment."""
    return moment.astimezone(tz).date()


async def resolve(session: AsyncSession, org: Org, code: str, tz: ZoneInfo, now: datetime) -> Scope:
    """The dates (and the campaign) a scope code stands for, by the school's calendar."""
    today = local_date(now, tz)
    year = calendar.school_year(today, org.school_year_start)
    if code in ("m", "s", "y"):
        if code == "m":
            period, kind = calendar.month(today), "month"
        elif code == "s":
            period, kind = (
                calendar.semester(today, org.school_year_start, org.semester_boundary),
                "semester",
            )
        else:
            period, kind = year, "year"
        return Scope(
            code=code,
            kind=kind,
            start=period.start,
            end=period.end - timedelta(days=1),
            semester=(1 if period.start == year.start else 2) if kind == "semester" else 0,
            school_year=year.label,
        )
    if code.startswith("c") and code[1:].isdigit():
        campaign = await session.get(Campaign, int(code[1:]))
        if campaign is None or campaign.org_id != org.id:
            raise NotFound("errors.stale_button")
        start = local_date(campaign.starts_at, tz)
        return Scope(
            code=code,
            kind="campaign",
            start=start,
            end=max(start, local_date(campaign.ends_at, tz)),
            school_year=calendar.school_year(start, org.school_year_start).label,
            campaign_id=campaign.id,
            campaign_name=campaign.name,
            launched_by=campaign.launched_by,
        )
    try:
        typed = periods.from_code(code)
    except periods.BadPeriod:
        example = calendar.examples(today, org.school_year_start, org.semester_boundary)
        raise Invalid("reports.bad_period", example=example) from None
    return Scope(
        code=code,
        kind="range",
        start=typed.start,
        end=typed.end,
        school_year=calendar.school_year(typed.start, org.school_year_start).label,
    )


async def check(
    session: AsyncSession,
    *,
    tg_user_id: int,
    chat_id: int,
    code: str,
    tz: ZoneInfo,
    now: datetime,
) -> Scope:
    """Refuse early (before a progress message is shown); the scope an export would cover."""
    org = await reader(session, tg_user_id, chat_id)
    return await resolve(session, org, code, tz, now)


def window(scope: Scope, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """[from, to) of a period scope, as aware UTC moments."""
    start = datetime.combine(scope.start, time(), tz).astimezone(UTC)
    end = datetime.combine(scope.end + timedelta(days=1), time(), tz).astimezone(UTC)
    return start, end


def stories_in(org_id: int, scope: Scope, tz: ZoneInfo) -> list[ColumnElement[bool]]:
    """The stories a scope covers: a campaign's, or those sent in the period (never superseded
    versions: the new version stands for them)."""
    where: list[ColumnElement[bool]] = [
        Story.org_id == org_id,
        Story.status != StoryStatus.SUPERSEDED,
    ]
    if scope.campaign_id is not None:
        where.append(Story.campaign_id == scope.campaign_id)
    else:
        since, until = window(scope, tz)
        where += [Story.submitted_at >= since, Story.submitted_at < until]
    return where


def registrations_in(org_id: int, scope: Scope, tz: ZoneInfo) -> list[ColumnElement[bool]]:
    """The title registrations a scope covers (a campaign's, or those made in the period)."""
    where: list[ColumnElement[bool]] = [Campaign.org_id == org_id]
    if scope.campaign_id is not None:
        where.append(Registration.campaign_id == scope.campaign_id)
    else:
        since, until = window(scope, tz)
        where += [Registration.registered_at >= since, Registration.registered_at < until]
    return where


def proposals_in(org_id: int, scope: Scope, tz: ZoneInfo) -> list[ColumnElement[bool]]:
    """The proposals a scope covers: on a campaign's stories or registrations, or made in the
    period."""
    where: list[ColumnElement[bool]] = [Proposal.org_id == org_id]
    if scope.campaign_id is not None:
        where.append(
            or_(
                Proposal.story_id.in_(
                    select(Story.id).where(Story.campaign_id == scope.campaign_id)
                ),
                Proposal.registration_id.in_(
                    select(Registration.id).where(Registration.campaign_id == scope.campaign_id)
                ),
            )
        )
    else:
        since, until = window(scope, tz)
        where += [Proposal.proposed_at >= since, Proposal.proposed_at < until]
    return where
