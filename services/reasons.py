"""The "reply with your reason" step, shared by every decision that may need one (a story's
rejection or changes, its reopening, a proposal declined; next: votes, objections).

A decision that wants a reason is refused early when the presser may not take it, then a prompt
asks for the reason: canned reasons as buttons, or typed, as a reply to the prompt in a group or
in the private chat. While the reason is owed, a conversation row of the dialogue's kind says for
what (the subject's id and the verdict) and where the prompt is. The private row is only opened
when the person is in no other private dialogue, so a reason never lands in a half-written draft.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import conversations
from services.conversations import Kind
from services.errors import AlreadyDone, Invalid
from services.people import Actor
from storage.models import Conversation

REASON_MAX = 500

Prompt = tuple[int, int]  # (chat id, message id) of a prompt asking for the reason


def clean(reason: str | None, *, required: bool) -> str | None:
    """The reason with its whitespace folded; refused when required and empty, or too long."""
    reason = " ".join((reason or "").split()) or None
    if required and not reason:
        raise Invalid("stories.reason_needed")
    if reason and len(reason) > REASON_MAX:
        raise Invalid("stories.reason_too_long", limit=REASON_MAX)
    if reason:
        from services.naming import check_visible  # here: only clean() is edited in this file

        check_visible(reason)
    return reason


def canned(reasons: Sequence[str], index: int) -> str:
    """The canned reason behind a button (a forged index is a bad button)."""
    if index >= len(reasons):
        raise Invalid("errors.bad_button")
    return reasons[index]


@dataclass(frozen=True)
class Owed:
    """A reason someone owes: for which subject, which verdict, and where the prompt is."""

    subject_id: int
    verdict: str
    prompt: Prompt | None
    typed: int | None = None  # the message (in the prompt's chat) whose reply box takes it

    def answers(self, message_id: int) -> bool:
        """Whether a reply to this message (in the prompt's chat) gives the reason."""
        return self.prompt is not None and message_id in (self.prompt[1], self.typed)


class ReasonDialogue:
    """One kind of reason dialogue, its rows keyed by the subject's id under `id_key`."""

    def __init__(self, kind: Kind, id_key: str) -> None:
        self.kind = kind
        self.id_key = id_key

    async def wait(
        self,
        session: AsyncSession,
        *,
        user_id: int,
        subject_id: int,
        now: datetime,
        verdict: str | None = None,
        prompt: Prompt | None = None,
        typed: int | None = None,
    ) -> bool:
        """Remember that this person owes a reason: as a reply to the prompt (or to `typed`, the
        message whose reply box asks for it, in the prompt's chat), and privately unless another
        private dialogue is open. Commits; True if the private chat takes the typed reason."""
        data: dict[str, object] = {self.id_key: subject_id}
        if verdict is not None:
            data["verdict"] = verdict
        chats = []
        if prompt is not None:
            data["prompt_chat"], data["prompt_id"] = prompt
            if typed is not None:
                data["typed_id"] = typed
            chats.append(prompt[0])
        private = await conversations.current(session, chat_id=user_id, user_id=user_id)
        if user_id not in chats and (private is None or private.kind == self.kind):
            chats.append(user_id)
        for chat_id in chats:
            await conversations.put(
                session,
                chat_id=chat_id,
                user_id=user_id,
                kind=self.kind,
                step="reason",
                data=data,
                now=now,
            )
        await session.commit()
        return user_id in chats

    async def owed(self, session: AsyncSession, *, chat_id: int, user_id: int) -> Owed | None:
        """The reason this person owes in this chat, if any."""
        row = await conversations.current(session, chat_id=chat_id, user_id=user_id)
        if row is None or row.kind != self.kind:
            return None
        return _owed(row, self.id_key)

    async def forget(self, session: AsyncSession, *, user_id: int, subject_id: int) -> set[Prompt]:
        """End this person's reason dialogues about the subject (part of the caller's
        transaction); return the prompts to mark as done."""
        rows = (
            await session.scalars(
                select(Conversation).where(
                    Conversation.user_id == user_id, Conversation.kind == self.kind
                )
            )
        ).all()
        prompts = set()
        for row in rows:
            owed = _owed(row, self.id_key)
            if owed.subject_id == subject_id:
                if owed.prompt is not None:
                    prompts.add(owed.prompt)
                    if owed.typed is not None:
                        prompts.add((owed.prompt[0], owed.typed))
                await session.delete(row)
        await session.flush()
        return prompts


def _owed(row: Conversation, id_key: str) -> Owed:
    data = row.data
    prompt = None
    if "prompt_chat" in data:
        prompt = (int(data["prompt_chat"]), int(data["prompt_id"]))
    typed = int(data["typed_id"]) if "typed_id" in data else None
    return Owed(int(data.get(id_key, 0)), str(data.get("verdict", "")), prompt, typed)


@dataclass(frozen=True)
class Given:
    """What became of a reason given: the prompts to close, and the refusal when the subject
    was closed meanwhile (decided, withdrawn...; the prompts then say why)."""

    prompts: set[Prompt]
    closed: AlreadyDone | None = None
    name: str = ""  # who gave it, by their registered name (the group's prompts say it)


@dataclass(frozen=True)
class Asked:
    """What a reason prompt shows: who is asked, by their registered name (not Telegram's
    first/last order), and the school's quick reasons."""

    name: str
    picks: list[str]


def registered_name(who: Actor) -> str:
    """The person's name as registered with the school (Person.full_name)."""
    return who.person.full_name if who.person is not None else ""
