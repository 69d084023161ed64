"""Joining: a department is picked; a leader approves or rejects the request."""

from __future__ import annotations

from telegram import Update

from handlers.base import edit_or_say, refusals, user_locale
from runtime.context import BotContext
from services import members
from ui.buttons import unpack


@refusals
async def on_department_pick(update: Update, context: BotContext) -> None:
    """The newcomer (or the chair completing a profile) picked their department."""
    query = update.callback_query
    assert query is not None
    department_id = unpack(query.data).int()
    deps = context.deps
    async with deps.sessions() as session:
        chosen = await members.choose_department(
            session,
            tg_user_id=query.from_user.id,
            department_id=department_id,
            texts=deps.texts,
            now=deps.clock(),
        )
        invite_code = chosen.org.invite_code
    await query.answer()
    if chosen.kind == "profile":
        await edit_or_say(
            update,
            context,
            "join.profile_done",
            org=chosen.org.name,
            invite_link=deps.deep_link(f"j_{invite_code}"),
        )
    else:
        await edit_or_say(
            update,
            context,
            "join.request_sent",
            org=chosen.org.name,
            department=chosen.department.name,
        )


@refusals
async def on_join_decision(update: Update, context: BotContext) -> None:
    """A leader approved or rejected a join request; every leader's copy shows the outcome."""
    query = update.callback_query
    assert query is not None
    pressed = unpack(query.data)
    deps = context.deps
    async with deps.sessions() as session:
        decision = await members.decide_join(
            session,
            membership_id=pressed.int(0),
            approver_tg_id=query.from_user.id,
            approve=bool(pressed.args[1]),
            texts=deps.texts,
            now=deps.clock(),
        )
    locale = await user_locale(context, update)
    await query.answer(deps.texts.plain(locale, "join.decided_toast", approved=decision.approved))
