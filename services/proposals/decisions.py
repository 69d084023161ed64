"""A proposal recorded and the chair told; the chair's decision (a reason to decline: see
services/reasons.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services import audit, outbox, reasons
from services.conversations import Kind
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound
from services.people import LEADERS, Actor, require_role
from services.proposals.targets import council, department_of, target
from services.reasons import ReasonDialogue
from storage.models import (
    Membership,
    MemberStatus,
    Person,
    Proposal,
    ProposalStatus,
    Registration,
    Role,
    Title,
)
from ui.buttons.proposals import ProposalChair
from ui.texts import Texts

# Canned reasons to decline (defaults; free text is always possible in the private chat).
DECLINE_REASONS = (
    "Thành tích chưa đủ tiêu chuẩn cho hình thức này",
    "Đề nghị hình thức hoặc cấp khen khác",
    "Cần bình xét tại cuộc họp Hội đồng",
)
# The chair's reason to decline, typed in the private chat: its row keeps {"proposal_id"}.
REASONS = ReasonDialogue(Kind.PROPOSAL_REASON, "proposal_id")


@dataclass(frozen=True)
class ProposalView:
    """A proposal as the templates show it."""

    id: int
    nominee: str
    department: str
    achievement: str
    form: str
    level: str
    status: str
    proposed_by: str
    proposed_at: datetime
    decided_by: str = ""
    decided_at: datetime | None = None
    reason: str = ""


def card_ref(proposal_id: int) -> str:
    """The outbox label of the chair's notice about a proposal (edited once decided)."""
    return f"proposal:{proposal_id}"


async def propose(
    session: AsyncSession,
    *,
    tg_user_id: int,
    source: str,
    source_id: int,
    form_index: int,
    level_index: int,
    texts: Texts,
    now: datetime,
) -> ProposalView:
    """Record a proposal and tell the chair, who confirms or declines it."""
    goal = await target(session, tg_user_id=tg_user_id, source=source, source_id=source_id)
    if form_index >= len(goal.forms) or level_index >= len(goal.levels):
        raise Invalid("errors.stale_button")
    form, level = goal.forms[form_index].name, goal.levels[level_index]
    who = await council(session, tg_user_id)
    assert who.person is not None
    story_id = source_id if source == "s" else None
    registration_id = source_id if source == "r" else None
    same = await session.scalar(
        select(Proposal.id).where(
            Proposal.org_id == goal.org_id,
            Proposal.story_id.is_(None) if story_id is None else Proposal.story_id == story_id,
            Proposal.registration_id.is_(None)
            if registration_id is None
            else Proposal.registration_id == registration_id,
            Proposal.form == form,
            Proposal.status.in_([ProposalStatus.PROPOSED, ProposalStatus.CONFIRMED]),
        )
    )
    if same is not None:
        raise AlreadyDone("proposals.duplicate", form=form, nominee=goal.nominee)
    proposal = Proposal(
        org_id=goal.org_id,
        story_id=story_id,
        registration_id=registration_id,
        person_id=goal.person_id,
        nominee_text=goal.nominee_text,
        form=form,
        level=level,
        status=ProposalStatus.PROPOSED,
        proposed_by=who.person.id,
        proposed_at=now,
    )
    session.add(proposal)
    await session.flush()
    await audit.record(
        session,
        org_id=goal.org_id,
        actor_id=who.person.id,
        action="proposal.create",
        target=f"proposal:{proposal.id}",
        now=now,
        story=story_id,
        registration=registration_id,
        form=form,
        level=level,
    )
    result = await view(session, proposal.id)
    # The chair decides, unless the proposal names her: then the vice-chair does.
    names_the_chair = goal.person_id is not None and goal.person_id == await _chair_id(
        session, goal.org_id
    )
    chairs = (
        await session.execute(
            select(Person.tg_user_id, Person.locale)
            .join(Membership, Membership.person_id == Person.id)
            .where(
                Membership.org_id == goal.org_id,
                Membership.role == (Role.VICE_CHAIR if names_the_chair else Role.CHAIR),
                Membership.status == MemberStatus.ACTIVE,
            )
        )
    ).all()
    for chair_tg_id, locale in chairs:
        locale = texts.locale(locale)
        outbox.enqueue_message(
            session,
            chat_id=chair_tg_id,
            now=now,
            ref=card_ref(proposal.id),
            text=texts.render(locale, "proposals.chair_notice", proposal=result),
            buttons=[
                [
                    (
                        texts.plain(locale, "proposals.confirm_button"),
                        ProposalChair(proposal.id, confirm=True).pack(),
                    ),
                    (
                        texts.plain(locale, "proposals.decline_button"),
                        ProposalChair(proposal.id, confirm=False).pack(),
                    ),
                ]
            ],
        )
    await session.commit()
    return result


