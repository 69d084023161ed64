"""Campaigns (phong trào thi đua): creation, changes, registration, joining, their notices."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, conversations
from services.base import UseCases
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound
from services.people import LEADERS, actor, refuse_deactivated, require_role
from services.planner import campaign_notices
from storage.models import (
    Campaign,
    CampaignKind,
    CampaignStatus,
    Notice,
    NoticeStatus,
    Org,
    Participation,
    Registration,
    Story,
    StoryStatus,
    Title,
)

NAME_MAX = 200
DESCRIPTION_MAX = 1500
DEFAULT_REMINDERS = [7, 1]
# A date typed without a time: a campaign opens as the school day starts and closes as it ends.
DEFAULT_START, DEFAULT_END = time(7, 0), time(17, 0)
_WHEN = re.compile(r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})(?:\s+(\d{1,2})[:h](\d{2}))?\s*$")
COUNTED = (StoryStatus.PENDING, StoryStatus.APPROVED, StoryStatus.CHANGES)


def parse_when(text: str, tz: ZoneInfo, *, default: time) -> datetime:
    """`dd/mm/yyyy` or `dd/mm/yyyy hh:mm`, local time; a wrong or impossible date is refused."""
    match = _WHEN.match(text)
    if not match:
        raise Invalid("campaigns.bad_date", text=text[:40])
    day, month, year, hour, minute = match.groups()
    try:
        when_date = date(int(year), int(month), int(day))
        when_time = time(int(hour), int(minute)) if hour is not None else default
    except ValueError:
        raise Invalid("campaigns.no_such_date", text=text.strip()[:40]) from None
    return datetime.combine(when_date, when_time, tzinfo=tz)


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


def _view(c: Campaign, titles: list[tuple[int, str]], **mine: Any) -> CampaignView:
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


# ---------------------------------------------------------------------------- creation dialogue


async def _leader(session: AsyncSession, tg_user_id: int) -> tuple[int, int, Org]:
    who = await require_role(session, tg_user_id, LEADERS)
    assert who.membership is not None and who.person is not None
    return who.person.id, who.membership.org_id, who.membership.org


async def cancel(session: AsyncSession, *, tg_user_id: int) -> bool:
    """Throw the new campaign's draft away (and nothing else); True if there was one."""
    ended = await conversations.end(
        session, chat_id=tg_user_id, user_id=tg_user_id, kind="campaign"
    )
    await session.commit()
    return ended


async def _dialogue(session: AsyncSession, tg_user_id: int, kind: str = "campaign") -> Any:
    convo = await conversations.current(session, chat_id=tg_user_id, user_id=tg_user_id)
    if convo is None or convo.kind != kind:
        raise Invalid("errors.no_dialogue")
    return convo


async def _step(
    session: AsyncSession,
    tg_user_id: int,
    step: str,
    data: dict[str, Any],
    now: datetime,
    kind: str = "campaign",
) -> dict[str, Any]:
    await conversations.put(
        session, chat_id=tg_user_id, user_id=tg_user_id, kind=kind, step=step, data=data, now=now
    )
    await session.commit()
    return {"step": step, **data}


async def begin(session: AsyncSession, *, tg_user_id: int, now: datetime) -> dict[str, Any]:
    """/newcampaign: the chair or vice-chair starts the guided creation."""
    _, org_id, org = await _leader(session, tg_user_id)
    return await _step(
        session, tg_user_id, "name", {"org_id": org_id, "levels": list(org.levels)}, now
    )


async def answer(
    session: AsyncSession, *, tg_user_id: int, text: str, tz: ZoneInfo, now: datetime
) -> dict[str, Any]:
    """A typed answer at the current step (name, description, dates, reminders)."""
    convo = await _dialogue(session, tg_user_id)
    data, step, text = dict(convo.data), convo.step, text.strip()
    if step == "name":
        name = " ".join(text.split())
        if not 3 <= len(name) <= NAME_MAX:
            raise Invalid("campaigns.bad_name", limit=NAME_MAX, length=len(name))
        return await _step(session, tg_user_id, "description", {**data, "name": name}, now)
    if step == "description":
        if len(text) > DESCRIPTION_MAX:
            raise Invalid("campaigns.bad_description", limit=DESCRIPTION_MAX, length=len(text))
        return await _step(session, tg_user_id, "level", {**data, "description": text}, now)
    if step == "start":
        starts = parse_when(text, tz, default=DEFAULT_START)
        if starts.astimezone(tz).date() < now.astimezone(tz).date():
            raise Invalid("campaigns.start_in_past")
        return await _step(
            session, tg_user_id, "end", {**data, "starts_at": starts.isoformat()}, now
        )
    if step == "end":
        ends = parse_when(text, tz, default=DEFAULT_END)
        starts = datetime.fromisoformat(data["starts_at"])
        if ends <= starts:
            raise Invalid("campaigns.end_before_start")
        if ends <= now:
            raise Invalid("campaigns.end_in_past")
        return await _step(
            session, tg_user_id, "reminders", {**data, "ends_at": ends.isoformat()}, now
        )
    if step == "reminders":
        return await _step(
            session, tg_user_id, "preview", {**data, "reminder_days": parse_reminders(text)}, now
        )
    raise Invalid("campaigns.use_buttons")


