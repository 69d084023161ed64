"""Small helpers every handler uses: the user's locale, replies, refusals as polite messages."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

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
