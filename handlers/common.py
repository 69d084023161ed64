"""/start (deep links), /help, /lang, /cancel and the polite answers to unexpected input."""

from __future__ import annotations

import logging

from telegram import Update
from telegram.constants import ChatType
from telegram.ext import CommandHandler

from handlers.base import edit_or_say, refusals, refuse, remember_locale, say, user_locale
from handlers.menus import set_user_menu
from handlers.reasons import close_prompts
from runtime.context import BotContext
from services import orgs
from services.people import Standing
from storage.models import Role
from ui.buttons import BadCallback, parse
from ui.buttons.common import LanguageChosen
from ui.buttons.stories import ReportStep

log = logging.getLogger(__name__)


@refusals
async def start(update: Update, context: BotContext) -> None:
    """Open a deep link (chair claim, staff invite) or greet the user."""
    user = update.effective_user
    assert user is not None
    link = orgs.parse_link(context.args[0]) if context.args else None
    if link is not None and link.kind == "chair":
        org = await context.services.orgs.claim_chair(
            code=link.code, tg_user_id=user.id, display_name=user.full_name
        )
        await say(update, context, "join.chair_claimed", org=org)
        await set_user_menu(context.bot, user.id, Role.CHAIR, await user_locale(context, update))
        return
    if link is not None:
        org = await context.services.members.begin_join(
            code=link.code, tg_user_id=user.id, display_name=user.full_name
        )
        await say(update, context, "join.ask_name", org=org)
        return
    await greet(update, context, await context.services.people.standing(user.id))


async def greet(update: Update, context: BotContext, who: Standing) -> None:
    """Say who the bot takes the user for: a member, a deactivated member, or a stranger."""
    if who.deactivated:
        await say(update, context, "errors.deactivated")
    elif who.role is not None:
        await say(
            update,
            context,
            "common.welcome_member",
            name=who.name,
            org=who.org,
            role=str(who.role),
            address=who.address,
        )
    else:
        await say(update, context, "common.welcome_stranger")