async def choose(
    session: AsyncSession, *, tg_user_id: int, what: str, value: str, now: datetime
) -> dict[str, Any]:
    """A button at the current step: skip description, level, kind, default/no reminders."""
    convo = await _dialogue(session, tg_user_id)
    data, step = dict(convo.data), convo.step
    if what == "skip" and step == "description":
        return await _step(session, tg_user_id, "level", {**data, "description": ""}, now)
    if what == "level" and step == "level":
        levels = data.get("levels") or []
        if not value.isdigit() or int(value) >= len(levels):
            raise Invalid("errors.stale_button")
        return await _step(
            session, tg_user_id, "kind", {**data, "launched_by": levels[int(value)]}, now
        )
    if what == "kind" and step == "kind":
        CampaignKind(value)
        return await _step(session, tg_user_id, "start", {**data, "kind": value}, now)
    if what == "reminders" and step == "reminders":
        days = DEFAULT_REMINDERS if value == "default" else []
        return await _step(session, tg_user_id, "preview", {**data, "reminder_days": days}, now)
    raise AlreadyDone("errors.stale_button")


def draft_view(data: dict[str, Any]) -> CampaignView:
    """The campaign being created, for the preview."""
    return CampaignView(
        id=0,
        name=data["name"],
        description=data.get("description", ""),
        launched_by=data["launched_by"],
        kind=data["kind"],
        starts_at=datetime.fromisoformat(data["starts_at"]),
        ends_at=datetime.fromisoformat(data["ends_at"]),
        reminder_days=list(data.get("reminder_days", [])),
        status="draft",
        titles=[],
    )


async def create(session: AsyncSession, *, tg_user_id: int, now: datetime) -> CampaignView:
    """Create the campaign from the preview, with its notices, in one commit."""
    convo = await _dialogue(session, tg_user_id)
    if convo.step != "preview":
        raise AlreadyDone("errors.stale_button")
    person_id, org_id, _ = await _leader(session, tg_user_id)
    if int(convo.data.get("org_id", org_id)) != org_id:  # begun for another school than theirs now
        raise NotFound("errors.stale_button")
    draft = draft_view(convo.data)
    if draft.ends_at <= now:
        raise Invalid("campaigns.end_in_past")
    campaign = Campaign(
        org_id=org_id,
        name=draft.name,
        description=draft.description,
        launched_by=draft.launched_by,
        kind=CampaignKind(draft.kind),
        starts_at=max(draft.starts_at, now) if draft.starts_at <= now else draft.starts_at,
        ends_at=draft.ends_at,
        reminder_days=draft.reminder_days,
        status=CampaignStatus.SCHEDULED,
        created_by=person_id,
        created_at=now,
    )
    session.add(campaign)
    await session.flush()
    await sync_notices(session, campaign, now)
    await audit.record(
        session,
        org_id=org_id,
        actor_id=person_id,
        action="campaign.create",
        target=f"campaign:{campaign.id}",
        now=now,
        name=campaign.name,
    )
    await conversations.end(session, chat_id=tg_user_id, user_id=tg_user_id)
    await session.commit()
    return await view(session, campaign_id=campaign.id)


async def create_direct(
    session: AsyncSession,
    *,
    org_id: int,
    name: str,
    kind: CampaignKind,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    launched_by: str = "Trường",
    description: str = "",
    reminder_days: list[int] | None = None,
    created_by: int | None = None,
) -> Campaign:
    """Create a campaign without the dialogue (seed data, demo, tests), with its notices."""
    campaign = Campaign(
        org_id=org_id,
        name=name,
        description=description,
        launched_by=launched_by,
        kind=kind,
        starts_at=starts_at,
        ends_at=ends_at,
        reminder_days=DEFAULT_REMINDERS if reminder_days is None else reminder_days,
        status=CampaignStatus.CLOSED if ends_at <= now else CampaignStatus.SCHEDULED,
        created_by=created_by,
        created_at=now,
    )
    session.add(campaign)
    await session.flush()
    if ends_at > now:
        await sync_notices(session, campaign, now)
    await session.commit()
    return campaign


