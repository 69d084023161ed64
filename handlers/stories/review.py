"""The council's buttons on a story's card: decide (a reason asked when not approving), the
chair's reopening; the reason given by a canned button or typed."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatType

from handlers.base import Buttons, refusals, say, user_locale
from handlers.reasons import ask_typed, close_prompts, reply_to_pressed
from runtime.context import BotContext
from services.errors import Invalid
from ui.buttons.stories import StoryDecision, StoryReason, StoryReopen


@refusals
async def on_decision(update: Update, context: BotContext) -> None:
    """A council button on a card: approve at once; reject / ask for changes wants a reason."""
    query = update.callback_query
    assert query is not None
    pressed = StoryDecision.unpack(query.data)
    story_id, verdict, user = pressed.story_id, pressed.verdict, query.from_user
    use = context.services.stories
    if verdict == "approve":
        await use.approve(story_id=story_id, reviewer_tg_id=user.id)
        locale = await user_locale(context, update)
        await query.answer(
            context.deps.texts.plain(locale, "stories.decided_toast", verdict=verdict)
        )
        return
    asked = await use.reasons_to_pick(story_id=story_id, reviewer_tg_id=user.id, verdict=verdict)
    await query.answer()
    buttons = [
        [(reason[:64], StoryReason(story_id, verdict, i).pack())]
        for i, reason in enumerate(asked.picks)
    ]
    await _ask_reason(
        update, context, story_id, verdict, "stories.reason_prompt", buttons, asked.name
    )


@refusals
async def on_reopen(update: Update, context: BotContext) -> None:
    """The chair's reopen button: a reason is asked (chair only; others get an alert)."""
    query = update.callback_query
    assert query is not None
    story_id = StoryReopen.unpack(query.data).story_id
    name = await context.services.stories.check_can_reopen(
        story_id=story_id, chair_tg_id=query.from_user.id
    )
    await query.answer()
    await _ask_reason(update, context, story_id, "reopen", "stories.reopen_prompt", None, name)


async def _ask_reason(
    update: Update,
    context: BotContext,
    story_id: int,
    verdict: str,
    key: str,
    buttons: Buttons | None,
    name: str,
) -> None:
    """Prompt for a reason (reply in the group, or privately) and remember that we wait for it;
    `name` is the presser's registered name."""
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    texts, user_id = context.deps.texts, query.from_user.id
    locale = texts.default_locale  # the group's prompts are read by the whole council
    text = texts.render(locale, key, name=name, story_id=story_id, verdict=verdict, user_id=user_id)
    # The reply box opens for the presser alone (ForceReply, selective: the text mentions them).
    # A message carries buttons or a reply box, not both: with quick reasons, the box comes on
    # a short second message right below, so on a phone one tap picks, or the keyboard is up.
    placeholder = texts.plain(locale, "stories.reason_placeholder")
    prompt = await reply_to_pressed(update, context, text, buttons, placeholder=placeholder)
    typed = None
    if buttons:
        ask = texts.render(locale, "stories.reason_typed", name=name, user_id=user_id)
        typed = (await ask_typed(context, prompt, ask, placeholder)).message_id
    await context.services.stories.await_reason(
        user_id=user_id,
        story_id=story_id,
        verdict=verdict,
        prompt=(prompt.chat.id, prompt.message_id),
        typed=typed,
    )


@refusals
async def on_canned_reason(update: Update, context: BotContext) -> None:
    """A canned reason was picked on the prompt: the decision is taken now."""
    query = update.callback_query
    assert query is not None
    pressed = StoryReason.unpack(query.data)
    await _decide_with_reason(
        update, context, pressed.story_id, pressed.verdict, canned=pressed.index
    )
    locale = await user_locale(context, update)
    await query.answer(
        context.deps.texts.plain(locale, "stories.decided_toast", verdict=pressed.verdict)
    )


async def _decide_with_reason(
    update: Update,
    context: BotContext,
    story_id: int,
    verdict: str,
    reason: str | None = None,
    *,
    canned: int | None = None,
) -> None:
    user = update.effective_user
    assert user is not None
    texts = context.deps.texts
    given = await context.services.stories.give_reason(
        user_id=user.id, story_id=story_id, verdict=verdict, reason=reason, canned=canned
    )
    if given.closed is not None:
        # Decided, withdrawn or superseded meanwhile: stop waiting for a reason, and let the
        # prompt say why (without its buttons), so nobody keeps answering it.
        closed = given.closed
        why = texts.render(texts.default_locale, closed.key, **closed.values)
        await close_prompts(context, given.prompts, why)
        raise closed
    done = texts.render(
        texts.default_locale,
        "stories.reason_done",
        name=given.name,
        story_id=story_id,
        verdict=verdict,
    )
    await close_prompts(context, given.prompts, done)


@refusals
async def on_reason_text(update: Update, context: BotContext) -> None:
    """A free-text reason: a reply to the prompt in the group, or a private message."""
    message, user, chat = update.effective_message, update.effective_user, update.effective_chat
    assert message is not None and user is not None and chat is not None
    owed = await context.services.stories.owed_reason(chat_id=chat.id, user_id=user.id)
    if owed is None:
        if chat.type != ChatType.PRIVATE:
            return  # a reply to some other bot message in the group: nothing to do
        raise Invalid("errors.no_dialogue")
    if chat.type != ChatType.PRIVATE and (
        message.reply_to_message is None or not owed.answers(message.reply_to_message.message_id)
    ):
        # A reply to another bot message (the card, say) by a member who owes a reason: the
        # bot sees nothing else in a group (privacy mode), so this is where to point the way.
        await say(update, context, "stories.reason_reply_hint", story_id=owed.subject_id)
        return
    await _decide_with_reason(update, context, owed.subject_id, owed.verdict, message.text or "")
    if chat.type == ChatType.PRIVATE:  # in the group, the edited prompt already says it
        await say(update, context, "stories.decided_toast", verdict=owed.verdict)
