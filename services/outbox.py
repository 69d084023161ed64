"""Queue messages for delivery: rows in the outbox, committed with the decision that caused them.

Services say *what* to send in plain data (text, buttons as (label, callback_data) pairs); the
sender in delivery/outbox.py turns rows into Bot API calls under the bot's one rate limiter.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import OutboxMessage, OutboxStatus

Button = tuple[str, str]  # (label, callback_data) or (label, "url:https://...")
Keyboard = Sequence[Sequence[Button]]


def _payload(text: str, buttons: Keyboard | None) -> dict[str, Any]:
    payload: dict[str, Any] = {"text": text}
    if buttons is not None:
        payload["buttons"] = [[list(button) for button in row] for row in buttons]
    return payload


def enqueue_message(
    session: AsyncSession,
    *,
    chat_id: int,
    text: str,
    now: datetime,
    buttons: Keyboard | None = None,
    ref: str | None = None,
) -> OutboxMessage:
    """Queue an HTML text message to `chat_id`."""
    row = OutboxMessage(
        chat_id=chat_id,
        method="send_message",
        payload=_payload(text, buttons),
        ref=ref,
        status=OutboxStatus.PENDING,
        attempts=0,
        not_before=now,
        created_at=now,
    )
    session.add(row)
    return row


def enqueue_media(
    session: AsyncSession,
    *,
    chat_id: int,
    photos: Sequence[str],
    now: datetime,
    caption: str | None = None,
    ref: str | None = None,
) -> OutboxMessage:
    """Queue one photo, or an album of 2-10 (albums cannot carry buttons), by Telegram file id."""
    row = OutboxMessage(
        chat_id=chat_id,
        method="send_photo" if len(photos) == 1 else "send_media_group",
        payload={"photos": list(photos), "caption": caption},
        ref=ref,
        status=OutboxStatus.PENDING,
        attempts=0,
        not_before=now,
        created_at=now,
    )
    session.add(row)
    return row


async def enqueue_edits(
    session: AsyncSession,
    *,
    ref: str,
    text: str,
    now: datetime,
    buttons: Keyboard | None = None,
    texts_by_chat: dict[int, str] | None = None,
) -> int:
    """Queue an edit of every message sent (or still queued) under `ref`; returns how many.

    A message still waiting in the outbox is rewritten in place instead, so the recipient never
    sees the stale version at all.
    """
    originals = (
        await session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.ref == ref, OutboxMessage.method == "send_message"
            )
        )
    ).all()
    count = 0
    for original in originals:
        body = (texts_by_chat or {}).get(original.chat_id, text)
        if original.status == OutboxStatus.PENDING and original.claimed_by is None:
            original.payload = _payload(body, buttons)
        elif original.status in (OutboxStatus.PENDING, OutboxStatus.SENT):
            session.add(
                OutboxMessage(
                    chat_id=original.chat_id,
                    method="edit_message_text",
                    payload={**_payload(body, buttons), "edit_of": original.id},
                    ref=None,
                    status=OutboxStatus.PENDING,
                    attempts=0,
                    not_before=now,
                    created_at=now,
                )
            )
        else:
            continue
        count += 1
    return count
