"""A campaign's card and the list of campaigns, each with the viewer's own standing."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.campaigns.common import COUNTED, CampaignView, own_campaign, titles_of, view_of
from services.errors import NotAllowed, NotFound
from services.people import actor, refuse_deactivated
from storage.models import Campaign, CampaignStatus, Participation, Registration, Story, Title


async def view(
    session: AsyncSession, *, campaign_id: int, person_id: int | None = None
) -> CampaignView:
    """One campaign, with the viewer's registration, participation and stories."""
    campaign = await session.get(Campaign, campaign_id, populate_existing=True)
    if campaign is None:
        raise NotFound("errors.stale_button")
    titles = await titles_of(session, campaign.org_id)
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
    return view_of(campaign, titles, **mine)


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
    campaign, person_id = await own_campaign(session, tg_user_id, campaign_id, leaders_only=False)
    return await view(session, campaign_id=campaign.id, person_id=person_id)
