"""A member's entry: whom it is about, its title, its text typed in parts or a DOCX/PDF."""

from __future__ import annotations

import contextlib

from telegram import Update
from telegram.constants import ChatAction
from telegram.error import TelegramError

from handlers.base import edit_or_say, refusals, say
from handlers.contest.card import labeller
from runtime.context import BotContext
from services.contest import EntryDraft
from services.conversations import Where
from ui.buttons.contest import (
    ContestEnter,
    EntryDone,
    EntrySend,
)


async def _entry(update: Update, context: BotContext, d: EntryDraft, *, edit: bool = False) -> None:
    label = labeller(update, context)
    buttons: list[list[tuple[str, str]]] = []
    key = {
        "subject": "contest.ask_subject",
        "title": "contest.ask_entry_title",
        "body": "contest.ask_body" if not d.parts else "contest.part_received",
        "preview": "contest.entry_preview",
    }[d.step]
    if d.step == "body" and d.parts:
        buttons = [[(await label("done_button"), EntryDone().pack())]]
    elif d.step == "preview":
        buttons = [
            [(await label("send_button"), EntrySend(True).pack())],
            [(await label("discard_button"), EntrySend(False).pack())],
        ]
    if edit:
        await edit_or_say(update, context, key, d=d, buttons=buttons)
    else:
        await say(update, context, key, d=d, buttons=buttons)


@refusals
async def on_enter(update: Update, context: BotContext) -> None:
    """A member starts writing an entry."""
    query = update.callback_query
    assert query is not None
    pressed = ContestEnter.unpack(query.data)
    d = await context.services.contests.begin_entry(
        tg_user_id=query.from_user.id, contest_id=pressed.contest_id
    )
    await query.answer()
    await _entry(update, context, d)


async def on_entry_text(update: Update, context: BotContext, where: Where) -> None:
    """Whom the entry is about, its title, or a part of its text."""
    await _entry_text(update, context)


@refusals
async def _entry_text(update: Update, context: BotContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.text is not None
    d = await context.services.contests.entry_typed(tg_user_id=user.id, text=message.text)
    await _entry(update, context, d)


@refusals
async def on_done(update: Update, context: BotContext) -> None:
    """ "Xong": the preview."""
    query = update.callback_query
    assert query is not None
    EntryDone.unpack(query.data)
    d = await context.services.contests.entry_done(tg_user_id=query.from_user.id)
    await query.answer()
    await _entry(update, context, d, edit=True)


@refusals
async def on_send(update: Update, context: BotContext) -> None:
    """Send the entry (or throw it away)."""
    query = update.callback_query
    assert query is not None
    pressed = EntrySend.unpack(query.data)
    sent = await context.services.contests.send_entry(tg_user_id=query.from_user.id, ok=pressed.ok)
    await query.answer()
    if sent is None:
        await edit_or_say(update, context, "contest.entry_discarded")
    else:
        await edit_or_say(update, context, "contest.entry_sent", s=sent)


@refusals
async def on_file(update: Update, context: BotContext) -> None:
    """A document while a contest entry is being written: the entry (handlers/files.py routes it
    here)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.document is not None
    doc = message.document
    with contextlib.suppress(TelegramError):  # "typing…" while the file is read
        await context.bot.send_chat_action(user.id, ChatAction.TYPING)
    d = await context.services.contests.entry_file(
        tg_user_id=user.id,
        file_id=doc.file_id,
        unique_id=doc.file_unique_id,
        name=doc.file_name or "",
        mime=doc.mime_type or "",
        size=doc.file_size,
    )
    if d is not None:  # None: the entry was sent or cancelled a moment ago
        await _entry(update, context, d)
