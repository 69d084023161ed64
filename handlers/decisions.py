"""/decision: the chair records the deciding level's decision (number, date, who signed, then the
titles granted, ticked among the closed round's passed candidates); those granted are
congratulated."""

from __future__ import annotations

from telegram import Update

from handlers.base import edit_or_say, refusals, say, user_locale
from runtime.context import BotContext
from services.conversations import Where
from services.judging.decisions import DecisionStep
from ui.buttons.decisions import DecisionSave, DecisionTick


async def _show(update: Update, context: BotContext, step: DecisionStep, *, edit: bool) -> None:
    """The prompt of the step the dialogue is at; at the ticks, a button per candidate."""
    show = edit_or_say if edit else say
    if step.step != "ticks":
        await show(update, context, f"decisions.ask_{step.step}", s=step)
        return
    locale = await user_locale(context, update)
    plain = context.deps.texts.plain
    rows = [
        [(plain(locale, "decisions.tick_label", p=p), DecisionTick(p.id).pack())]
        for p in step.candidates
    ]
    rows.append(
        [
            (plain(locale, "decisions.save_button"), DecisionSave("save").pack()),
            (plain(locale, "decisions.cancel_button"), DecisionSave("cancel").pack()),
        ]
    )
    await show(update, context, "decisions.ticks", s=step, buttons=rows)


@refusals
async def decision_command(update: Update, context: BotContext) -> None:
    """/decision: the chair starts recording a decision."""
    user = update.effective_user
    assert user is not None
    step = await context.services.decisions.begin(tg_user_id=user.id)
    await _show(update, context, step, edit=False)


async def on_text(update: Update, context: BotContext, where: Where) -> None:
    """The dialogue step: the number, the date, who signed."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and message.text is not None and user is not None
    step = await context.services.decisions.answer(tg_user_id=user.id, text=message.text)
    await _show(update, context, step, edit=False)


@refusals
async def on_tick(update: Update, context: BotContext) -> None:
    """A candidate ticked or unticked."""
    query = update.callback_query
    assert query is not None
    pressed = DecisionTick.unpack(query.data)
    step = await context.services.decisions.tick(
        tg_user_id=query.from_user.id, candidate_id=pressed.candidate_id
    )
    await query.answer()
    await _show(update, context, step, edit=True)


@refusals
async def on_save(update: Update, context: BotContext) -> None:
    """Record the decision (those granted are congratulated), or throw the draft away."""
    query = update.callback_query
    assert query is not None
    pressed = DecisionSave.unpack(query.data)
    uc = context.services.decisions
    if pressed.action == "cancel":
        await uc.cancel(tg_user_id=query.from_user.id)
        await query.answer()
        await edit_or_say(update, context, "decisions.discarded")
        return
    recorded = await uc.save(tg_user_id=query.from_user.id)
    await query.answer()
    await edit_or_say(update, context, "decisions.saved", r=recorded)
