"""Photos and files in the private chat, routed by the dialogue the sender is in (one lookup).

A file is an answer to the step of a dialogue (a contest entry, an initiative's write-up, an
objection's attachment); otherwise the facts sheet (facts.on_document, which hands other files on)
or an announcement's attachment and then a story's photo (broadcast.on_media hands on to stories).
"""

from __future__ import annotations

from telegram import Update

from handlers import broadcast, contest, facts, initiatives, publication
from runtime.context import BotContext
from services.conversations import Kind


async def on_file(update: Update, context: BotContext) -> None:
    """A photo or document in the private chat: to the dialogue waiting for it, else onwards."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    kind = (await context.services.conversations.where(user.id)).kind
    document = message.document is not None
    if kind is Kind.CONTEST_ENTRY and document:
        await contest.on_file(update, context)
    elif kind is Kind.INITIATIVE_FILE:
        await initiatives.on_file(update, context)
    elif kind is Kind.OBJECTION:
        await publication.on_file(update, context)
    elif document:
        await facts.on_document(update, context)
    else:
        await broadcast.on_media(update, context)
