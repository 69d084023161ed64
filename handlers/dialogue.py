"""Free text in a private chat: routed by the user's durable conversation step."""

from __future__ import annotations

from telegram import Update

from handlers import broadcast, campaigns, proposals, publishing, settings, stories
from handlers.base import refusals, say
from runtime.context import BotContext
from services import conversations, members
from services.people import actor
from storage.models import Department, MemberStatus
from ui.buttons import pack


@refusals
async def on_private_text(update: Update, context: BotContext) -> None:
    """Continue the user's dialogue with the text they sent, or explain what the bot can do."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.text is not None
    deps, now = context.deps, context.deps.clock()
    async with deps.sessions() as session:
        convo = await conversations.current(session, chat_id=user.id, user_id=user.id)
        if convo is None:
            who = await actor(session, user.id)
    if convo is None:
        if who.membership is not None and who.membership.status == MemberStatus.LEFT:
            await say(update, context, "errors.deactivated")
        elif who.role is None:
            await say(update, context, "common.welcome_stranger")
        else:
            await say(update, context, "common.not_understood")
        return
    if convo.kind == "report":
        await stories.on_report_text(update, context)
        return
    if convo.kind in ("campaign", "campaign_edit"):
        await campaigns.on_text(update, context)
        return
    if convo.kind == "reason":
        await stories.on_reason_text(update, context)
        return
    if convo.kind == "broadcast":
        await broadcast.on_compose_text(update, context)
        return
    if convo.kind == "channel":
        await publishing.on_channel_text(update, context)
        return
    if convo.kind == "proposal_reason":
        await proposals.on_reason_text(update, context)
        return
    if convo.kind == "setting":
        await settings.on_text(update, context)
        return
    step = (convo.kind, convo.step)
    if step in (("join", "name"), ("profile", "name")):
        async with deps.sessions() as session:
            departments = await members.give_name(
                session, tg_user_id=user.id, raw=message.text, now=now
            )
        await say(
            update,
            context,
            "join.ask_department",
            name=" ".join(message.text.split()),
            buttons=_department_rows(departments),
        )
    elif step in (("join", "department"), ("profile", "department")):
        async with deps.sessions() as session:
            departments = await members.list_departments(session, org_id=int(convo.data["org_id"]))
        await say(
            update,
            context,
            "join.ask_department",
            name=str(convo.data["name"]),
            buttons=_department_rows(departments),
        )
    elif step == ("dept", "add"):
        async with deps.sessions() as session:
            dept = await members.add_department(
                session, tg_user_id=user.id, name=message.text, now=now
            )
            await conversations.end(session, chat_id=user.id, user_id=user.id)
            await session.commit()
        await say(update, context, "departments.added", name=dept.name)
    elif step == ("dept", "rename"):
        async with deps.sessions() as session:
            dept = await members.rename_department(
                session,
                tg_user_id=user.id,
                department_id=int(convo.data["department_id"]),
                name=message.text,
                now=now,
            )
            await conversations.end(session, chat_id=user.id, user_id=user.id)
            await session.commit()
        await say(update, context, "departments.renamed", name=dept.name)
    else:
        await say(update, context, "common.not_understood")


def _department_rows(departments: list[Department]) -> list[list[tuple[str, str]]]:
    buttons = [(d.name, pack("jd", d.id)) for d in departments]
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
