"""The teacher's /mine (and withdrawing a story still waiting), the council's /pending."""

from __future__ import annotations

from telegram import Update

from handlers.base import Buttons, edit_or_say, refusals, say, user_locale
from runtime.context import BotContext
from services.stories import StoryView
from ui.buttons.stories import StoryResubmit, StoryWithdraw


async def _show_mine(
    update: Update, context: BotContext, mine: list[StoryView], *, edit: bool
) -> None:
    texts, locale = context.deps.texts, await user_locale(context, update)
    show = edit_or_say if edit else say
    if not mine:
        await show(update, context, "stories.mine_empty")
        return
    buttons: Buttons = [
        [
            (
                texts.plain(locale, "stories.withdraw_button", story_id=s.id),
                StoryWithdraw(s.id).pack(),
            )
        ]
        if s.status == "pending"
        else [
            (
                texts.plain(locale, "stories.edit_story_button", story_id=s.id),
                StoryResubmit(s.id).pack(),
            )
        ]
        for s in mine
        if s.status in ("pending", "changes_requested")
    ]
    await show(update, context, "stories.mine", stories=mine, buttons=buttons or None)


@refusals
async def mine_command(update: Update, context: BotContext) -> None:
    """/mine: the teacher's stories and where each stands."""
    user = update.effective_user
    assert user is not None
    mine = await context.services.stories.mine(tg_user_id=user.id)
    await _show_mine(update, context, mine, edit=False)


@refusals
async def on_withdraw(update: Update, context: BotContext) -> None:
    """The author withdraws a story still waiting."""
    query = update.callback_query
    assert query is not None
    story, mine = await context.services.stories.withdraw(
        story_id=StoryWithdraw.unpack(query.data).story_id, author_tg_id=query.from_user.id
    )
    locale = await user_locale(context, update)
    await query.answer(
        context.deps.texts.plain(locale, "stories.withdrawn_toast", story_id=story.id)
    )
    await _show_mine(update, context, mine, edit=True)


@refusals
async def pending_command(update: Update, context: BotContext) -> None:
    """/pending: stories waiting for the council, oldest first, with links to their cards."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    items = await context.services.stories.pending(tg_user_id=user.id, chat_id=chat.id)
    if items:
        await say(update, context, "stories.pending", items=items)
    else:
        await say(update, context, "stories.pending_empty")
