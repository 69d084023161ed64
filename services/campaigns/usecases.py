"""The campaign use cases a handler calls: one unit of work each (see services/base.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from services import conversations
from services.base import UseCases
from services.campaigns import cards, draft, registrations, schedule
from services.campaigns.common import CampaignView
from services.campaigns.draft import DraftStep, draft_step
from services.conversations import Kind
from services.people import LEADERS, actor


@dataclass(frozen=True)
class CampaignCard:
    """A campaign's card as one viewer sees it: their standing, and whether they may change it."""

    campaign: CampaignView
    leader: bool


async def _card(session: AsyncSession, tg_user_id: int, campaign: CampaignView) -> CampaignCard:
    leader = (await actor(session, tg_user_id)).role in LEADERS
    return CampaignCard(campaign=campaign, leader=leader)


class Campaigns(UseCases):
    """Emulation campaigns: the leader's draft, the cards, registrations."""

    # ------------------------------------------------------------------ the leader's new campaign

    async def begin(self, *, tg_user_id: int) -> DraftStep:
        """/newcampaign: a leader starts the draft of a new campaign."""
        async with self.env.sessions() as session:
            state = await draft.begin(session, tg_user_id=tg_user_id, now=self.now())
        return draft_step(state, self.today())

    async def answer(self, *, tg_user_id: int, text: str) -> DraftStep | CampaignView:
        """A typed answer: the new campaign's next step, or (when changing a campaign's dates)
        the campaign with its new dates."""
        async with self.env.sessions() as session:
            convo = await conversations.current(session, chat_id=tg_user_id, user_id=tg_user_id)
            if convo is not None and convo.kind == Kind.CAMPAIGN_EDIT:
                return await schedule.reschedule(
                    session, tg_user_id=tg_user_id, text=text, tz=self.env.tz, now=self.now()
                )
            state = await draft.answer(
                session, tg_user_id=tg_user_id, text=text, tz=self.env.tz, now=self.now()
            )
        return draft_step(state, self.today())

    async def choose(self, *, tg_user_id: int, what: str, value: str) -> DraftStep:
        """A button of the draft: skip the description, a level, a kind, the reminders."""
        async with self.env.sessions() as session:
            state = await draft.choose(
                session, tg_user_id=tg_user_id, what=what, value=value, now=self.now()
            )
        return draft_step(state, self.today())

    async def cancel(self, *, tg_user_id: int) -> bool:
        """Throw the new campaign's draft away; True if there was one."""
        async with self.env.sessions() as session:
            return await draft.cancel(session, tg_user_id=tg_user_id)

    async def create(self, *, tg_user_id: int) -> CampaignView:
        """Create the campaign from the previewed draft, with its notices."""
        async with self.env.sessions() as session:
            return await draft.create(session, tg_user_id=tg_user_id, now=self.now())

    # ------------------------------------------------------------------ the list and the cards

    async def listing(self, *, tg_user_id: int) -> list[CampaignView]:
        """Open and upcoming campaigns of the user's school."""
        async with self.env.sessions() as session:
            return await cards.listing(session, tg_user_id=tg_user_id)

    async def card(self, *, tg_user_id: int, campaign_id: int) -> CampaignCard:
        """One campaign's card as the user sees it."""
        async with self.env.sessions() as session:
            shown = await cards.card(session, tg_user_id=tg_user_id, campaign_id=campaign_id)
            return await _card(session, tg_user_id, shown)

    # ------------------------------------------------------------------ taking part

    async def register(self, *, tg_user_id: int, campaign_id: int, title_id: int) -> CampaignCard:
        """Register (or change) one's title; the card as it is now."""
        async with self.env.sessions() as session:
            shown = await registrations.register(
                session,
                tg_user_id=tg_user_id,
                campaign_id=campaign_id,
                title_id=title_id,
                now=self.now(),
            )
            return await _card(session, tg_user_id, shown)

    async def withdraw(self, *, tg_user_id: int, campaign_id: int) -> CampaignCard:
        """Withdraw one's registration; the card as it is now."""
        async with self.env.sessions() as session:
            shown = await registrations.withdraw_registration(
                session, tg_user_id=tg_user_id, campaign_id=campaign_id, now=self.now()
            )
            return await _card(session, tg_user_id, shown)

    async def join(self, *, tg_user_id: int, campaign_id: int) -> CampaignCard:
        """Join an opt-in campaign; the card as it is now."""
        async with self.env.sessions() as session:
            shown = await registrations.join(
                session, tg_user_id=tg_user_id, campaign_id=campaign_id, now=self.now()
            )
            return await _card(session, tg_user_id, shown)

    # ------------------------------------------------------------------ the leaders' changes

    async def begin_reschedule(self, *, tg_user_id: int, campaign_id: int) -> CampaignView:
        """A leader asks to change a campaign's dates: the dialogue waits for them."""
        async with self.env.sessions() as session:
            return await schedule.begin_reschedule(
                session, tg_user_id=tg_user_id, campaign_id=campaign_id, now=self.now()
            )

    async def closing_asked(self, *, tg_user_id: int, campaign_id: int) -> CampaignView:
        """The campaign a leader asks to close early, to name in the confirmation."""
        async with self.env.sessions() as session:
            return await schedule.closing_asked(
                session, tg_user_id=tg_user_id, campaign_id=campaign_id
            )

    async def close_early(self, *, tg_user_id: int, campaign_id: int) -> CampaignView:
        """Close a campaign now (confirmed); the closing notice goes out at once."""
        async with self.env.sessions() as session:
            return await schedule.close_early(
                session, tg_user_id=tg_user_id, campaign_id=campaign_id, now=self.now()
            )
