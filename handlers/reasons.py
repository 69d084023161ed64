"""The handler side of a decision that may need a reason (services/reasons.py): the prompt sent
as a reply to the pressed message, and the prompts closed once the reason is given."""

from __future__ import annotations

import logging

from telegram import ForceReply, InlineKeyboardMarkup, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from handlers.base import Buttons
from runtime.context import BotContext
from services.reasons import Prompt
from ui.keyboards import keyboard

log = logging.getLogger(__name__)


async def reply_to_pressed(
    update: Update,
    context: BotContext,
    text: str,
    buttons: Buttons | None,
    *,
    placeholder: str | None = None,
) -> Message:
    """Send `text` (a prompt, a picker) as a reply to the message whose button was pressed.
    With a `placeholder` and no buttons, the reply box opens for the presser alone (ForceReply,
    selective: `text` must mention them, as the pressed message is the bot's own)."""
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    markup: InlineKeyboardMarkup | ForceReply | None = (
        keyboard([[list(b) for b in row] for row in buttons]) if buttons else None
    )
    if markup is None and placeholder is not None:
        markup = ForceReply(selective=True, input_field_placeholder=placeholder[:64])
    return await context.bot.send_message(
        query.message.chat.id,
        text,
        parse_mode=ParseMode.HTML,
        reply_to_message_id=query.message.message_id,
        reply_markup=markup,
    )


async def ask_typed(context: BotContext, prompt: Message, text: str, placeholder: str) -> Message:
    """A message whose reply box opens for the member it mentions (ForceReply, selective), sent
    after a prompt whose quick-reason buttons cannot share a message with a reply box."""
    return await context.bot.send_message(
        prompt.chat.id,
        text,
        parse_mode=ParseMode.HTML,
        reply_to_message_id=prompt.message_id,
        reply_markup=ForceReply(selective=True, input_field_placeholder=placeholder[:64]),
    )


async def close_prompts(context: BotContext, prompts: set[Prompt], text: str) -> None:
    """Replace reason prompts with `text` and no buttons (a prompt deleted meanwhile is fine)."""
    for chat_id, message_id in prompts:
        try:
            await context.bot.edit_message_text(
                text, chat_id=chat_id, message_id=message_id, parse_mode=ParseMode.HTML
            )
        except BadRequest as exc:
            log.info("reason prompt %s/%s not edited: %s", chat_id, message_id, exc.message)
