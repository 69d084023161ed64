"""The council's review of a story: decide (with a reason when not approving), the chair's
reopening, the author's withdrawal.

A decision is one conditional UPDATE (`WHERE status = 'pending'`): of two simultaneous decisions
exactly one changes a row; the other is refused. Notices to the author and the edit of the
council card are outbox rows in the decision's own transaction, so a crash after the commit
delays them but never loses them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, outbox, reasons, school
from services.conversations import Kind
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound
from services.people import COUNCIL_ROLES, Actor, require_role
from services.reasons import Prompt, ReasonDialogue
from services.stories.cards import decided_buttons, decision_buttons, may_publish, render_card, view
from services.stories.common import StoryView, card_ref, load, member
from storage.models import Person, Role, Story, StoryStatus
from ui.buttons.stories import StoryResubmit
from ui.texts import Texts


async def canned_reasons(session: AsyncSession, tg_user_id: int, verdict: str) -> list[str]:
    """The quick reasons of the member's school for this verdict (its settings)."""
    key = {"reject": "lists.reasons_reject", "changes": "lists.reasons_changes"}.get(verdict)
    return await school.member_list(session, tg_user_id, key) if key else []


# The defaults of lists.reasons_reject / lists.reasons_changes (services/school/defaults.toml),
# kept for the tests that name them.
DEFAULT_REASONS = {
    "reject": [
        "Trùng với câu chuyện đã gửi",
        "Không thuộc phạm vi phong trào",
        "Nội dung chưa phù hợp để nêu gương",
    ],
    "changes": [
        "Cần bổ sung thời gian, địa điểm",
        "Cần ghi rõ người được nêu gương",
        "Cần thêm ảnh minh chứng",
        "Nội dung quá ngắn, đề nghị viết rõ hơn",
    ],
}
VERDICTS = {
    "approve": StoryStatus.APPROVED,
    "reject": StoryStatus.REJECTED,
    "changes": StoryStatus.CHANGES,
}

# A reason owed for a story: its rows keep {"story_id", "verdict", "prompt_chat", "prompt_id"}.
REASONS = ReasonDialogue(Kind.REASON, "story_id")


async def _reviewer(session: AsyncSession, tg_user_id: int, story: Story) -> Person:
    who = await require_role(session, tg_user_id, COUNCIL_ROLES)
    if who.membership is None or who.person is None or who.membership.org_id != story.org_id:
        raise NotAllowed("stories.council_only")
    if who.person.id in (story.author_id, story.nominee_person_id):
        raise NotAllowed("stories.own_story")
    return who.person


async def check_can_decide(
    session: AsyncSession, *, story_id: int, reviewer_tg_id: int
) -> StoryView:
    """Refuse early (before asking for a reason) when this person may not decide this story."""
    story = await load(session, story_id)
    if story is None:
        raise NotFound("errors.stale_button")
    try:
        await _reviewer(session, reviewer_tg_id, story)
    except NotAllowed as refusal:
        if refusal.key == "errors.not_member" or refusal.key == "errors.role_needed":
            raise NotAllowed("stories.council_only") from None
        raise
    if story.status != StoryStatus.PENDING:
        raise AlreadyDone(_closed_key(story.status), story_id=story.id)
    return await view(session, story_id)


def _closed_key(status: StoryStatus) -> str:
    return {
        StoryStatus.WITHDRAWN: "stories.was_withdrawn",
        StoryStatus.SUPERSEDED: "stories.was_superseded",
    }.get(status, "stories.already_decided")


async def decide(
    session: AsyncSession,
    *,
    story_id: int,
    reviewer_tg_id: int,
    verdict: str,
    reason: str | None,
    texts: Texts,
    now: datetime,
) -> StoryView:
    """Approve, reject or ask for changes; exactly one decision wins; the author is told."""
    status = VERDICTS.get(verdict)
    if status is None:
        raise Invalid("errors.bad_button")
    story = await load(session, story_id)
    if story is None:
        raise NotFound("errors.stale_button")
    try:
        reviewer = await _reviewer(session, reviewer_tg_id, story)
    except NotAllowed as refusal:
        if refusal.key in ("errors.not_member", "errors.role_needed"):
            raise NotAllowed("stories.council_only") from None
        raise
    reason = reasons.clean(reason, required=status != StoryStatus.APPROVED)
    changed = await session.execute(
        update(Story)
        .where(Story.id == story_id, Story.status == StoryStatus.PENDING)
        .values(status=status, decided_by=reviewer.id, decided_at=now, reason=reason)
    )
    if getattr(changed, "rowcount", 0) != 1:
        await session.rollback()
        current = await load(session, story_id)
        raise AlreadyDone(
            _closed_key(current.status if current else StoryStatus.APPROVED), story_id=story_id
        )
    await audit.record(
        session,
        org_id=story.org_id,
        actor_id=reviewer.id,
        action=f"story.{verdict}",
        target=f"story:{story_id}",
        now=now,
        reason=reason,
    )
    result = await view(session, story_id)
    await _after_decision(session, result, texts, now)
    await session.commit()
    return result


