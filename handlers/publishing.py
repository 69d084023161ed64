"""Publishing: /bind_channel (the chair links the school's channel) and "📢 Đăng lên kênh"."""

from __future__ import annotations

import re

from telegram import Message, MessageOriginChannel, Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError
from telegram.ext import filters

from handlers import common
from handlers.base import refusals, say, user_locale
from runtime.context import BotContext
from services.errors import Invalid
from ui.buttons.publishing import PublishStory

_LINK = re.compile(r"^(?:https?://)?t\.me/([A-Za-z][A-Za-z0-9_]{3,31})/?$")
_NAME = re.compile(r"^@[A-Za-z][A-Za-z0-9_]{3,31}$")
_ID = re.compile(r"^-100\d{5,15}$")
ADMINS = (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)


class _FromChannel(filters.MessageFilter):
    """A message forwarded from a channel (its origin names the channel)."""

    def filter(self, message: Message) -> bool:
        return isinstance(message.forward_origin, MessageOriginChannel)


FROM_CHANNEL = _FromChannel(name="FROM_CHANNEL")


def channel_ref(text: str) -> int | str:
    """@name, a t.me link or a -100… id as typed, to what getChat accepts; refuse anything else."""
    text = text.strip()
    if _NAME.match(text):
        return text
    link = _LINK.match(text)
    if link:
        return f"@{link.group(1)}"
    if _ID.match(text):
        return int(text)
    raise Invalid("publishing.bad_channel_ref")


async def _bind(update: Update, context: BotContext, ref: int | str) -> None:
    """Check with Telegram that this is a channel the bot may post in, then bind it."""
    user = update.effective_user
    assert user is not None
    bot = context.bot
    try:
        chat = await bot.get_chat(ref)
    except TelegramError:
        raise Invalid("publishing.channel_not_found") from None
    if chat.type != ChatType.CHANNEL:
        raise Invalid("publishing.not_a_channel")
    try:
        me = await bot.get_chat_member(chat.id, bot.id)
        them = await bot.get_chat_member(chat.id, user.id)
    except TelegramError:
        raise Invalid("publishing.bot_not_admin") from None
    can_post = me.status == ChatMemberStatus.ADMINISTRATOR and (
        getattr(me, "can_post_messages", None) is not False
    )
    org = await context.services.publishing.bind_channel(
        tg_user_id=user.id,
        chat_id=chat.id,
        title=chat.title or "",
        bot_can_post=can_post,
        user_is_admin=them.status in ADMINS,
    )
    await say(update, context, "publishing.bound", title=chat.title or "", org=org)


@refusals
async def bind_channel_command(update: Update, context: BotContext) -> None:
    """/bind_channel [@name | -100… id]: the chair links the school's channel."""
    user = update.effective_user
    assert user is not None
    if context.args:
        await context.services.publishing.check_chair(tg_user_id=user.id)
        await _bind(update, context, channel_ref(context.args[0]))
        return
    await context.services.publishing.ask_channel(tg_user_id=user.id)
    await say(update, context, "publishing.ask_channel")


async def on_channel_text(update: Update, context: BotContext) -> None:
    """The channel named as text, while /bind_channel waits for it."""
    message = update.effective_message
    assert message is not None and message.text is not None
    await _bind(update, context, channel_ref(message.text))


@refusals
async def on_channel_forward(update: Update, context: BotContext) -> None:
    """A post forwarded from a channel: the channel to bind while /bind_channel waits for it."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    waiting = await context.services.publishing.waiting_for_channel(tg_user_id=user.id)
    origin = message.forward_origin
    if not waiting or not isinstance(origin, MessageOriginChannel):
        await common.forwarded(update, context)  # forwards are never anyone's own input
        return
    await _bind(update, context, origin.chat.id)


@refusals
async def on_publish(update: Update, context: BotContext) -> None:
    """The "📢 Đăng lên kênh" button of an approved story's card: posted once, with photos."""
    query = update.callback_query
    assert query is not None
    pressed = PublishStory.unpack(query.data)
    await context.services.publishing.publish_story(
        story_id=pressed.story_id, tg_user_id=query.from_user.id
    )
    locale = await user_locale(context, update)
    await query.answer(context.deps.texts.plain(locale, "publishing.published_toast"))
