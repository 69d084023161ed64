"""Commendation proposals: the council member's form and level pickers, the chair's decision."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatType, ParseMode

from handlers.base import Buttons, refusals, say, user_locale
from handlers.reasons import reply_to_pressed
from runtime.context import BotContext
from services.errors import Invalid
from services.proposals import Target
from ui.buttons.proposals import (
    ProposalChair,
    ProposalDismissed,
    ProposalForm,
    ProposalLevel,
    ProposalReason,
    Propose,
)
from ui.keyboards import keyboard


async def _locale(update: Update, context: BotContext) -> str:
    """The presser's language in private; the school's in the council group (read by all)."""
    chat = update.effective_chat
    if chat is not None and chat.type != ChatType.PRIVATE:
        return context.deps.texts.default_locale
    return await user_locale(context, update)


async def _edit(update: Update, text: str, buttons: Buttons | None) -> None:
    """Replace the picker's text and buttons (one message per proposal being made)."""
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    await query.message.edit_text(
        text,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard([[list(b) for b in row] for row in buttons]) if buttons else None,
    )


def _form_buttons(context: BotContext, locale: str, pressed: Propose, goal: Target) -> Buttons:
    rows: list[list[tuple[str, str]]] = [
        [(form.name, ProposalForm(pressed.source, pressed.source_id, i).pack())]
        for i, form in enumerate(goal.forms)
    ]
    cancel = context.deps.texts.plain(locale, "proposals.cancel_button")
    rows.append([(cancel, ProposalDismissed().pack())])
    return rows


@refusals
async def on_propose(update: Update, context: BotContext) -> None:
    """🏅 on an approved story's card: the form picker, as a reply to the card."""
    query = update.callback_query
    assert query is not None
    pressed = Propose.unpack(query.data)
    goal = await context.services.proposals.target(
        tg_user_id=query.from_user.id, source=pressed.source, source_id=pressed.source_id
    )
    await query.answer()
    locale = await _locale(update, context)
    text = context.deps.texts.render(locale, "proposals.pick_form", name=goal.presser, target=goal)
    await reply_to_pressed(update, context, text, _form_buttons(context, locale, pressed, goal))


@refusals
async def on_form(update: Update, context: BotContext) -> None:
    """A form was picked: the level picker (the form's usual level marked)."""
    query = update.callback_query
    assert query is not None
    pressed = ProposalForm.unpack(query.data)
    source, source_id, form_index = pressed.source, pressed.source_id, pressed.form
    goal = await context.services.proposals.target(
        tg_user_id=query.from_user.id, source=source, source_id=source_id
    )
    if form_index >= len(goal.forms):
        raise Invalid("errors.stale_button")
    await query.answer()
    locale, texts = await _locale(update, context), context.deps.texts
    usual = goal.default_level(form_index)
    levels = [
        (
            texts.plain(locale, "proposals.level_button", level=level, usual=i == usual),
            ProposalLevel(source, source_id, form_index, i).pack(),
        )
        for i, level in enumerate(goal.levels)
    ]
    rows = [levels[i : i + 2] for i in range(0, len(levels), 2)]
    rows.append([(texts.plain(locale, "proposals.cancel_button"), ProposalDismissed().pack())])
    await _edit(
        update,
        texts.render(
            locale,
            "proposals.pick_level",
            name=goal.presser,
            target=goal,
            form=goal.forms[form_index].name,
        ),
        rows,
    )


@refusals
async def on_level(update: Update, context: BotContext) -> None:
    """A level was picked: the proposal is recorded and the chair is told."""
    query = update.callback_query
    assert query is not None
    pressed = ProposalLevel.unpack(query.data)
    proposal = await context.services.proposals.propose(
        tg_user_id=query.from_user.id,
        source=pressed.source,
        source_id=pressed.source_id,
        form_index=pressed.form,
        level_index=pressed.level,
    )
    locale, texts = await _locale(update, context), context.deps.texts
    await query.answer(texts.plain(locale, "proposals.proposed_toast"))
    await _edit(update, texts.render(locale, "proposals.proposed", proposal=proposal), None)


@refusals
async def on_dismiss(update: Update, context: BotContext) -> None:
    """✖️ on a picker: nothing is proposed (council members only may dismiss it)."""
    query = update.callback_query
    assert query is not None
    ProposalDismissed.unpack(query.data)
    chat = update.effective_chat
    name = await context.services.proposals.check_council(
        tg_user_id=query.from_user.id, chat_id=chat.id if chat is not None else None
    )
    await query.answer()
    locale = await _locale(update, context)
    await _edit(
        update, context.deps.texts.render(locale, "proposals.picker_cancelled", name=name), None
    )


@refusals
async def on_chair(update: Update, context: BotContext) -> None:
    """The chair's ✅ confirms at once; ✖️ asks for a reason (canned buttons, or typed)."""
    query = update.callback_query
    assert query is not None
    pressed = ProposalChair.unpack(query.data)
    proposal_id, texts, use = pressed.proposal_id, context.deps.texts, context.services.proposals
    locale = await user_locale(context, update)
    if pressed.confirm:
        await use.confirm(proposal_id=proposal_id, chair_tg_id=query.from_user.id)
        await query.answer(texts.plain(locale, "proposals.confirmed_toast"))
        return
    proposal, typed, picks = await use.ask_reason(
        proposal_id=proposal_id, chair_tg_id=query.from_user.id
    )
    await query.answer()
    text = texts.render(locale, "proposals.decline_prompt", proposal=proposal, typed=typed)
    buttons = [
        [(reason[:64], ProposalReason(proposal_id, i).pack())] for i, reason in enumerate(picks)
    ]
    await reply_to_pressed(update, context, text, buttons)


async def _decline(
    update: Update,
    context: BotContext,
    proposal_id: int,
    reason: str | None = None,
    *,
    canned: int | None = None,
) -> None:
    user = update.effective_user
    assert user is not None
    proposal = await context.services.proposals.decline(
        proposal_id=proposal_id, chair_tg_id=user.id, reason=reason, canned=canned
    )
    locale = await user_locale(context, update)
    done = context.deps.texts.render(locale, "proposals.reason_done", proposal=proposal)
    if update.callback_query is not None:
        await update.callback_query.answer()
        await _edit(update, done, None)
    else:
        await say(update, context, "proposals.reason_done", proposal=proposal)


@refusals
async def on_canned_reason(update: Update, context: BotContext) -> None:
    """A canned reason to decline was picked."""
    query = update.callback_query
    assert query is not None
    pressed = ProposalReason.unpack(query.data)
    await _decline(update, context, pressed.proposal_id, canned=pressed.index)


@refusals
async def on_reason_text(update: Update, context: BotContext) -> None:
    """The chair typed a reason to decline (routed here by the private-text dialogue)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    proposal_id = await context.services.proposals.owed_reason(chair_tg_id=user.id)
    if proposal_id is None:
        raise Invalid("errors.no_dialogue")
    await _decline(update, context, proposal_id, message.text or "")
