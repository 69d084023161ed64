"""Free text in a private chat: routed by the user's durable conversation step."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update

from handlers import (
    achievements,
    admin,
    broadcast,
    campaigns,
    common,
    decisions,
    facts,
    heads,
    initiatives,
    join,
    meetings,
    minutes,
    proposals,
    publication,
    publishing,
    reviews,
    settings,
    stories,
)
from handlers.base import Handler, refusals, say
from runtime.context import BotContext
from services.conversations import Kind, Where

Step = Callable[[Update, BotContext, Where], Coroutine[Any, Any, None]]


def _theirs(handler: Handler) -> Step:
    """Another area's text handler: it reads the dialogue it needs itself."""

    @functools.wraps(handler)
    async def step(update: Update, context: BotContext, where: Where) -> None:
        await handler(update, context)

    return step


# Each dialogue kind's handler of the text a user sends while in it.
STEPS: dict[Kind, Step] = {
    Kind.JOIN: join.on_join_text,
    Kind.PROFILE: join.on_join_text,
    Kind.DEPARTMENT: admin.on_department_name,
    Kind.REPORT: _theirs(stories.on_report_text),
    Kind.REASON: _theirs(stories.on_reason_text),
    Kind.CAMPAIGN: _theirs(campaigns.on_text),
    Kind.CAMPAIGN_EDIT: _theirs(campaigns.on_text),
    Kind.BROADCAST: _theirs(broadcast.on_compose_text),
    Kind.CHANNEL: _theirs(publishing.on_channel_text),
    Kind.PROPOSAL_REASON: _theirs(proposals.on_reason_text),
    Kind.SETTING: _theirs(settings.on_text),
    Kind.REMARKS: _theirs(minutes.on_remark_text),
    Kind.FACTS: _theirs(facts.on_text),
    Kind.MEETING: _theirs(meetings.on_text),
    Kind.ABSENCE: _theirs(meetings.on_absence_text),
    Kind.DEPT_NOTE: heads.on_note_text,
    # ---- reviews / initiatives ----
    Kind.SCORE: _theirs(reviews.on_text),
    Kind.INITIATIVE: _theirs(initiatives.on_text),
    Kind.INITIATIVE_FILE: _theirs(initiatives.on_text_while_sending),
    Kind.OBJECTION: _theirs(publication.on_text),
    Kind.OBJECTION_ANSWER: _theirs(publication.on_answer_text),
    # ---- achievements ----
    Kind.ACHIEVEMENT: achievements.on_text,
    Kind.ACHIEVEMENT_NOTE: achievements.on_note_text,
    # ---- decisions ----
    Kind.DECISION: decisions.on_text,
}


@refusals
async def on_private_text(update: Update, context: BotContext) -> None:
    """Continue the user's dialogue with the text they sent, or explain what the bot can do."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.text is not None
    where = await context.services.conversations.where(user.id)
    who = where.standing
    if who is not None:  # in no dialogue
        await common.idle(update, context, who, "text")
        return
    step = STEPS.get(where.kind) if where.kind is not None else None
    if step is None:
        await say(update, context, "common.not_understood")
        return
    await step(update, context, where)
