"""Durable dialogue state: the step and draft of each user's guided conversation, one row each.

Every step is written in the transaction of the step itself, so a crash or restart never loses a
draft or sends a user back to the start.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.base import UseCases
from storage.models import Conversation


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


class Conversations(UseCases):
    """The durable dialogue each user is in."""
