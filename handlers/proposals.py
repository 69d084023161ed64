"""Commendation proposals: the council member's form and level pickers, the chair's decision."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ChatType, ParseMode

from handlers.base import Buttons, refusals, say, user_locale
from runtime.context import BotContext
from services import proposals
from services.errors import Invalid
from services.proposals import Target
from ui.buttons import pack, unpack
from ui.keyboards import keyboard

# services.proposals imports ui.buttons, hence handlers: only the module is imported
# at load time here (its attributes are read at call time), or the import would be circular.


async def _locale(update: Update, context: BotContext) -> str:
    """The presser's language in private; the school's in the council group (read by all)."""
    chat = update.effective_chat
    if chat is not None and chat.type != ChatType.PRIVATE:
        return context.deps.texts.default_locale
    return await user_locale(context, update)


def _name(update: Update) -> str:
    user = update.effective_user
    return user.full_name if user else ""


async def _edit(update: Update, text: str, buttons: Buttons | None) -> None:
    """Replace the picker's text and buttons (one message per proposal being made)."""
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    await query.message.edit_text(
        text,
        parse_mode=ParseMode.HTML,
        reply_markup=keyboard([[list(b) for b in row] for row in buttons]) if buttons else None,
    )


def _form_buttons(context: BotContext, locale: str, goal: Target) -> Buttons:
    rows: list[list[tuple[str, str]]] = [
        [(form.name, pack("pf", goal.source, goal.source_id, i))]
        for i, form in enumerate(goal.forms)
    ]
    rows.append([(context.deps.texts.plain(locale, "proposals.cancel_button"), pack("pz"))])
    return rows


@refusals
async def on_propose(update: Update, context: BotContext) -> None:
    """🏅 on an approved story's card: the form picker, as a reply to the card."""
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    pressed = unpack(query.data)
    source, source_id = str(pressed.args[0]), pressed.int(1)
    async with context.deps.sessions() as session:
        goal = await proposals.target(
            session, tg_user_id=query.from_user.id, source=source, source_id=source_id
        )
    await query.answer()
    locale = await _locale(update, context)
    await context.bot.send_message(
        query.message.chat.id,
        context.deps.texts.render(locale, "proposals.pick_form", name=_name(update), target=goal),
        parse_mode=ParseMode.HTML,
        reply_to_message_id=query.message.message_id,
        reply_markup=keyboard(
            [[list(b) for b in row] for row in _form_buttons(context, locale, goal)]
        ),
    )


@refusals
async def on_form(update: Update, context: BotContext) -> None:
    """A form was picked: the level picker (the form's usual level marked)."""
    query = update.callback_query
    assert query is not None
    pressed = unpack(query.data)
    source, source_id, form_index = str(pressed.args[0]), pressed.int(1), pressed.int(2)
    async with context.deps.sessions() as session:
        goal = await proposals.target(
            session, tg_user_id=query.from_user.id, source=source, source_id=source_id
        )
    if form_index >= len(goal.forms):
        raise Invalid("errors.stale_button")
    await query.answer()
    locale, texts = await _locale(update, context), context.deps.texts
    usual = goal.default_level(form_index)
    levels = [
        (
            texts.plain(locale, "proposals.level_button", level=level, usual=i == usual),
            pack("pl", source, source_id, form_index, i),
        )
        for i, level in enumerate(goal.levels)
    ]
    rows = [levels[i : i + 2] for i in range(0, len(levels), 2)]
    rows.append([(texts.plain(locale, "proposals.cancel_button"), pack("pz"))])
    await _edit(
        update,
        texts.render(
            locale,
            "proposals.pick_level",
            name=_name(update),
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
    pressed = unpack(query.data)
    deps = context.deps
    async with deps.sessions() as session:
        proposal = await proposals.propose(
            session,
            tg_user_id=query.from_user.id,
            source=str(pressed.args[0]),
            source_id=pressed.int(1),
            form_index=pressed.int(2),
            level_index=pressed.int(3),
            texts=deps.texts,
            now=deps.clock(),
        )
    locale = await _locale(update, context)
    await query.answer(deps.texts.plain(locale, "proposals.proposed_toast"))
    await _edit(update, deps.texts.render(locale, "proposals.proposed", proposal=proposal), None)


@refusals
async def on_dismiss(update: Update, context: BotContext) -> None:
    """✖️ on a picker: nothing is proposed (council members only may dismiss it)."""
    query = update.callback_query
    assert query is not None
    async with context.deps.sessions() as session:
        await proposals.check_council(session, tg_user_id=query.from_user.id)
    await query.answer()
    locale = await _locale(update, context)
    await _edit(
        update,
        context.deps.texts.render(locale, "proposals.picker_cancelled", name=_name(update)),
        None,
    )


@refusals
async def on_chair(update: Update, context: BotContext) -> None:
    """The chair's ✅ confirms at once; ✖️ asks for a reason (canned buttons, or typed)."""
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    pressed = unpack(query.data)
    proposal_id, confirm = pressed.int(0), bool(pressed.args[1])
    deps = context.deps
    locale = await user_locale(context, update)
    if confirm:
        async with deps.sessions() as session:
            await proposals.decide(
                session,
                proposal_id=proposal_id,
                chair_tg_id=query.from_user.id,
                confirm=True,
                reason=None,
                texts=deps.texts,
                now=deps.clock(),
            )
        await query.answer(deps.texts.plain(locale, "proposals.confirmed_toast"))
        return
    async with deps.sessions() as session:
        typed = await proposals.await_reason(
            session, chair_tg_id=query.from_user.id, proposal_id=proposal_id, now=deps.clock()
        )
        proposal = await proposals.view(session, proposal_id)
    await query.answer()
    await context.bot.send_message(
        query.message.chat.id,
        deps.texts.render(locale, "proposals.decline_prompt", proposal=proposal, typed=typed),
        parse_mode=ParseMode.HTML,
        reply_to_message_id=query.message.message_id,
        reply_markup=keyboard(
            [
                [[reason, pack("pr", proposal_id, i)]]
                for i, reason in enumerate(proposals.DECLINE_REASONS)
            ]
        ),
    )


async def _decline(update: Update, context: BotContext, proposal_id: int, reason: str) -> None:
    user = update.effective_user
    assert user is not None
    deps = context.deps
    async with deps.sessions() as session:
        proposal = await proposals.decide(
            session,
            proposal_id=proposal_id,
            chair_tg_id=user.id,
            confirm=False,
            reason=reason,
            texts=deps.texts,
            now=deps.clock(),
        )
    locale = await user_locale(context, update)
    done = deps.texts.render(locale, "proposals.reason_done", proposal=proposal)
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
    pressed = unpack(query.data)
    index = pressed.int(1)
    if index >= len(proposals.DECLINE_REASONS):
        raise Invalid("errors.bad_button")
    await _decline(update, context, pressed.int(0), proposals.DECLINE_REASONS[index])


@refusals
async def on_reason_text(update: Update, context: BotContext) -> None:
    """The chair typed a reason to decline (routed here by the private-text dialogue)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    async with context.deps.sessions() as session:
        proposal_id = await proposals.awaited(session, chair_tg_id=user.id)
    if proposal_id is None:
        raise Invalid("errors.no_dialogue")
    await _decline(update, context, proposal_id, message.text or "")
