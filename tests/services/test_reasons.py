"""The shared reason dialogue (services/reasons.py), on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest

from services import conversations, reasons
from services.base import Env
from services.conversations import Kind
from services.errors import Invalid
from services.reasons import ReasonDialogue
from storage.db import SessionFactory
from ui.texts import Texts

STORY = ReasonDialogue(Kind.REASON, "story_id")
PROPOSAL = ReasonDialogue(Kind.PROPOSAL_REASON, "proposal_id")
USER, GROUP = 1001, -1001234567890


async def test_a_reason_is_owed_in_the_group_and_privately_until_forgotten(
    sessions: SessionFactory, now: datetime
) -> None:
    async with sessions() as s:
        private = await STORY.wait(
            s, user_id=USER, subject_id=7, now=now, verdict="reject", prompt=(GROUP, 55)
        )
    assert private
    async with sessions() as s:
        in_group = await STORY.owed(s, chat_id=GROUP, user_id=USER)
        in_private = await STORY.owed(s, chat_id=USER, user_id=USER)
        row = await conversations.current(s, chat_id=USER, user_id=USER)
    assert in_group == in_private == reasons.Owed(7, "reject", (GROUP, 55))
    assert row is not None and row.data == {
        "story_id": 7,
        "verdict": "reject",
        "prompt_chat": GROUP,
        "prompt_id": 55,
    }
    async with sessions() as s:
        assert await PROPOSAL.owed(s, chat_id=USER, user_id=USER) is None  # another kind
        assert await STORY.forget(s, user_id=USER, subject_id=8) == set()
        assert await STORY.forget(s, user_id=USER, subject_id=7) == {(GROUP, 55)}
        await s.commit()
    async with sessions() as s:
        assert await STORY.owed(s, chat_id=GROUP, user_id=USER) is None
        assert await STORY.owed(s, chat_id=USER, user_id=USER) is None


async def test_a_private_dialogue_in_progress_is_never_taken_over(
    sessions: SessionFactory, now: datetime
) -> None:
    async with sessions() as s:
        await conversations.put(
            s, chat_id=USER, user_id=USER, kind=Kind.REPORT, step="text", data={}, now=now
        )
        await s.commit()
    async with sessions() as s:
        assert not await PROPOSAL.wait(s, user_id=USER, subject_id=3, now=now)
        assert not await STORY.wait(
            s, user_id=USER, subject_id=7, now=now, verdict="changes", prompt=(GROUP, 9)
        )
    async with sessions() as s:
        row = await conversations.current(s, chat_id=USER, user_id=USER)
        assert row is not None and row.kind == Kind.REPORT  # the draft is untouched
        assert await STORY.owed(s, chat_id=GROUP, user_id=USER) == reasons.Owed(
            7, "changes", (GROUP, 9)
        )


async def test_a_proposal_reason_is_private_and_has_no_prompt(
    sessions: SessionFactory, now: datetime
) -> None:
    async with sessions() as s:
        assert await PROPOSAL.wait(s, user_id=USER, subject_id=3, now=now)
        assert await PROPOSAL.wait(s, user_id=USER, subject_id=4, now=now)  # the newer wins
    async with sessions() as s:
        row = await conversations.current(s, chat_id=USER, user_id=USER)
        assert row is not None and row.data == {"proposal_id": 4}
        assert await PROPOSAL.owed(s, chat_id=USER, user_id=USER) == reasons.Owed(4, "", None)
        assert await PROPOSAL.forget(s, user_id=USER, subject_id=4) == set()


def test_reasons_are_folded_required_and_bounded() -> None:
    assert reasons.clean("  Thiếu \n ảnh  ", required=True) == "Thiếu ảnh"
    assert reasons.clean(" ", required=False) is None
    with pytest.raises(Invalid) as needed:
        reasons.clean(" \n", required=True)
    assert needed.value.key == "stories.reason_needed"
    with pytest.raises(Invalid) as long:
        reasons.clean("x" * (reasons.REASON_MAX + 1), required=False)
    assert long.value.key == "stories.reason_too_long"
    assert reasons.canned(["a", "b"], 1) == "b"
    with pytest.raises(Invalid) as forged:
        reasons.canned(["a", "b"], 2)
    assert forged.value.key == "errors.bad_button"


async def test_issue17_item6_a_cancel_in_either_chat_ends_the_wait_in_both(
    sessions: SessionFactory, now: datetime, texts: Texts
) -> None:
    use = conversations.Conversations(
        Env(sessions=sessions, texts=texts, clock=lambda: now, tz=texts.tz)
    )
    for cancelled_in, other in ((GROUP, USER), (USER, GROUP)):
        async with sessions() as s:
            await STORY.wait(
                s, user_id=USER, subject_id=7, now=now, verdict="changes", prompt=(GROUP, 55)
            )
        cancelled = await use.cancel(chat_id=cancelled_in, user_id=USER)
        assert cancelled.ended and cancelled.prompts == {(GROUP, 55)}
        async with sessions() as s:
            assert await STORY.owed(s, chat_id=other, user_id=USER) is None
    # Another dialogue of the user is not ended by a cancel elsewhere.
    async with sessions() as s:
        await conversations.put(
            s, chat_id=USER, user_id=USER, kind=Kind.REPORT, step="text", data={}, now=now
        )
        await STORY.wait(
            s, user_id=USER, subject_id=7, now=now, verdict="reject", prompt=(GROUP, 56)
        )
    cancelled = await use.cancel(chat_id=GROUP, user_id=USER)
    assert cancelled.ended and cancelled.prompts == {(GROUP, 56)}
    async with sessions() as s:
        row = await conversations.current(s, chat_id=USER, user_id=USER)
    assert row is not None and row.kind == Kind.REPORT
    assert not (await use.cancel(chat_id=GROUP, user_id=USER)).ended