async def sync_notices(session: AsyncSession, campaign: Campaign, now: datetime) -> None:
    """Make the pending notices match the campaign's times; cancel those no longer planned."""
    planned = (
        []
        if campaign.status == CampaignStatus.CLOSED and campaign.closed_at is None
        else campaign_notices(
            campaign.id, campaign.starts_at, campaign.ends_at, list(campaign.reminder_days)
        )
    )
    if campaign.status != CampaignStatus.SCHEDULED:
        planned = [p for p in planned if p.kind != "launch"]
    existing = {
        n.key: n
        for n in (await session.scalars(select(Notice).where(Notice.campaign_id == campaign.id)))
    }
    wanted = {p.key for p in planned}
    for key, notice in existing.items():
        if notice.status == NoticeStatus.PENDING and key not in wanted:
            notice.status = NoticeStatus.CANCELLED
    for spec in planned:
        if spec.key not in existing:
            session.add(
                Notice(
                    key=spec.key,
                    org_id=campaign.org_id,
                    campaign_id=campaign.id,
                    kind=spec.kind,
                    due_at=spec.due_at,
                    stale_after=spec.stale_after,
                    status=NoticeStatus.PENDING,
                    payload=spec.payload,
                )
            )
    await session.flush()


# ---------------------------------------------------------------------------- changes


async def _own_campaign(
    session: AsyncSession, tg_user_id: int, campaign_id: int, leaders_only: bool
) -> tuple[Campaign, int | None]:
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


async def begin_reschedule(
    session: AsyncSession, *, tg_user_id: int, campaign_id: int, now: datetime
) -> CampaignView:
    """Ask for a new end date (and a new start while the campaign has not opened)."""
    campaign, _ = await _own_campaign(session, tg_user_id, campaign_id, leaders_only=True)
    if campaign.status == CampaignStatus.CLOSED:
        raise AlreadyDone("campaigns.already_closed", name=campaign.name)
    await _step(
        session, tg_user_id, "dates", {"campaign_id": campaign_id}, now, kind="campaign_edit"
    )
    return await view(session, campaign_id=campaign_id)


async def reschedule(
    session: AsyncSession, *, tg_user_id: int, text: str, tz: ZoneInfo, now: datetime
) -> CampaignView:
    """New dates typed as `dd/mm/yyyy` (end) or `dd/mm/yyyy - dd/mm/yyyy` (start - end)."""
    convo = await _dialogue(session, tg_user_id, kind="campaign_edit")
    campaign, person_id = await _own_campaign(
        session, tg_user_id, int(convo.data["campaign_id"]), leaders_only=True
    )
    if campaign.status == CampaignStatus.CLOSED:
        raise AlreadyDone("campaigns.already_closed", name=campaign.name)
    parts = [p for p in re.split(r"\s+-\s+|\s*–\s*", text.strip()) if p]
    starts = campaign.starts_at
    if len(parts) == 2:
        if campaign.status != CampaignStatus.SCHEDULED:
            raise Invalid("campaigns.already_open")
        starts = parse_when(parts[0], tz, default=DEFAULT_START)
        if starts < now - timedelta(minutes=1):
            raise Invalid("campaigns.start_in_past")
    elif len(parts) != 1:
        raise Invalid("campaigns.bad_date", text=text[:40])
    ends = parse_when(parts[-1], tz, default=DEFAULT_END)
    if ends <= starts:
        raise Invalid("campaigns.end_before_start")
    if ends <= now:
        raise Invalid("campaigns.end_in_past")
    before = (campaign.starts_at.isoformat(), campaign.ends_at.isoformat())
    # Conditional on what we read: a change racing the scheduler's launch or close loses cleanly.
    changed = await session.execute(
        update(Campaign)
        .where(Campaign.id == campaign.id, Campaign.status == campaign.status)
        .values(starts_at=starts, ends_at=ends)
    )
    if getattr(changed, "rowcount", 0) != 1:
        await session.rollback()
        raise AlreadyDone("campaigns.changed_meanwhile")
    await session.refresh(campaign)
    await sync_notices(session, campaign, now)
    await audit.record(
        session,
        org_id=campaign.org_id,
        actor_id=person_id,
        action="campaign.reschedule",
        target=f"campaign:{campaign.id}",
        now=now,
        before=before,
        after=(starts.isoformat(), ends.isoformat()),
    )
    await conversations.end(session, chat_id=tg_user_id, user_id=tg_user_id)
    await session.commit()
    return await view(session, campaign_id=campaign.id)