async def _after_decision(
    session: AsyncSession, story: StoryView, texts: Texts, now: datetime
) -> None:
    await outbox.enqueue_edits(
        session,
        ref=card_ref(story.id),
        now=now,
        text=render_card(texts, story),
        buttons=decided_buttons(
            texts,
            story.id,
            publishable=story.status == StoryStatus.APPROVED
            and may_publish(story.nominee_kind, story.pupil_consent, story.child_consent),
            approved=story.status == StoryStatus.APPROVED,
        ),
    )
    author = await session.scalar(select(Person).where(Person.tg_user_id == story.author_tg_id))
    locale = texts.locale(author.locale if author else None)
    buttons = None
    if story.status == StoryStatus.CHANGES:
        buttons = [
            [(texts.plain(locale, "stories.resubmit_button"), StoryResubmit(story.id).pack())]
        ]
    outbox.enqueue_message(
        session,
        chat_id=story.author_tg_id,
        now=now,
        buttons=buttons,
        text=texts.render(locale, "stories.decision_notice", story=story),
    )


async def _reopener(session: AsyncSession, chair_tg_id: int, story_id: int) -> tuple[Actor, Story]:
    who = await require_role(session, chair_tg_id, {Role.CHAIR})
    story = await load(session, story_id)
    if story is None or who.membership is None or story.org_id != who.membership.org_id:
        raise NotFound("errors.stale_button")
    if who.person is not None and who.person.id in (story.author_id, story.nominee_person_id):
        raise NotAllowed("stories.own_story")
    return who, story


def _not_reopenable(status: StoryStatus, story_id: int) -> AlreadyDone:
    if status in (StoryStatus.WITHDRAWN, StoryStatus.SUPERSEDED):
        return AlreadyDone(_closed_key(status), story_id=story_id)
    return AlreadyDone("stories.not_decided")


async def check_can_reopen(session: AsyncSession, *, story_id: int, chair_tg_id: int) -> None:
    """Refuse early (before asking for a reason) when the chair may not reopen this story."""
    _, story = await _reopener(session, chair_tg_id, story_id)
    if story.status not in (StoryStatus.APPROVED, StoryStatus.REJECTED, StoryStatus.CHANGES):
        raise _not_reopenable(story.status, story_id)


async def reopen(
    session: AsyncSession,
    *,
    story_id: int,
    chair_tg_id: int,
    reason: str | None,
    texts: Texts,
    now: datetime,
) -> StoryView:
    """The chair reopens a decided story (with a reason): it waits for the council again."""
    who, story = await _reopener(session, chair_tg_id, story_id)
    reason = " ".join((reason or "").split())
    if not reason:
        raise Invalid("stories.reason_needed")
    decided = (StoryStatus.APPROVED, StoryStatus.REJECTED, StoryStatus.CHANGES)
    changed = await session.execute(
        update(Story)
        .where(Story.id == story_id, Story.status.in_(decided))
        .values(status=StoryStatus.PENDING, decided_by=None, decided_at=None, reason=None)
    )
    if getattr(changed, "rowcount", 0) != 1:
        await session.rollback()
        current = await load(session, story_id)
        raise _not_reopenable(current.status if current else StoryStatus.PENDING, story_id)
    await audit.record(
        session,
        org_id=story.org_id,
        actor_id=who.person.id if who.person else None,
        action="story.reopen",
        target=f"story:{story_id}",
        now=now,
        reason=reason,
        before=str(story.status),
    )
    result = await view(session, story_id)
    await outbox.enqueue_edits(
        session,
        ref=card_ref(story_id),
        now=now,
        text=render_card(texts, result),
        buttons=decision_buttons(texts, story_id),
    )
    author = await session.get_one(Person, story.author_id)
    outbox.enqueue_message(
        session,
        chat_id=author.tg_user_id,
        now=now,
        text=texts.render(
            texts.locale(author.locale), "stories.reopened_notice", story=result, reason=reason
        ),
    )
    await session.commit()
    return result


async def withdraw(
    session: AsyncSession, *, story_id: int, author_tg_id: int, texts: Texts, now: datetime
) -> StoryView:
    """The author takes back a story that is still waiting; the card says so."""
    person, _ = await member(session, author_tg_id)
    changed = await session.execute(
        update(Story)
        .where(
            Story.id == story_id, Story.author_id == person.id, Story.status == StoryStatus.PENDING
        )
        .values(status=StoryStatus.WITHDRAWN, decided_at=now)
    )
    if getattr(changed, "rowcount", 0) != 1:
        await session.rollback()
        raise AlreadyDone("stories.cannot_withdraw")
    result = await view(session, story_id)
    await audit.record(
        session,
        org_id=await session.scalar(select(Story.org_id).where(Story.id == story_id)),
        actor_id=person.id,
        action="story.withdraw",
        target=f"story:{story_id}",
        now=now,
    )
    await outbox.enqueue_edits(
        session, ref=card_ref(story_id), now=now, text=render_card(texts, result), buttons=None
    )
    await session.commit()
    return result


async def await_reason(
    session: AsyncSession,
    *,
    user_id: int,
    story_id: int,
    verdict: str,
    prompt_chat: int,
    prompt_id: int,
    now: datetime,
    typed: int | None = None,
) -> None:
    """Remember that this member owes a reason: as a reply in the group (to the prompt, or to
    `typed`, the message whose reply box asks for it), or privately (services/reasons.py)."""
    await REASONS.wait(
        session,
        user_id=user_id,
        subject_id=story_id,
        now=now,
        verdict=verdict,
        prompt=(prompt_chat, prompt_id),
        typed=typed,
    )


async def forget_reasons(session: AsyncSession, *, user_id: int, story_id: int) -> set[Prompt]:
    """End this member's reason dialogues for a story; return the prompts to mark as done."""
    prompts = await REASONS.forget(session, user_id=user_id, subject_id=story_id)
    await session.commit()
    return prompts
