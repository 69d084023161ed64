"""Commendation proposals (đề nghị khen thưởng): a council member proposes, the chair decides.

A proposal starts from an approved story (its doer is commended) or from a title registration
(the registrant). The form comes from the school's list (Org.commendation_forms, plus the title
itself for a registrant) and the level from the school's levels; both are school settings. The
chair confirms or declines with a reason; one conditional UPDATE decides, so of two presses only
one wins. Every step is audited, and the notices go through the outbox in the same commit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from services import audit, conversations, outbox
from services.base import UseCases
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound
from services.people import COUNCIL_ROLES, Actor, require_role
from storage.models import (
    DEFAULT_FORMS,
    DEFAULT_LEVELS,
    Campaign,
    Department,
    Membership,
    MemberStatus,
    Org,
    Person,
    Proposal,
    ProposalStatus,
    Registration,
    Role,
    Story,
    StoryStatus,
    Title,
)
from ui.buttons import pack
from ui.texts import Texts

SOURCES = ("s", "r")  # a story, a registration
REASON_MAX = 500
TITLE_LEVEL = "Trường"  # a title registered at school is first recognised by the school
# Canned reasons to decline (defaults; free text is always possible in the private chat).
DECLINE_REASONS = (
    "Thành tích chưa đủ tiêu chuẩn cho hình thức này",
    "Đề nghị hình thức hoặc cấp khen khác",
    "Cần bình xét tại cuộc họp Hội đồng",
)
REASON_KIND = "proposal_reason"


@dataclass(frozen=True)
class FormChoice:
    """A form of commendation and the level that usually awards it."""

    name: str
    level: str


@dataclass(frozen=True)
class Target:
    """Who would be commended, for what, and the choices offered."""

    source: str
    source_id: int
    org_id: int
    person_id: int | None
    nominee: str
    nominee_text: str | None
    department: str
    achievement: str
    forms: list[FormChoice]
    levels: list[str]

    def default_level(self, form_index: int) -> int:
        """The index of the form's usual level among the levels."""
        level = self.forms[form_index].level
        return self.levels.index(level) if level in self.levels else 0


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


async def _council(session: AsyncSession, tg_user_id: int) -> Actor:
    try:
        who = await require_role(session, tg_user_id, COUNCIL_ROLES)
    except NotAllowed as refusal:
        if refusal.key in ("errors.not_member", "errors.role_needed"):
            raise NotAllowed("proposals.council_only") from None
        raise
    return who


async def check_council(session: AsyncSession, *, tg_user_id: int) -> None:
    """Refuse anyone but an active council member (who may dismiss a picker)."""
    await _council(session, tg_user_id)


async def _chair(session: AsyncSession, tg_user_id: int) -> Actor:
    try:
        return await require_role(session, tg_user_id, {Role.CHAIR})
    except NotAllowed as refusal:
        if refusal.key in ("errors.not_member", "errors.role_needed"):
            raise NotAllowed("errors.chair_only") from None
        raise


def _choices(org: Org) -> tuple[list[FormChoice], list[str]]:
    forms = [
        FormChoice(str(f.get("name", "")), str(f.get("level", "")))
        for f in (org.commendation_forms or list(DEFAULT_FORMS))
        if f.get("name")
    ]
    levels = list(org.levels or DEFAULT_LEVELS)
    for form in forms:
        if form.level and form.level not in levels:
            levels.append(form.level)
    return forms, levels


async def _department(session: AsyncSession, org_id: int, person_id: int | None) -> str:
    if person_id is None:
        return ""
    name = await session.scalar(
        select(Department.name)
        .join(Membership, Membership.department_id == Department.id)
        .where(Membership.org_id == org_id, Membership.person_id == person_id)
    )
    return name or ""


