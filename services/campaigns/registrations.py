"""Taking part in a campaign: registering a title, withdrawing it, joining an opt-in, and the
campaigns a new story can count for."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit
from services.campaigns.cards import view
from services.campaigns.common import CampaignView, own_campaign, titles_of
from services.errors import AlreadyDone, Invalid, NotFound
from storage.models import Campaign, CampaignKind, CampaignStatus, Participation, Registration


def _require_open(campaign: Campaign, now: datetime) -> None:
    if campaign.status != CampaignStatus.OPEN or not campaign.starts_at <= now < campaign.ends_at:
        raise Invalid("campaigns.not_open", name=campaign.name)


async def register(
    session: AsyncSession, *, tg_user_id: int, campaign_id: int, title_id: int, now: datetime
) -> CampaignView:
    """Register (or change) one's title in an open registration campaign."""
    campaign, person_id = await own_campaign(session, tg_user_id, campaign_id, leaders_only=False)
    assert person_id is not None
    if campaign.kind != CampaignKind.REGISTRATION:
        raise Invalid("errors.stale_button")
    _require_open(campaign, now)
    if title_id not in {t for t, _ in await titles_of(session, campaign.org_id)}:
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
    campaign, person_id = await own_campaign(session, tg_user_id, campaign_id, leaders_only=False)
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
    campaign, person_id = await own_campaign(session, tg_user_id, campaign_id, leaders_only=False)
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
