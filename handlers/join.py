"""Joining: the newcomer's name and department (also the chair's profile); a leader approves or
rejects the request."""

from __future__ import annotations

import functools

from telegram import Update

from handlers.base import edit_or_say, refusals, say, user_locale
from handlers.menus import set_user_menu
from runtime.context import BotContext
from services.conversations import Where
from services.members.cases import DepartmentRow
from storage.models import Address
from ui.buttons.members import AddressPicked, DepartmentPicked, JoinDecided


async def on_join_text(update: Update, context: BotContext, where: Where) -> None:
    """The dialogue step of a join or profile: the full name, else the question asked again
    (Thầy or Cô, or the departments)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and message.text is not None and user is not None
    if where.step == "name":
        name = await context.services.members.give_name(tg_user_id=user.id, text=message.text)
        await _ask_address(update, context, name)
    elif where.step == "address":
        await _ask_address(update, context, str(where.data["name"]))
    elif where.step == "department":
        org_id = int(where.data["org_id"])
        departments = await context.services.members.departments_to_pick(org_id=org_id)
        await say(
            update,
            context,
            "join.ask_department",
            name=str(where.data["name"]),
            address=where.data.get("address"),
            buttons=_department_rows(departments),
        )
    else:
        await say(update, context, "common.not_understood")


async def _ask_address(update: Update, context: BotContext, name: str) -> None:
    locale = await user_locale(context, update)
    label = functools.partial(context.deps.texts.plain, locale)
    buttons = [
        [
            (label("join.address_thay"), AddressPicked(Address.THAY).pack()),
            (label("join.address_co"), AddressPicked(Address.CO).pack()),
        ]
    ]
    await say(update, context, "join.ask_address", name=name, buttons=buttons)


@refusals
async def on_address_pick(update: Update, context: BotContext) -> None:
    """The newcomer (or the chair completing a profile) said how to address them."""
    query = update.callback_query
    assert query is not None
    chosen = await context.services.members.choose_address(
        tg_user_id=query.from_user.id, address=AddressPicked.unpack(query.data).address
    )
    await query.answer()
    await edit_or_say(
        update,
        context,
        "join.ask_department",
        name=chosen.name,
        address=chosen.address,
        buttons=_department_rows(chosen.departments),
    )


def _department_rows(departments: list[DepartmentRow]) -> list[list[tuple[str, str]]]:
    buttons = [(d.name, DepartmentPicked(d.id).pack()) for d in departments]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


@refusals
async def on_department_pick(update: Update, context: BotContext) -> None:
    """The newcomer (or the chair completing a profile) picked their department."""
    query = update.callback_query
    assert query is not None
    pressed = DepartmentPicked.unpack(query.data)
    joined = await context.services.members.choose_department(
        tg_user_id=query.from_user.id, department_id=pressed.department_id
    )
    await query.answer()
    if joined.profile:
        add_label = context.deps.texts.plain(
            await user_locale(context, update), "join.add_to_group_button"
        )
        await edit_or_say(
            update,
            context,
            "join.profile_done",
            org=joined.org,
            invite_link=context.deps.deep_link(f"j_{joined.invite_code}"),
            buttons=[[(add_label, "url:" + context.deps.group_link("council"))]],
        )
    else:
        await edit_or_say(
            update, context, "join.request_sent", org=joined.org, department=joined.department
        )


@refusals
async def on_join_decision(update: Update, context: BotContext) -> None:
    """A leader approved or rejected a join request; every leader's copy shows the outcome."""
    query = update.callback_query
    assert query is not None
    pressed = JoinDecided.unpack(query.data)
    decision = await context.services.members.decide_join(
        tg_user_id=query.from_user.id, membership_id=pressed.membership_id, approve=pressed.approve
    )
    if decision.role is not None:  # the approved person (not the presser) gets their menu
        await set_user_menu(context.bot, decision.tg_user_id, decision.role, decision.locale)
    locale = await user_locale(context, update)
    toast = context.deps.texts.plain(locale, "join.decided_toast", approved=decision.approved)
    await query.answer(toast)
