"""The global error handler: log first (token redacted by the log filter), then apologise."""

from __future__ import annotations

import logging
from collections import deque

from telegram import Update
from telegram.constants import ParseMode
from telegram.error import TelegramError

from delivery.lease import LeaseLost
from runtime.context import BotContext

log = logging.getLogger(__name__)
# The latest errors, kept for the demo and the tests to look at; bounded, so a bot that keeps
# failing for months does not keep every exception (and its traceback's frames) in memory.
ERRORS_KEPT = 100


async def on_error(update: object, context: BotContext) -> None:
    """Log the failure; tell the user politely that nothing they sent is lost."""
    if isinstance(context.error, LeaseLost):
        # A hand-over, not a fault: the active process answers (the lease logged it once).
        log.warning("an update was left to the active process: this one is not active any more")
        return
    log.error("error while handling an update", exc_info=context.error)
    errors: deque[object] = context.bot_data.setdefault("errors", deque(maxlen=ERRORS_KEPT))
    errors.append(context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    try:
        texts, locale = context.deps.texts, context.deps.texts.default_locale
        if update.callback_query is not None:
            await update.callback_query.answer(
                texts.plain(locale, "errors.internal")[:200], show_alert=True
            )
        else:
            await context.bot.send_message(
                update.effective_chat.id,
                texts.render(locale, "errors.internal"),
                parse_mode=ParseMode.HTML,
            )
    except TelegramError:
        log.warning("could not tell the user about the error")