async def target(session: AsyncSession, *, tg_user_id: int, source: str, source_id: int) -> Target:
    """What a council member may propose for this story or registration (checked, not saved)."""
    who = await _council(session, tg_user_id)
    assert who.membership is not None and who.person is not None
    org = who.membership.org
    forms, levels = _choices(org)
    if source == "s":
        nominee_person = aliased(Person)
        row = (
            await session.execute(
                select(Story, nominee_person.full_name, Department.name)
                .outerjoin(nominee_person, nominee_person.id == Story.nominee_person_id)
                .outerjoin(Department, Department.id == Story.author_department_id)
                .where(Story.id == source_id)
            )
        ).first()
        if row is None or row[0].org_id != org.id:
            raise NotFound("errors.stale_button")
        story, person_name, author_dept = row
        if story.status != StoryStatus.APPROVED:
            raise Invalid("proposals.story_not_approved", story_id=story.id)
        person_id = story.nominee_person_id
        department = await _department(session, org.id, person_id) or (author_dept or "")
        result = Target(
            source,
            source_id,
            org.id,
            person_id,
            person_name or story.nominee_text or "",
            None if person_id else story.nominee_text,
            department,
            f"câu chuyện #{story.id}",
            forms,
            levels,
        )
    elif source == "r":
        found = (
            await session.execute(
                select(Registration, Person.full_name, Title.name, Campaign.org_id)
                .join(Person, Person.id == Registration.person_id)
                .join(Title, Title.id == Registration.title_id)
                .join(Campaign, Campaign.id == Registration.campaign_id)
                .where(Registration.id == source_id)
            )
        ).first()
        if found is None or found[3] != org.id:
            raise NotFound("errors.stale_button")
        registration, person_name, title, _ = found
        if registration.withdrawn_at is not None:
            raise Invalid("proposals.registration_withdrawn")
        result = Target(
            source,
            source_id,
            org.id,
            registration.person_id,
            person_name,
            None,
            await _department(session, org.id, registration.person_id),
            f"đăng ký danh hiệu {title}",
            [FormChoice(title, TITLE_LEVEL), *forms],
            levels if TITLE_LEVEL in levels else [*levels, TITLE_LEVEL],
        )
    else:
        raise Invalid("errors.bad_button")
    if result.person_id is not None and result.person_id == who.person.id:
        raise NotAllowed("proposals.own")
    return result


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
    who = await _council(session, tg_user_id)
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
    chairs = (
        await session.execute(
            select(Person.tg_user_id, Person.locale)
            .join(Membership, Membership.person_id == Person.id)
            .where(
                Membership.org_id == goal.org_id,
                Membership.role == Role.CHAIR,
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
                        pack("pc", proposal.id, True),
                    ),
                    (
                        texts.plain(locale, "proposals.decline_button"),
                        pack("pc", proposal.id, False),
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
        department=await _department(session, proposal.org_id, proposal.person_id),
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


async def check_can_decide(
    session: AsyncSession, *, proposal_id: int, chair_tg_id: int
) -> ProposalView:
    """Refuse early (before asking for a reason) when this person may not decide this proposal."""
    who = await _chair(session, chair_tg_id)
    proposal = await _own(session, proposal_id, who)
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
    """The chair confirms, or declines with a reason; exactly one decision wins; all are told."""
    who = await _chair(session, chair_tg_id)
    assert who.person is not None
    proposal = await _own(session, proposal_id, who)
    reason = " ".join((reason or "").split()) or None
    if not confirm and not reason:
        raise Invalid("stories.reason_needed")
    if reason and len(reason) > REASON_MAX:
        raise Invalid("stories.reason_too_long", limit=REASON_MAX)
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
    if await _awaiting(session, chair_tg_id, proposal_id):
        await conversations.end(session, chat_id=chair_tg_id, user_id=chair_tg_id)
    await session.commit()
    return result


async def _awaiting(session: AsyncSession, user_id: int, proposal_id: int) -> bool:
    convo = await conversations.current(session, chat_id=user_id, user_id=user_id)
    return (
        convo is not None
        and convo.kind == REASON_KIND
        and int(convo.data.get("proposal_id", 0)) == proposal_id
    )


async def await_reason(
    session: AsyncSession, *, chair_tg_id: int, proposal_id: int, now: datetime
) -> bool:
    """Wait for the chair's typed reason in the private chat; False if another dialogue is open
    there (then only the canned reasons are offered, so no draft is ever overwritten)."""
    await check_can_decide(session, proposal_id=proposal_id, chair_tg_id=chair_tg_id)
    convo = await conversations.current(session, chat_id=chair_tg_id, user_id=chair_tg_id)
    if convo is not None and convo.kind != REASON_KIND:
        return False
    await conversations.put(
        session,
        chat_id=chair_tg_id,
        user_id=chair_tg_id,
        kind=REASON_KIND,
        step="reason",
        data={"proposal_id": proposal_id},
        now=now,
    )
    await session.commit()
    return True


async def awaited(session: AsyncSession, *, chair_tg_id: int) -> int | None:
    """The proposal whose decline reason this chair is typing, if any."""
    convo = await conversations.current(session, chat_id=chair_tg_id, user_id=chair_tg_id)
    if convo is None or convo.kind != REASON_KIND:
        return None
    return int(convo.data["proposal_id"])


class Proposals(UseCases):
    """Commendation proposals: proposed by the council, confirmed by the chair."""
