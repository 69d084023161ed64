"""The council group: binding it, and following it when it becomes a supergroup."""

from __future__ import annotations

import logging

from telegram import Update

from bot.context import BotContext
from handlers.base import refusals, say
from services import orgs

log = logging.getLogger(__name__)


@refusals
async def bind_council(update: Update, context: BotContext) -> None:
    """/bind_council in a group: the chair (checked by user, not chat) binds it."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    async with context.deps.sessions() as session:
        org = await orgs.bind_council(
            session, tg_user_id=user.id, chat_id=chat.id, now=context.deps.clock()
        )
    await say(update, context, "council.bound", org=org.name)


async def on_migrate(update: Update, context: BotContext) -> None:
    """A group became a supergroup: its binding follows the new id."""
    message = update.effective_message
    assert message is not None
    if message.migrate_to_chat_id is not None:
        old, new = message.chat.id, message.migrate_to_chat_id
    elif message.migrate_from_chat_id is not None:
        old, new = message.migrate_from_chat_id, message.chat.id
    else:
        return
    async with context.deps.sessions() as session:
        if await orgs.migrate_chat(session, old_chat_id=old, new_chat_id=new):
            log.info("council chat %s moved to %s", old, new)
