"""Small helpers every handler uses: the user's locale, replies, refusals as polite messages."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden

from runtime.context import BotContext
from services.errors import ServiceError
from ui.buttons import BadCallback
from ui.keyboards import keyboard

log = logging.getLogger(__name__)
Buttons = Sequence[Sequence[tuple[str, str]]]
Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


async def user_locale(context: BotContext, update: Update) -> str:
    """The language of the user behind this update (their choice, else the default)."""
    user = update.effective_user
    if user is None:
        return context.deps.texts.default_locale
    cached = context.user_data.get("locale") if context.user_data is not None else None
    if isinstance(cached, str):
        return cached
    locale = await context.services.people.locale_of(user.id)
    if context.user_data is not None:
        context.user_data["locale"] = locale
    return locale


def remember_locale(context: BotContext, locale: str) -> None:
    """Update the per-process cache after /lang (the database holds the truth)."""
    if context.user_data is not None:
        context.user_data["locale"] = locale


async def say_private(
    update: Update,
    context: BotContext,
    key: str,
    /,
    *,
    buttons: Buttons | None = None,
    **values: Any,
) -> Message | None:
    """Tell the presser in their private chat (a press in a group answers there); where the bot
    cannot write to them privately yet, ask them, where they pressed, to open the private chat."""
    user = update.effective_user
    assert user is not None
    text = context.deps.texts.render(await user_locale(context, update), key, **values)
    try:
        return await context.bot.send_message(
            user.id,
            text,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard([[list(b) for b in row] for row in buttons]) if buttons else None,
        )
    except Forbidden:
        log.info("user %s has not opened a private chat with the bot", user.id)
        await say(update, context, "common.open_private")
        return None


async def say(
    update: Update,
    context: BotContext,
    key: str,
    /,
    *,
    buttons: Buttons | None = None,
    **values: object,
) -> Message | None:
    """Reply in the update's chat with the rendered `key` in the user's language."""
    chat = update.effective_chat
    if chat is None:
        return None
    text = context.deps.texts.render(await user_locale(context, update), key, **values)
    return await context.bot.send_message(
        chat.id,
        text,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard([[list(b) for b in row] for row in buttons]) if buttons else None,
    )


async def edit_or_say(
    update: Update,
    context: BotContext,
    key: str,
    /,
    *,
    buttons: Buttons | None = None,
    **values: object,
) -> None:
    """Replace the pressed message's text (one message per action), else send a new one."""
    query = update.callback_query
    if query is None or query.message is None or not isinstance(query.message, Message):
        await say(update, context, key, buttons=buttons, **values)
        return
    text = context.deps.texts.render(await user_locale(context, update), key, **values)
    try:
        await query.message.edit_text(
            text,
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard([[list(b) for b in row] for row in buttons]) if buttons else None,
        )
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


PART = 3800  # characters per message of a long text (Telegram's limit is 4096 after parsing)


def parts(text: str, limit: int = PART) -> list[str]:
    """A long text cut at line ends into messages Telegram accepts (a line is never cut, and
    the templates open and close their tags on one line)."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        if current and len(current) + 1 + len(line) > limit:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current:
        chunks.append(current)
    return chunks or [""]


async def say_long(
    update: Update,
    context: BotContext,
    key: str,
    /,
    *,
    buttons: Buttons | None = None,
    edit: bool = False,
    **values: object,
) -> None:
    """A text that may pass Telegram's limit: in several messages, the buttons under the last;
    with `edit`, the pressed message becomes the first part."""
    chat = update.effective_chat
    if chat is None:
        return
    text = context.deps.texts.render(await user_locale(context, update), key, **values)
    pieces = parts(text)
    markup = keyboard([[list(b) for b in row] for row in buttons]) if buttons else None
    query = update.callback_query
    start = 0
    if edit and query is not None and isinstance(query.message, Message):
        try:
            await query.message.edit_text(
                pieces[0],
                parse_mode=ParseMode.HTML,
                reply_markup=markup if len(pieces) == 1 else None,
            )
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                raise
        start = 1
    for n, piece in enumerate(pieces[start:], start=start):
        last = n == len(pieces) - 1
        await context.bot.send_message(
            chat.id, piece, parse_mode=ParseMode.HTML, reply_markup=markup if last else None
        )


def refusals(handler: Handler) -> Handler:
    """Turn a service's refusal into a polite answer: an alert for a button, else a message.

    Button data this bot did not produce (forged, or from an old version) that still got routed
    here by its kind is refused the same way, with the "invalid button" alert.
    """

    @functools.wraps(handler)
    async def wrapper(update: Update, context: BotContext) -> None:
        try:
            await handler(update, context)
        except ServiceError as refusal:
            await refuse(update, context, refusal.key, **refusal.values)
        except BadCallback:
            query = update.callback_query
            if query is None:
                raise
            log.info("refused malformed callback data from user %s", query.from_user.id)
            await refuse(update, context, "errors.bad_button")

    return wrapper


async def refuse(update: Update, context: BotContext, key: str, /, **values: Any) -> None:
    """Say no politely: an alert for a pressed button (plain text, ≤200 characters), else a
    message in the chat."""
    query = update.callback_query
    if query is None:
        await say(update, context, key, **values)
        return
    locale = await user_locale(context, update)
    await query.answer(context.deps.texts.plain(locale, key, **values)[:200], show_alert=True)
