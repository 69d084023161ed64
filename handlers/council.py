"""The council group: binding it, following it when it becomes a supergroup, and noticing when
the bot is removed from it."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from handlers.base import refusals, say
from handlers.menus import set_council_menu
from runtime.context import BotContext

log = logging.getLogger(__name__)


@refusals
async def bind_council(update: Update, context: BotContext) -> None:
    """/bind_council in a group: the chair (checked by user, not chat) binds it."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    org = await context.services.orgs.bind_council(tg_user_id=user.id, chat_id=chat.id)
    await say(update, context, "council.bound", org=org)
    await set_council_menu(context.bot, chat.id)


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
    if await context.services.orgs.migrate_chat(old_chat_id=old, new_chat_id=new):
        log.info("council chat %s moved to %s", old, new)
        await set_council_menu(context.bot, new)


async def on_bot_status(update: Update, context: BotContext) -> None:
    """The bot was added to a group: it says how to bind it. The bot was removed from a group,
    or the group deleted: a council's chair is told."""
    change = update.my_chat_member
    assert change is not None
    out = (ChatMemberStatus.BANNED, ChatMemberStatus.LEFT)
    gone = change.new_chat_member.status in out
    if change.chat.type not in (ChatType.GROUP, ChatType.SUPERGROUP):
        return
    if not gone and change.old_chat_member.status in out:
        try:
            await say(update, context, "council.added_hint")
        except TelegramError as exc:  # removed again at once, or muted: a hint is not worth more
            log.info("could not say how to bind group %s: %s", change.chat.id, exc.message)
    if not gone:
        return
    org_id = await context.services.orgs.council_lost(
        chat_id=change.chat.id, title=change.chat.title or ""
    )
    if org_id is not None:
        log.warning(
            "the bot is no longer in the council group %s of org %s", change.chat.id, org_id
        )
