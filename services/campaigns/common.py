"""What every part of campaigns shares: limits, typed dates and reminders, the view, the rights."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar import examples
from services.conversations import Drafts, Kind, NoDraft
from services.errors import Invalid, NotAllowed, NotFound
from services.people import LEADERS, actor, refuse_deactivated
from storage.models import Campaign, CampaignKind, Conversation, StoryStatus, Title

NAME_MAX = 200
DESCRIPTION_MAX = 1500
DEFAULT_REMINDERS = [7, 1]
# A date typed without a time: a campaign opens as the school day starts and closes as it ends.
DEFAULT_START, DEFAULT_END = time(7, 0), time(17, 0)
# A day and month with one separator ("/", "-" or "."), the year optional (the same separator),
# then an optional time: 5/12, 05-12-2026, 5.12.2026 07:30. Day first, as Vietnamese write dates.
_WHEN = re.compile(r"^\s*(\d{1,2})([/.-])(\d{1,2})(?:\2(\d{4}))?(?:\s+(\d{1,2})[:h](\d{2}))?\s*$")
COUNTED = (StoryStatus.PENDING, StoryStatus.APPROVED, StoryStatus.CHANGES)

# The leader's new campaign, and the new dates of an existing one, each kept as a durable draft.
DRAFT = Drafts(Kind.CAMPAIGN)
DATES = Drafts(Kind.CAMPAIGN_EDIT)


def parse_when(text: str, tz: ZoneInfo, *, default: time, today: date | None = None) -> datetime:
    """`dd/mm/yyyy` (or with "-" or "." between, the day and month of one or two digits), then
    an optional `hh:mm`, local time; without a year, the next such day from `today` on (refused
    when `today` is not given). A wrong or impossible date is refused."""
    match = _WHEN.match(text)
    if not match or (match[4] is None and today is None):
        raise bad_date(text, today)
    day, _, month, year, hour, minute = match.groups()
    try:
        when_time = time(int(hour), int(minute)) if hour is not None else default
        if year is not None:
            when_date = date(int(year), int(month), int(day))
        else:
            assert today is not None
            when_date = _next_day_and_month(today, int(day), int(month))
    except ValueError:
        raise Invalid("campaigns.no_such_date", text=text.strip()[:40]) from None
    return datetime.combine(when_date, when_time, tzinfo=tz)


def bad_date(text: str, today: date | None) -> Invalid:
    """The refusal of something that is not a date, with an example day near `today`."""
    example = examples(today).start if today is not None else None
    return Invalid("campaigns.bad_date", text=text[:40], example=example)


def _next_day_and_month(today: date, day: int, month: int) -> date:
    """The first date on or after `today` with this day and month (29/02: the next leap year)."""
    date(2024, month, day)  # refuses 31/04 and the like (2024 is a leap year: 29/02 passes)
    for year in range(today.year, today.year + 9):
        try:
            when = date(year, month, day)
        except ValueError:
            continue
        if when >= today:
            return when
    raise ValueError("no such date")


def parse_reminders(text: str) -> list[int]:
    """ "7, 3, 1" → [7, 3, 1]: whole days before the end, 1 to 60."""
    parts = [p for p in re.split(r"[,\s;]+", text.strip()) if p]
    # ASCII digits: str.isdigit() is also true of "²", which int() refuses.
    if (
        not parts
        or len(parts) > 5
        or not all(p.isascii() and p.isdigit() and 1 <= int(p) <= 60 for p in parts)
    ):
        raise Invalid("campaigns.bad_reminders")
    return sorted({int(p) for p in parts}, reverse=True)


@dataclass(frozen=True)
class CampaignView:
    """A campaign as the templates show it, with the viewer's own standing."""

    id: int
    name: str
    description: str
    launched_by: str
    kind: str
    starts_at: datetime
    ends_at: datetime
    reminder_days: list[int]
    status: str
    titles: list[tuple[int, str]]
    my_title: str | None = None
    joined: bool = False
    my_stories: int = 0

    @property
    def done(self) -> bool:
        """Whether the viewer has done what the campaign asks."""
        if self.kind == CampaignKind.REGISTRATION:
            return self.my_title is not None
        return self.my_stories > 0


def view_of(c: Campaign, titles: list[tuple[int, str]], **mine: Any) -> CampaignView:
    """The view of a campaign row, with the school's titles and the viewer's standing."""
    return CampaignView(
        id=c.id,
        name=c.name,
        description=c.description,
        launched_by=c.launched_by,
        kind=str(c.kind),
        starts_at=c.starts_at,
        ends_at=c.ends_at,
        reminder_days=list(c.reminder_days),
        status=str(c.status),
        titles=titles,
        **mine,
    )


async def load_draft(drafts: Drafts, session: AsyncSession, tg_user_id: int) -> Conversation:
    """The user's draft of this kind; a refusal ("that step is over") if they have none."""
    try:
        return await drafts.load(session, tg_user_id)
    except NoDraft:
        raise Invalid("errors.no_dialogue") from None


async def own_campaign(
    session: AsyncSession, tg_user_id: int, campaign_id: int, leaders_only: bool
) -> tuple[Campaign, int | None]:
    """A campaign of the user's school (and their person id); refused to others, and to all
    but the leaders when `leaders_only`."""
    who = await actor(session, tg_user_id)
    refuse_deactivated(who)
    if who.role is None or who.membership is None:
        raise NotAllowed("errors.not_member")
    if leaders_only and who.role not in LEADERS:
        raise NotAllowed("errors.leaders_only")
    campaign = await session.get(Campaign, campaign_id, populate_existing=True)
    if campaign is None or campaign.org_id != who.membership.org_id:
        raise NotFound("errors.stale_button")
    return campaign, who.person.id if who.person else None


async def titles_of(session: AsyncSession, org_id: int) -> list[tuple[int, str]]:
    """The school's active personal titles one can register for, as (id, name)."""
    rows = await session.execute(
        select(Title.id, Title.name)
        .where(Title.org_id == org_id, Title.active.is_(True), Title.for_department.is_(False))
        .order_by(Title.id)
    )
    return [(row.id, row.name) for row in rows]
