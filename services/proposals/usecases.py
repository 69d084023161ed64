"""The proposals' use cases: each method one unit of work (see services/base.py)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from services import reasons, school
from services.base import UseCases
from services.proposals import decisions, targets
from services.proposals.decisions import ProposalView
from services.proposals.targets import Target


class Proposals(UseCases):
    """Commendation proposals: proposed by the council, confirmed by the chair."""

    async def target(self, *, tg_user_id: int, source: str, source_id: int) -> Target:
        """What a council member may propose for this story or registration."""
        async with self.env.sessions() as session:
            return await targets.target(
                session, tg_user_id=tg_user_id, source=source, source_id=source_id
            )

    async def propose(
        self, *, tg_user_id: int, source: str, source_id: int, form_index: int, level_index: int
    ) -> ProposalView:
        """Record a proposal and tell the chair."""
        async with self.env.sessions() as session:
            return await decisions.propose(
                session,
                tg_user_id=tg_user_id,
                source=source,
                source_id=source_id,
                form_index=form_index,
                level_index=level_index,
                texts=self.texts,
                now=self.now(),
            )

    async def check_council(self, *, tg_user_id: int, chat_id: int | None = None) -> str:
        """Refuse anyone but an active council member of the school whose chat this is; else
        their registered name."""
        async with self.env.sessions() as session:
            return await targets.check_council(session, tg_user_id=tg_user_id, chat_id=chat_id)

    async def confirm(self, *, proposal_id: int, chair_tg_id: int) -> ProposalView:
        """The chair confirms a proposal."""
        async with self.env.sessions() as session:
            return await decisions.decide(
                session,
                proposal_id=proposal_id,
                chair_tg_id=chair_tg_id,
                confirm=True,
                reason=None,
                texts=self.texts,
                now=self.now(),
            )

    async def ask_reason(
        self, *, proposal_id: int, chair_tg_id: int
    ) -> tuple[ProposalView, bool, list[str]]:
        """The chair means to decline: the proposal, whether a typed reason is awaited in the
        private chat, and the school's quick reasons (lists.reasons_decline)."""
        async with self.env.sessions() as session:
            typed = await decisions.await_reason(
                session, chair_tg_id=chair_tg_id, proposal_id=proposal_id, now=self.now()
            )
            picks = await _decline_reasons(session, chair_tg_id)
            return await decisions.view(session, proposal_id), typed, picks

    async def owed_reason(self, *, chair_tg_id: int) -> int | None:
        """The proposal whose decline reason this chair is typing, if any."""
        async with self.env.sessions() as session:
            return await decisions.awaited(session, chair_tg_id=chair_tg_id)

    async def decline(
        self,
        *,
        proposal_id: int,
        chair_tg_id: int,
        reason: str | None = None,
        canned: int | None = None,
    ) -> ProposalView:
        """The chair declines a proposal with a reason (typed, or the school's quick reason
        number `canned`); all are told."""
        async with self.env.sessions() as session:
            if reason is None:
                await decisions.decider(session, chair_tg_id, proposal_id)  # who may, first
                reason = reasons.canned(await _decline_reasons(session, chair_tg_id), canned or 0)
            return await decisions.decide(
                session,
                proposal_id=proposal_id,
                chair_tg_id=chair_tg_id,
                confirm=False,
                reason=reason,
                texts=self.texts,
                now=self.now(),
            )


async def _decline_reasons(session: AsyncSession, chair_tg_id: int) -> list[str]:
    return await school.member_list(session, chair_tg_id, "lists.reasons_decline")
