"""What recipients see (header, text, attachment, "Đã xem"), and the outbox rows that carry it."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from services.broadcasts.draft import Draft
from storage.db import mark_written
from storage.models import Broadcast, OutboxMessage, OutboxStatus
from ui.buttons.broadcasts import ReadReceipt
from ui.texts import LOCALES, Texts


def content(
    texts: Texts,
    locale: str,
    *,
    broadcast_id: int,
    sender: str,
    html: str,
    media_kind: str | None,
    media_file_id: str | None,
    reminder: bool = False,
) -> tuple[str, dict[str, Any]]:
    """The outbox method and payload of one announcement, as a recipient in `locale` sees it."""
    key = "broadcasts.remind_header" if reminder else "broadcasts.header"
    header = texts.render(locale, key, sender=sender)
    text = f"{header}\n\n{html}" if html.strip() else header
    seen = ReadReceipt(broadcast_id=broadcast_id).pack()
    buttons = [[[texts.plain(locale, "broadcasts.seen_button"), seen]]]
    if media_kind == "photo":
        return "send_photo", {"photos": [media_file_id], "caption": text, "buttons": buttons}
    if media_kind == "document":
        return "send_document", {"document": media_file_id, "caption": text, "buttons": buttons}
    return "send_message", {"text": text, "buttons": buttons}


def preview(texts: Texts, locale: str, draft: Draft) -> tuple[str, dict[str, Any]]:
    """The draft exactly as recipients will see it (its "Đã xem" button only explains itself)."""
    return content(
        texts,
        locale,
        broadcast_id=0,
        sender=draft.sender,
        html=draft.html,
        media_kind=draft.media_kind,
        media_file_id=draft.media_file_id,
    )


async def enqueue_wave(
    session: AsyncSession,
    *,
    broadcast: Broadcast,
    sender: str,
    recipients: Sequence[Any],
    ref: str,
    reminder: bool,
    texts: Texts,
    now: datetime,
) -> None:
    """One outbox row per recipient, in the caller's transaction (one multi-row INSERT)."""
    by_locale = {
        locale: content(
            texts,
            locale,
            broadcast_id=broadcast.id,
            sender=sender,
            html=broadcast.text,
            media_kind=broadcast.media_kind,
            media_file_id=broadcast.media_file_id,
            reminder=reminder,
        )
        for locale in LOCALES
    }
    rows = []
    for recipient in recipients:
        method, payload = by_locale[texts.locale(recipient.locale)]
        rows.append(
            {
                "chat_id": recipient.tg_user_id,
                "method": method,
                "payload": payload,
                "ref": ref,
                "status": OutboxStatus.PENDING,
                "attempts": 0,
                "not_before": now,
                "created_at": now,
            }
        )
    if rows:
        await session.execute(insert(OutboxMessage), rows)
        mark_written(session, OutboxMessage)  # wakes the sender at commit


def enqueue(
    session: AsyncSession,
    *,
    chat_id: int,
    method: str,
    payload: dict[str, Any],
    ref: str,
    now: datetime,
) -> None:
    """One outbox row (a progress edit, a report), in the caller's transaction."""
    payload = {**payload, "buttons": [[list(b) for b in row] for row in payload["buttons"]]}
    session.add(
        OutboxMessage(
            chat_id=chat_id,
            method=method,
            payload=payload,
            ref=ref,
            status=OutboxStatus.PENDING,
            attempts=0,
            not_before=now,
            created_at=now,
        )
    )