async def view(session: AsyncSession, proposal_id: int) -> ProposalView:
    """A proposal as the templates show it."""
    proposer, decider, nominee = aliased(Person), aliased(Person), aliased(Person)
    row = (
        await session.execute(
            select(
                Proposal,
                proposer.full_name,
                decider.full_name,
                nominee.full_name,
                Title.name,
            )
            .join(proposer, proposer.id == Proposal.proposed_by)
            .outerjoin(decider, decider.id == Proposal.decided_by)
            .outerjoin(nominee, nominee.id == Proposal.person_id)
            .outerjoin(Registration, Registration.id == Proposal.registration_id)
            .outerjoin(Title, Title.id == Registration.title_id)
            .where(Proposal.id == proposal_id)
            .execution_options(populate_existing=True)
        )
    ).first()
    if row is None:
        raise NotFound("errors.stale_button")
    proposal, proposer_name, decider_name, nominee_name, title = row
    achievement = (
        f"câu chuyện #{proposal.story_id}"
        if proposal.story_id is not None
        else f"đăng ký danh hiệu {title or ''}".strip()
    )
    return ProposalView(
        id=proposal.id,
        nominee=nominee_name or proposal.nominee_text or "",
        department=await department_of(session, proposal.org_id, proposal.person_id),
        achievement=achievement,
        form=proposal.form,
        level=proposal.level,
        status=str(proposal.status),
        proposed_by=proposer_name,
        proposed_at=proposal.proposed_at,
        decided_by=decider_name or "",
        decided_at=proposal.decided_at,
        reason=proposal.reason or "",
    )


async def _own(session: AsyncSession, proposal_id: int, who: Actor) -> Proposal:
    proposal = await session.get(Proposal, proposal_id)
    if proposal is None or who.membership is None or proposal.org_id != who.membership.org_id:
        raise NotFound("errors.stale_button")
    return proposal


async def _chair_id(session: AsyncSession, org_id: int) -> int | None:
    """The person who chairs the school's council now."""
    return await session.scalar(
        select(Membership.person_id).where(
            Membership.org_id == org_id,
            Membership.role == Role.CHAIR,
            Membership.status == MemberStatus.ACTIVE,
        )
    )


async def decider(
    session: AsyncSession, tg_user_id: int, proposal_id: int
) -> tuple[Actor, Proposal]:
    """Who may decide this proposal: the chair, unless it names her; then the vice-chair.

    Nobody decides anything that names them, the chair included.
    """
    try:
        who = await require_role(session, tg_user_id, LEADERS)
    except NotAllowed as refusal:
        if refusal.key in ("errors.not_member", "errors.role_needed"):
            raise NotAllowed("errors.chair_only") from None
        raise
    assert who.person is not None
    proposal = await _own(session, proposal_id, who)
    names_the_chair = proposal.person_id is not None and proposal.person_id == await _chair_id(
        session, proposal.org_id
    )
    if who.role == Role.CHAIR and names_the_chair:
        raise NotAllowed("proposals.own_decision")
    if who.role != Role.CHAIR and not names_the_chair:
        raise NotAllowed("errors.chair_only")
    return who, proposal


async def check_can_decide(
    session: AsyncSession, *, proposal_id: int, chair_tg_id: int
) -> ProposalView:
    """Refuse early (before asking for a reason) when this person may not decide this proposal."""
    _, proposal = await decider(session, chair_tg_id, proposal_id)
    if proposal.status != ProposalStatus.PROPOSED:
        raise AlreadyDone("proposals.already_decided", proposal_id=proposal_id)
    return await view(session, proposal_id)


async def decide(
    session: AsyncSession,
    *,
    proposal_id: int,
    chair_tg_id: int,
    confirm: bool,
    reason: str | None,
    texts: Texts,
    now: datetime,
) -> ProposalView:
    """The chair (the vice-chair for a proposal naming the chair) confirms, or declines with a
    reason; exactly one decision wins; all are told."""
    who, proposal = await decider(session, chair_tg_id, proposal_id)
    assert who.person is not None
    reason = reasons.clean(reason, required=not confirm)
    status = ProposalStatus.CONFIRMED if confirm else ProposalStatus.DECLINED
    changed = await session.execute(
        update(Proposal)
        .where(Proposal.id == proposal_id, Proposal.status == ProposalStatus.PROPOSED)
        .values(status=status, decided_by=who.person.id, decided_at=now, reason=reason)
    )
    if getattr(changed, "rowcount", 0) != 1:
        await session.rollback()
        raise AlreadyDone("proposals.already_decided", proposal_id=proposal_id)
    await audit.record(
        session,
        org_id=proposal.org_id,
        actor_id=who.person.id,
        action="proposal.confirm" if confirm else "proposal.decline",
        target=f"proposal:{proposal_id}",
        now=now,
        reason=reason,
    )
    result = await view(session, proposal_id)
    chair_locale = texts.locale(who.person.locale)
    await outbox.enqueue_edits(
        session,
        ref=card_ref(proposal_id),
        now=now,
        buttons=None,
        text=texts.render(chair_locale, "proposals.chair_notice", proposal=result),
    )
    proposer = await session.get_one(Person, proposal.proposed_by)
    if proposer.id != who.person.id:
        outbox.enqueue_message(
            session,
            chat_id=proposer.tg_user_id,
            now=now,
            text=texts.render(
                texts.locale(proposer.locale), "proposals.decided_notice", proposal=result
            ),
        )
    await REASONS.forget(session, user_id=chair_tg_id, subject_id=proposal_id)
    await session.commit()
    return result


async def await_reason(
    session: AsyncSession, *, chair_tg_id: int, proposal_id: int, now: datetime
) -> bool:
    """Wait for the chair's typed reason in the private chat; False if another dialogue is open
    there (then only the canned reasons are offered, so no draft is ever overwritten)."""
    await check_can_decide(session, proposal_id=proposal_id, chair_tg_id=chair_tg_id)
    return await REASONS.wait(session, user_id=chair_tg_id, subject_id=proposal_id, now=now)


async def awaited(session: AsyncSession, *, chair_tg_id: int) -> int | None:
    """The proposal whose decline reason this chair is typing, if any."""
    owed = await REASONS.owed(session, chat_id=chair_tg_id, user_id=chair_tg_id)
    return None if owed is None else owed.subject_id