async def close_early(
    session: AsyncSession, *, tg_user_id: int, campaign_id: int, now: datetime
) -> CampaignView:
    """Close a campaign now: reminders are cancelled, the closing notice goes out now."""
    campaign, person_id = await _own_campaign(session, tg_user_id, campaign_id, leaders_only=True)
    if campaign.status == CampaignStatus.CLOSED:
        raise AlreadyDone("campaigns.already_closed", name=campaign.name)
    was = campaign.status
    changed = await session.execute(
        update(Campaign)
        .where(Campaign.id == campaign.id, Campaign.status == was)
        .values(
            ends_at=now,
            status=CampaignStatus.OPEN if was == CampaignStatus.OPEN else CampaignStatus.CLOSED,
            closed_at=None if was == CampaignStatus.OPEN else now,
        )
    )
    if getattr(changed, "rowcount", 0) != 1:
        await session.rollback()
        raise AlreadyDone("campaigns.changed_meanwhile")
    await session.refresh(campaign)
    if was == CampaignStatus.OPEN:
        await sync_notices(session, campaign, now)  # the closing notice, due now
    else:  # never opened: nobody was told, so nobody needs a closing notice
        for notice in await session.scalars(
            select(Notice).where(
                Notice.campaign_id == campaign.id, Notice.status == NoticeStatus.PENDING
            )
        ):
            notice.status = NoticeStatus.CANCELLED
    await audit.record(
        session,
        org_id=campaign.org_id,
        actor_id=person_id,
        action="campaign.close",
        target=f"campaign:{campaign.id}",
        now=now,
    )
    await session.commit()
    return await view(session, campaign_id=campaign.id)


# ---------------------------------------------------------------------------- taking part


async def _titles(session: AsyncSession, org_id: int) -> list[tuple[int, str]]:
    rows = await session.execute(
        select(Title.id, Title.name)
        .where(Title.org_id == org_id, Title.active.is_(True), Title.for_department.is_(False))
        .order_by(Title.id)
    )
    return [(row.id, row.name) for row in rows]


async def view(
    session: AsyncSession, *, campaign_id: int, person_id: int | None = None
) -> CampaignView:
    """One campaign, with the viewer's registration, participation and stories."""
    campaign = await session.get(Campaign, campaign_id, populate_existing=True)
    if campaign is None:
        raise NotFound("errors.stale_button")
    titles = await _titles(session, campaign.org_id)
    mine: dict[str, Any] = {}
    if person_id is not None:
        mine["my_title"] = await session.scalar(
            select(Title.name)
            .join(Registration, Registration.title_id == Title.id)
            .where(
                Registration.campaign_id == campaign_id,
                Registration.person_id == person_id,
                Registration.withdrawn_at.is_(None),
            )
        )
        mine["joined"] = bool(
            await session.scalar(
                select(func.count())
                .select_from(Participation)
                .where(
                    Participation.campaign_id == campaign_id,
                    Participation.person_id == person_id,
                    Participation.left_at.is_(None),
                )
            )
        )
        mine["my_stories"] = int(
            await session.scalar(
                select(func.count())
                .select_from(Story)
                .where(
                    Story.campaign_id == campaign_id,
                    Story.author_id == person_id,
                    Story.status.in_(COUNTED),
                )
            )
            or 0
        )
    return _view(campaign, titles, **mine)


async def listing(session: AsyncSession, *, tg_user_id: int) -> list[CampaignView]:
    """Open and upcoming campaigns of the user's school, soonest deadline first."""
    who = await actor(session, tg_user_id)
    refuse_deactivated(who)
    if who.role is None or who.membership is None or who.person is None:
        raise NotAllowed("errors.not_member")
    ids = (
        await session.scalars(
            select(Campaign.id)
            .where(
                Campaign.org_id == who.membership.org_id, Campaign.status != CampaignStatus.CLOSED
            )
            .order_by(Campaign.ends_at, Campaign.id)
        )
    ).all()
    return [await view(session, campaign_id=i, person_id=who.person.id) for i in ids]


async def card(session: AsyncSession, *, tg_user_id: int, campaign_id: int) -> CampaignView:
    """One campaign as the user sees it."""
    campaign, person_id = await _own_campaign(session, tg_user_id, campaign_id, leaders_only=False)
    return await view(session, campaign_id=campaign.id, person_id=person_id)