async def help_command(update: Update, context: BotContext) -> None:
    """Show the commands of the user's role (or of the council group)."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    if chat.type in (ChatType.GROUP, ChatType.SUPERGROUP):
        org = await context.services.orgs.council_name(chat.id)
        await say(update, context, "common.help_group", bound=org is not None, org=org or "")
        return
    who = await context.services.people.standing(user.id)
    await say(
        update, context, "common.help", role=str(who.role or ""), org=who.org, heads=who.heads
    )


async def lang_command(update: Update, context: BotContext) -> None:
    """/lang vi|en sets the language; bare /lang offers buttons."""
    user = update.effective_user
    assert user is not None
    choice = context.args[0].lower() if context.args else ""
    if choice in ("vi", "en"):
        await _set_lang(update, context, user.id, choice)
        await say(update, context, "common.lang_set")
        return
    await say(
        update,
        context,
        "common.choose_lang",
        buttons=[
            [
                ("Tiếng Việt", LanguageChosen(locale="vi").pack()),
                ("English", LanguageChosen(locale="en").pack()),
            ]
        ],
    )


async def _set_lang(update: Update, context: BotContext, tg_user_id: int, locale: str) -> None:
    chosen = await context.services.people.choose_language(tg_user_id=tg_user_id, locale=locale)
    remember_locale(context, locale)
    if chosen.changed:
        await set_user_menu(context.bot, tg_user_id, chosen.role, locale, heads=chosen.heads)


@refusals
async def on_lang_button(update: Update, context: BotContext) -> None:
    """A language button was pressed."""
    query = update.callback_query
    assert query is not None
    locale = LanguageChosen.unpack(query.data).locale
    await query.answer()
    await _set_lang(update, context, query.from_user.id, locale)
    await edit_or_say(update, context, "common.lang_set")


async def cancel(update: Update, context: BotContext) -> None:
    """Leave whatever dialogue the user is in (a reason owed: in the group and privately, its
    prompt closed); nothing else changes."""
    chat, user = update.effective_chat, update.effective_user
    assert chat is not None and user is not None
    cancelled = await context.services.conversations.cancel(chat_id=chat.id, user_id=user.id)
    if cancelled.prompts:
        texts = context.deps.texts
        closed = texts.render(texts.default_locale, "common.reason_cancelled")
        await close_prompts(context, set(cancelled.prompts), closed)
    await say(
        update, context, "common.cancelled" if cancelled.ended else "common.nothing_to_cancel"
    )


async def unknown_command(update: Update, context: BotContext) -> None:
    """A command this bot does not have, or has only in the other kind of chat (in a group,
    answered only when addressed to this bot)."""
    message, chat = update.effective_message, update.effective_chat
    first = (message.text or "").split(maxsplit=1)[0] if message else ""
    name, _, addressee = first.removeprefix("/").partition("@")
    ours = addressee.lower() in ("", context.bot.username.lower())
    private = chat is None or chat.type == ChatType.PRIVATE
    if not private and not addressee:
        return  # a plain /command in a group may be meant for another bot
    if (
        not private
        and name.lower() == "start"
        and message
        and len((message.text or "").split()) > 1
    ):
        return  # the bot added with a ?startgroup= link: on_bot_status says how to bind
    if ours and _has_command(context, name.lower()) and private:
        await say(update, context, "errors.group_only")
    elif ours and _has_command(context, name.lower()):
        # Its handler exists but refused this chat: say where the command works, with a button
        # that opens the private chat (Telegram offers /start there to a first-timer).
        label = context.deps.texts.plain(
            await user_locale(context, update), "common.open_private_button"
        )
        url = f"url:https://t.me/{context.deps.bot_username}"
        await say(update, context, "errors.private_only", buttons=[[(label, url)]])
    elif private or ours:
        await say(update, context, "common.unknown_command")


def _has_command(context: BotContext, name: str) -> bool:
    """Whether any registered command handler answers to `name`."""
    return any(
        isinstance(handler, CommandHandler) and name in handler.commands
        for handlers in context.application.handlers.values()
        for handler in handlers
    )


async def idle(update: Update, context: BotContext, who: Standing, what: str) -> None:
    """A text, photo or file sent outside any dialogue: a member is offered the button that
    starts a story (what a teacher with no command in mind most likely wants); a stranger or a
    locked-out person gets the usual explanation."""
    if who.deactivated:
        await say(update, context, "errors.deactivated")
    elif who.role is None:
        await say(update, context, "common.welcome_stranger")
    else:
        label = context.deps.texts.plain(await user_locale(context, update), "stories.start_button")
        buttons = [[(label, ReportStep("new").pack())]]
        await say(update, context, f"common.idle_{what}", buttons=buttons)


async def unsupported(update: Update, context: BotContext) -> None:
    """Stickers, voice, files and the like, where the bot expects text."""
    await say(update, context, "common.unsupported_media")


async def forwarded(update: Update, context: BotContext) -> None:
    """Forwarded messages are never taken as the user's own input."""
    await say(update, context, "common.forwarded")


EDITS_TOLD = 50  # the edited messages remembered per user, so each edit is answered once


async def edited(update: Update, context: BotContext) -> None:
    """An edit of a message already sent is never taken as new input (the original was taken
    already, or refused); the user is told once per message to send the text again."""
    message = update.edited_message
    if message is None or context.user_data is None:
        return
    if message.chat.type != ChatType.PRIVATE:
        # In a group, only an edit of what the bot acts on (a command, a reply to the bot) gets
        # the hint; the members' other messages are none of its business.
        replied = message.reply_to_message
        sender = replied.from_user if replied is not None else None
        to_bot = sender is not None and sender.id == context.bot.id
        if not (message.text or "").startswith("/") and not to_bot:
            return
    told: list[tuple[int, int]] = context.user_data.setdefault("edits_told", [])
    key = (message.chat_id, message.message_id)
    if key in told:
        return
    told[:] = [*told[-(EDITS_TOLD - 1) :], key]
    await say(update, context, "common.edit_ignored")


async def bad_button(update: Update, context: BotContext) -> None:
    """A button whose data this bot did not produce (tampered, or from an old version)."""
    query = update.callback_query
    assert query is not None
    if not _parses(query.data):
        log.info("refused tampered callback data from user %s", query.from_user.id)
    await refuse(update, context, "errors.bad_button")


def _parses(data: str | None) -> bool:
    """Whether this bot could have produced the data."""
    try:
        parse(data)
    except BadCallback:
        return False
    return True
