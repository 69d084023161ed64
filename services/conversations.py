"""Durable dialogue state: the step and draft of each user's guided conversation, one row each.

Every step is written in the transaction of the step itself, so a crash or restart never loses a
draft or sends a user back to the start.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.base import UseCases
from services.people import Standing, actor, standing_of
from storage.models import Conversation


class Kind(StrEnum):
    """The dialogues a user can be in (stored as `Conversation.kind`)."""

    JOIN = "join"  # a newcomer's name, then department
    PROFILE = "profile"  # the chair completing her own profile
    DEPARTMENT = "dept"  # the chair naming a department (add / rename)
    REPORT = "report"  # a teacher writing a good-deed story
    REASON = "reason"  # a council member's reason for a story decision
    CAMPAIGN = "campaign"  # a leader's new campaign
    CAMPAIGN_EDIT = "campaign_edit"  # a leader changing a campaign's dates
    BROADCAST = "broadcast"  # a leader's announcement
    CHANNEL = "channel"  # the chair naming the school's channel
    PROPOSAL_REASON = "proposal_reason"  # the chair's reason for declining a proposal
    SETTING = "setting"  # the chair typing a new value for one of the school's settings
    FACTS = "facts"  # a leader typing one person's facts (start date, discipline, initiative)
    DEPT_NOTE = "dept_note"  # a department head's note on the department's proposals
    MEETING = "meeting"  # the chair scheduling the judging meeting (when, where, agenda)
    ABSENCE = "absence"  # a council member's reason for missing the meeting
    REMARKS = "remarks"  # the secretary's remarks for the minutes
    # ---- reviews ----
    SCORE = "review_score"  # a reviewer filling a score sheet (marks, then a comment)
    INITIATIVE = "initiative"  # a member registering an initiative (title, field, problem)
    INITIATIVE_FILE = "initiative_file"  # an author sending the write-up (DOCX/PDF) and photos
    OBJECTION = "objection"  # a member filing an objection to the published result list
    OBJECTION_ANSWER = "objection_answer"  # the chair (or her assignee) answering one
    # ---- achievements ----
    ACHIEVEMENT = "achievement"  # a nominee writing the achievement report, step by step
    ACHIEVEMENT_NOTE = "achievement_note"  # a head's note sending a report back
    # ---- decisions ----
    DECISION = "decision"  # the chair recording the deciding level's decision


class NoDraft(Exception):
    """The user has no draft of the kind asked for (callers turn it into their own refusal)."""


class Drafts:
    """One kind of draft kept in the user's private conversation row: step and data, durable.

    Every step is written in the transaction of the step itself, so a restart picks the draft up
    where it was. Stories, broadcasts and campaigns keep their drafts this way.
    """

    def __init__(self, kind: Kind) -> None:
        self.kind = kind

    async def load(self, session: AsyncSession, tg_user_id: int) -> Conversation:
        """The user's draft of this kind; NoDraft if they have none."""
        convo = await current(session, chat_id=tg_user_id, user_id=tg_user_id)
        if convo is None or convo.kind != self.kind:
            raise NoDraft(self.kind)
        return convo

    async def save(
        self,
        session: AsyncSession,
        tg_user_id: int,
        step: str,
        data: dict[str, Any],
        now: datetime,
    ) -> None:
        """Move the draft to `step` with `data` and commit."""
        await put(
            session,
            chat_id=tg_user_id,
            user_id=tg_user_id,
            kind=self.kind,
            step=step,
            data=data,
            now=now,
        )
        await session.commit()

    async def discard(self, session: AsyncSession, tg_user_id: int) -> bool:
        """Throw this draft away (no other dialogue) and commit; True if there was one."""
        ended = await end(session, chat_id=tg_user_id, user_id=tg_user_id, kind=self.kind)
        await session.commit()
        return ended


async def current(session: AsyncSession, *, chat_id: int, user_id: int) -> Conversation | None:
    """The conversation this user is in, in this chat, if any."""
    return await session.scalar(
        select(Conversation).where(Conversation.chat_id == chat_id, Conversation.user_id == user_id)
    )


async def put(
    session: AsyncSession,
    *,
    chat_id: int,
    user_id: int,
    kind: str,
    step: str,
    data: dict[str, Any],
    now: datetime,
) -> Conversation:
    """Start or move a conversation to `step` with `data` (part of the caller's transaction)."""
    row = await current(session, chat_id=chat_id, user_id=user_id)
    if row is None:
        row = Conversation(chat_id=chat_id, user_id=user_id, kind=kind, step=step, data=data)
        session.add(row)
    row.kind, row.step, row.data, row.updated_at = kind, step, dict(data), now
    await session.flush()
    return row


async def end(
    session: AsyncSession, *, chat_id: int, user_id: int, kind: str | None = None
) -> bool:
    """Forget the user's conversation in this chat (with `kind`: only a dialogue of that kind, so
    an old button of one dialogue never ends another); True if there was one."""
    query = delete(Conversation).where(
        Conversation.chat_id == chat_id, Conversation.user_id == user_id
    )
    if kind is not None:
        query = query.where(Conversation.kind == kind)
    result = await session.execute(query)
    return bool(getattr(result, "rowcount", 0))


@dataclass(frozen=True)
class Where:
    """Where a user is: their dialogue's kind, step and data (kind None: in no dialogue, or in one
    this version does not know); `standing` (who they are) only when in no dialogue."""

    kind: Kind | None
    step: str
    data: dict[str, Any] = field(default_factory=dict)
    standing: Standing | None = None


class Conversations(UseCases):
    """The durable dialogue each user is in."""

    async def where(self, tg_user_id: int) -> Where:
        """The dialogue this user is in, in their private chat (or who they are, if in none)."""
        async with self.env.sessions() as session:
            convo = await current(session, chat_id=tg_user_id, user_id=tg_user_id)
            if convo is None:
                return Where(None, "", {}, standing_of(await actor(session, tg_user_id)))
        try:
            kind: Kind | None = Kind(convo.kind)
        except ValueError:  # a dialogue of an older version
            kind = None
        return Where(kind, convo.step, dict(convo.data), None)

    async def cancel(self, *, chat_id: int, user_id: int) -> Cancelled:
        """Leave whatever dialogue the user is in, in this chat, and the same wait kept in their
        other chats: a reason owed is awaited both as a reply to its prompt and privately
        (services/reasons.py), and a cancel ends every wait it announces."""
        async with self.env.sessions() as session:
            row = await current(session, chat_id=chat_id, user_id=user_id)
            if row is None:
                return Cancelled(False)
            same = await session.scalars(
                select(Conversation).where(
                    Conversation.user_id == user_id, Conversation.kind == row.kind
                )
            )
            prompts = set()
            for other in same.all():
                if other is row or other.data == row.data:
                    data = other.data
                    if "prompt_chat" in data:  # a reason's prompts, to close
                        chat = int(data["prompt_chat"])
                        prompts.add((chat, int(data["prompt_id"])))
                        if "typed_id" in data:
                            prompts.add((chat, int(data["typed_id"])))
                    await session.delete(other)
            await session.commit()
        return Cancelled(True, frozenset(prompts))


@dataclass(frozen=True)
class Cancelled:
    """What a cancel ended: whether anything, and the reason prompts it left unanswered (to be
    closed, so their buttons are not pressed as if the wait went on)."""

    ended: bool
    prompts: frozenset[tuple[int, int]] = frozenset()

    def __bool__(self) -> bool:
        return self.ended