def _require_open(campaign: Campaign, now: datetime) -> None:
    if campaign.status != CampaignStatus.OPEN or not campaign.starts_at <= now < campaign.ends_at:
        raise Invalid("campaigns.not_open", name=campaign.name)


async def register(
    session: AsyncSession, *, tg_user_id: int, campaign_id: int, title_id: int, now: datetime
) -> CampaignView:
    """Register (or change) one's title in an open registration campaign."""
    campaign, person_id = await _own_campaign(session, tg_user_id, campaign_id, leaders_only=False)
    assert person_id is not None
    if campaign.kind != CampaignKind.REGISTRATION:
        raise Invalid("errors.stale_button")
    _require_open(campaign, now)
    if title_id not in {t for t, _ in await _titles(session, campaign.org_id)}:
        raise NotFound("errors.stale_button")
    row = await session.scalar(
        select(Registration).where(
            Registration.campaign_id == campaign_id, Registration.person_id == person_id
        )
    )
    if row is None:
        session.add(
            Registration(
                campaign_id=campaign_id, person_id=person_id, title_id=title_id, registered_at=now
            )
        )
    else:
        row.title_id, row.registered_at, row.withdrawn_at = title_id, now, None
    await audit.record(
        session,
        org_id=campaign.org_id,
        actor_id=person_id,
        action="campaign.register",
        target=f"campaign:{campaign_id}",
        now=now,
        title_id=title_id,
    )
    await session.commit()
    return await view(session, campaign_id=campaign_id, person_id=person_id)


async def withdraw_registration(
    session: AsyncSession, *, tg_user_id: int, campaign_id: int, now: datetime
) -> CampaignView:
    """Withdraw one's registration before the campaign ends."""
    campaign, person_id = await _own_campaign(session, tg_user_id, campaign_id, leaders_only=False)
    _require_open(campaign, now)
    changed = await session.execute(
        update(Registration)
        .where(
            Registration.campaign_id == campaign_id,
            Registration.person_id == person_id,
            Registration.withdrawn_at.is_(None),
        )
        .values(withdrawn_at=now)
    )
    if getattr(changed, "rowcount", 0) != 1:
        raise AlreadyDone("campaigns.not_registered")
    await audit.record(
        session,
        org_id=campaign.org_id,
        actor_id=person_id,
        action="campaign.unregister",
        target=f"campaign:{campaign_id}",
        now=now,
    )
    await session.commit()
    return await view(session, campaign_id=campaign_id, person_id=person_id)


async def join(
    session: AsyncSession, *, tg_user_id: int, campaign_id: int, now: datetime
) -> CampaignView:
    """Join an opt-in campaign (idempotent)."""
    campaign, person_id = await _own_campaign(session, tg_user_id, campaign_id, leaders_only=False)
    assert person_id is not None
    if campaign.kind != CampaignKind.OPT_IN:
        raise Invalid("errors.stale_button")
    if campaign.status == CampaignStatus.CLOSED or campaign.ends_at <= now:
        raise Invalid("campaigns.not_open", name=campaign.name)
    row = await session.scalar(
        select(Participation).where(
            Participation.campaign_id == campaign_id, Participation.person_id == person_id
        )
    )
    if row is not None and row.left_at is None:
        raise AlreadyDone("campaigns.already_joined", name=campaign.name)
    if row is None:
        session.add(Participation(campaign_id=campaign_id, person_id=person_id, joined_at=now))
    else:
        row.joined_at, row.left_at = now, None
    await session.commit()
    return await view(session, campaign_id=campaign_id, person_id=person_id)


async def attachable(
    session: AsyncSession, *, person_id: int, org_id: int, now: datetime
) -> list[tuple[int, str]]:
    """Open campaigns a new story can be attached to: good-deed ones, and opt-ins one joined."""
    rows = await session.execute(
        select(Campaign.id, Campaign.name, Campaign.kind)
        .where(
            Campaign.org_id == org_id,
            Campaign.status == CampaignStatus.OPEN,
            Campaign.kind.in_([CampaignKind.GOOD_DEEDS, CampaignKind.OPT_IN]),
            Campaign.starts_at <= now,
            Campaign.ends_at > now,
        )
        .order_by(Campaign.ends_at)
    )
    result = []
    for row in rows:
        if row.kind == CampaignKind.OPT_IN:
            joined = await session.scalar(
                select(Participation.id).where(
                    Participation.campaign_id == row.id,
                    Participation.person_id == person_id,
                    Participation.left_at.is_(None),
                )
            )
            if joined is None:
                continue
        result.append((row.id, row.name))
    return result


class Campaigns(UseCases):
    """Emulation campaigns: the leader's draft, the cards, registrations."""
