"""What the initiatives use cases share: the year's call, its dates from the school's settings,
who is acting and what they may do."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from services.calendar import school_year
from services.errors import NotAllowed, NotFound
from services.people import Actor, actor, refuse_deactivated
from services.reviews import calls
from storage.models import CallKind, JuryRole, Org, ReviewCall, Role

KIND = CallKind.INITIATIVE
LATE_WINDOW = timedelta(days=30)  # a call opened after its deadlines gets this long to submit


async def member(session: AsyncSession, tg_user_id: int) -> Actor:
    """An active member of a school (a deactivated one told so, a stranger refused)."""
    who = await actor(session, tg_user_id)
    refuse_deactivated(who)
    if who.role is None or who.person is None:
        raise NotAllowed("errors.not_member")
    return who


async def the_call(session: AsyncSession, who: Actor) -> ReviewCall:
    """The school's open initiatives call (else "initiatives.no_call")."""
    call = await calls.current_call(session, who.org_id, KIND)
    if call is None:
        raise NotFound("initiatives.no_call")
    return call


async def council_chair(session: AsyncSession, tg_user_id: int) -> tuple[Actor, ReviewCall]:
    """The initiatives council's chair (or the school's chair while the council has none)."""
    who = await member(session, tg_user_id)
    call = await the_call(session, who)
    await calls.jury_chair_of(session, call, who)
    return who, call


async def jury_role(session: AsyncSession, call: ReviewCall | None, who: Actor) -> str | None:
    """The actor's place on the initiatives council."""
    if call is None or who.person is None:
        return None
    role = await calls.jury_role(session, call.id, who.person.id)
    return str(role) if role else None


def school_chair(who: Actor) -> None:
    """Refuse anyone but the school's chair."""
    if who.role != Role.CHAIR:
        raise NotAllowed("reviews.chair_only")


@dataclass(frozen=True)
class Window:
    """A call's dates: registration opens and closes, write-ups due."""

    year: int
    opens_at: datetime
    closes_at: datetime
    submit_by: datetime


def _day_in_year(day_month: str, start: date) -> date:
    """A dd/mm of the school year that starts on `start`."""
    day, _, month = day_month.partition("/")
    d, m = int(day), int(month)
    year = start.year if (m, d) >= (start.month, start.day) else start.year + 1
    return date(year, m, d)


def window(org: Org, settings: dict[str, object], now: datetime, tz: ZoneInfo) -> Window:
    """The dates of this school year's call from the school's settings; a deadline already past
    (a call opened late) moves so that members still have time: registering until the write-ups
    are due, and the write-ups due a month from now at the latest."""
    today = now.astimezone(tz).date()
    period = school_year(today, org.school_year_start)

    def end_of(day: date) -> datetime:  # the whole day counts (and is the day shown)
        return datetime.combine(day, time(23, 59), tz)

    closes = end_of(_day_in_year(str(settings["calendar.initiative_register_by"]), period.start))
    due = end_of(_day_in_year(str(settings["calendar.initiative_submit_by"]), period.start))
    if due <= now:
        due = end_of((now + LATE_WINDOW).astimezone(tz).date())
    if closes <= now or closes > due:
        closes = due
    return Window(period.start.year, now, closes, due)


def role_name(role: JuryRole | str | None) -> str | None:
    """The role as a plain string."""
    return str(role) if role else None
