"""A campaign's times and the notices they plan: creating directly, new dates, closing early."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, conversations
from services.campaigns.cards import card, view
from services.campaigns.common import (
    DATES,
    DEFAULT_END,
    DEFAULT_REMINDERS,
    DEFAULT_START,
    CampaignView,
    bad_date,
    load_draft,
    own_campaign,
    parse_when,
)
from services.errors import AlreadyDone, Invalid, NotAllowed
from services.people import LEADERS, actor
from services.planner import campaign_notices
from storage.models import Campaign, CampaignKind, CampaignStatus, Notice, NoticeStatus


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


async def begin_reschedule(
    session: AsyncSession, *, tg_user_id: int, campaign_id: int, now: datetime
) -> CampaignView:
    """Ask for a new end date (and a new start while the campaign has not opened)."""
    campaign, _ = await own_campaign(session, tg_user_id, campaign_id, leaders_only=True)
    if campaign.status == CampaignStatus.CLOSED:
        raise AlreadyDone("campaigns.already_closed", name=campaign.name)
    await DATES.save(session, tg_user_id, "dates", {"campaign_id": campaign_id}, now)
    return await view(session, campaign_id=campaign_id)


async def reschedule(
    session: AsyncSession, *, tg_user_id: int, text: str, tz: ZoneInfo, now: datetime
) -> CampaignView:
    """New dates typed as `dd/mm/yyyy` (end) or `dd/mm/yyyy - dd/mm/yyyy` (start - end)."""
    convo = await load_draft(DATES, session, tg_user_id)
    campaign, person_id = await own_campaign(
        session, tg_user_id, int(convo.data["campaign_id"]), leaders_only=True
    )
    if campaign.status == CampaignStatus.CLOSED:
        raise AlreadyDone("campaigns.already_closed", name=campaign.name)
    parts = [p for p in re.split(r"\s+-\s+|\s*–\s*", text.strip()) if p]
    starts = campaign.starts_at
    if len(parts) == 2:
        if campaign.status != CampaignStatus.SCHEDULED:
            raise Invalid("campaigns.already_open")
        starts = parse_when(parts[0], tz, default=DEFAULT_START, today=now.astimezone(tz).date())
        if starts < now - timedelta(minutes=1):
            raise Invalid("campaigns.start_in_past")
    elif len(parts) != 1:
        raise bad_date(text, now.astimezone(tz).date())
    ends = parse_when(parts[-1], tz, default=DEFAULT_END, today=now.astimezone(tz).date())
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


async def closing_asked(
    session: AsyncSession, *, tg_user_id: int, campaign_id: int
) -> CampaignView:
    """The campaign a leader asks to close early (the confirmation names it); leaders only."""
    asked = await card(session, tg_user_id=tg_user_id, campaign_id=campaign_id)
    if (await actor(session, tg_user_id)).role not in LEADERS:
        raise NotAllowed("errors.leaders_only")
    return asked


async def close_early(
    session: AsyncSession, *, tg_user_id: int, campaign_id: int, now: datetime
) -> CampaignView:
    """Close a campaign now: reminders are cancelled, the closing notice goes out now."""
    campaign, person_id = await own_campaign(session, tg_user_id, campaign_id, leaders_only=True)
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
