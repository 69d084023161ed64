"""Campaigns: /newcampaign (guided, with a preview), /campaigns, cards, registration, changes."""

from __future__ import annotations

from typing import Any

from telegram import Update

from handlers.base import Buttons, edit_or_say, refusals, say, user_locale
from runtime.context import BotContext
from services import campaigns, conversations
from services.campaigns import CampaignView
from services.people import LEADERS, actor
from storage.models import CampaignKind
from ui.buttons import pack, unpack


async def _show_step(
    update: Update, context: BotContext, state: dict[str, Any], *, edit: bool
) -> None:
    """The prompt of the creation step the dialogue is at."""
    texts, locale = context.deps.texts, await user_locale(context, update)
    show = edit_or_say if edit else say
    step = state["step"]
    if step == "name":
        await show(update, context, "campaigns.ask_name")
    elif step == "description":
        await show(
            update,
            context,
            "campaigns.ask_description",
            buttons=[[(texts.plain(locale, "campaigns.skip_button"), pack("cs"))]],
        )
    elif step == "level":
        levels = state.get("levels") or []
        buttons = [(level, pack("cl", i)) for i, level in enumerate(levels)]
        await show(
            update,
            context,
            "campaigns.ask_level",
            buttons=[buttons[i : i + 2] for i in range(0, len(buttons), 2)],
        )
    elif step == "kind":
        await show(
            update,
            context,
            "campaigns.ask_kind",
            buttons=[
                [(texts.plain(locale, f"campaigns.kind_{kind}"), pack("ck", kind))]
                for kind in ("good_deeds", "registration", "opt_in")
            ],
        )
    elif step == "start":
        await show(update, context, "campaigns.ask_start")
    elif step == "end":
        await show(update, context, "campaigns.ask_end")
    elif step == "reminders":
        await show(
            update,
            context,
            "campaigns.ask_reminders",
            buttons=[
                [
                    (
                        texts.plain(locale, "campaigns.default_reminders_button"),
                        pack("cm", "default"),
                    ),
                    (texts.plain(locale, "campaigns.no_reminders_button"), pack("cm", "none")),
                ]
            ],
        )
    else:
        await show(
            update,
            context,
            "campaigns.preview",
            campaign=campaigns.draft_view(state),
            buttons=[
                [
                    (texts.plain(locale, "campaigns.create_button"), pack("cp", "create")),
                    (texts.plain(locale, "campaigns.cancel_button"), pack("cp", "cancel")),
                ]
            ],
        )


@refusals
async def new_campaign(update: Update, context: BotContext) -> None:
    """/newcampaign: the chair or vice-chair creates a campaign."""
    user = update.effective_user
    assert user is not None
    async with context.deps.sessions() as session:
        state = await campaigns.begin(session, tg_user_id=user.id, now=context.deps.clock())
    await _show_step(update, context, state, edit=False)


async def on_text(update: Update, context: BotContext) -> None:
    """A typed answer in the creation or date-change dialogue (from the private-text router)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.text is not None
    deps = context.deps
    async with deps.sessions() as session:  # closed before talking to Telegram
        convo = await conversations.current(session, chat_id=user.id, user_id=user.id)
        assert convo is not None
        if convo.kind == "campaign_edit":
            view = await campaigns.reschedule(
                session,
                tg_user_id=user.id,
                text=message.text,
                tz=deps.settings.tz,
                now=deps.clock(),
            )
        else:
            state = await campaigns.answer(
                session,
                tg_user_id=user.id,
                text=message.text,
                tz=deps.settings.tz,
                now=deps.clock(),
            )
    if convo.kind == "campaign_edit":
        context.deps.schedule_changed()
        await say(update, context, "campaigns.rescheduled", campaign=view)
        return
    await _show_step(update, context, state, edit=False)


@refusals
async def on_choice(update: Update, context: BotContext) -> None:
    """A button of the creation dialogue (skip, level, kind, reminders)."""
    query = update.callback_query
    assert query is not None
    pressed = unpack(query.data)
    what = {"cs": "skip", "cl": "level", "ck": "kind", "cm": "reminders"}[pressed.kind]
    value = str(pressed.args[0]) if pressed.args else ""
    async with context.deps.sessions() as session:
        state = await campaigns.choose(
            session, tg_user_id=query.from_user.id, what=what, value=value, now=context.deps.clock()
        )
    await query.answer()
    await _show_step(update, context, state, edit=True)


@refusals
async def on_preview(update: Update, context: BotContext) -> None:
    """Create the campaign, or cancel."""
    query = update.callback_query
    assert query is not None
    action = str(unpack(query.data).args[0])
    user_id, deps = query.from_user.id, context.deps
    if action == "cancel":
        async with deps.sessions() as session:
            await campaigns.cancel(session, tg_user_id=user_id)
        await query.answer()
        await edit_or_say(update, context, "campaigns.creation_cancelled")
        return
    async with deps.sessions() as session:
        view = await campaigns.create(session, tg_user_id=user_id, now=deps.clock())
    context.deps.schedule_changed()
    await query.answer()
    await edit_or_say(update, context, "campaigns.created", campaign=view)


async def _card_buttons(
    context: BotContext, update: Update, view: CampaignView, leader: bool
) -> Buttons:
    texts, locale = context.deps.texts, await user_locale(context, update)
    rows: list[list[tuple[str, str]]] = []
    if view.status == "open" and view.kind == CampaignKind.REGISTRATION:
        rows += [
            [
                (
                    texts.plain(locale, "campaigns.register_button", title=name),
                    pack("cg", view.id, title_id),
                )
            ]
            for title_id, name in view.titles
            if name != view.my_title
        ]
        if view.my_title:
            rows.append([(texts.plain(locale, "campaigns.unregister_button"), pack("cw", view.id))])
    if view.status != "closed" and view.kind == CampaignKind.OPT_IN and not view.joined:
        rows.append([(texts.plain(locale, "campaigns.join_button"), pack("cj", view.id))])
    if leader and view.status != "closed":
        rows.append(
            [
                (texts.plain(locale, "campaigns.reschedule_button"), pack("ce", view.id)),
                (texts.plain(locale, "campaigns.close_button"), pack("cx", view.id)),
            ]
        )
    rows.append([(texts.plain(locale, "campaigns.back_button"), pack("ca"))])
    return rows


async def _show_card(update: Update, context: BotContext, campaign_id: int, *, edit: bool) -> None:
    user = update.effective_user
    assert user is not None
    async with context.deps.sessions() as session:
        view = await campaigns.card(session, tg_user_id=user.id, campaign_id=campaign_id)
        leader = (await actor(session, user.id)).role in LEADERS
    show = edit_or_say if edit else say
    await show(
        update,
        context,
        "campaigns.card_with_standing",
        campaign=view,
        buttons=await _card_buttons(context, update, view, leader),
    )


async def _show_list(update: Update, context: BotContext, *, edit: bool) -> None:
    user = update.effective_user
    assert user is not None
    async with context.deps.sessions() as session:
        views = await campaigns.listing(session, tg_user_id=user.id)
    show = edit_or_say if edit else say
    if not views:
        await show(update, context, "campaigns.list_empty")
        return
    await show(
        update,
        context,
        "campaigns.list",
        campaigns=views,
        buttons=[[(v.name[:60], pack("cc", v.id))] for v in views],
    )


@refusals
async def campaigns_command(update: Update, context: BotContext) -> None:
    """/campaigns: open and upcoming campaigns, with buttons."""
    await _show_list(update, context, edit=False)


@refusals
async def on_list(update: Update, context: BotContext) -> None:
    """Back to the campaign list."""
    query = update.callback_query
    assert query is not None
    await _show_list(update, context, edit=True)
    await query.answer()


@refusals
async def on_card(update: Update, context: BotContext) -> None:
    """Open a campaign's card (from the list or from a notice)."""
    query = update.callback_query
    assert query is not None
    pressed = unpack(query.data)
    # From a notice ("cn") the card opens below it, so the notice itself stays readable.
    await _show_card(update, context, pressed.int(), edit=pressed.kind == "cc")
    await query.answer()


@refusals
async def on_register(update: Update, context: BotContext) -> None:
    """Register a title from the campaign's card."""
    query = update.callback_query
    assert query is not None
    pressed = unpack(query.data)
    async with context.deps.sessions() as session:
        view = await campaigns.register(
            session,
            tg_user_id=query.from_user.id,
            campaign_id=pressed.int(0),
            title_id=pressed.int(1),
            now=context.deps.clock(),
        )
    await _toast_and_redraw(
        update, context, view.id, "campaigns.registered_toast", title=view.my_title or ""
    )


@refusals
async def on_unregister(update: Update, context: BotContext) -> None:
    """Withdraw one's registration."""
    query = update.callback_query
    assert query is not None
    async with context.deps.sessions() as session:
        view = await campaigns.withdraw_registration(
            session,
            tg_user_id=query.from_user.id,
            campaign_id=unpack(query.data).int(),
            now=context.deps.clock(),
        )
    await _toast_and_redraw(update, context, view.id, "campaigns.unregistered_toast")


@refusals
async def on_join(update: Update, context: BotContext) -> None:
    """Join an opt-in campaign."""
    query = update.callback_query
    assert query is not None
    async with context.deps.sessions() as session:
        view = await campaigns.join(
            session,
            tg_user_id=query.from_user.id,
            campaign_id=unpack(query.data).int(),
            now=context.deps.clock(),
        )
    await _toast_and_redraw(update, context, view.id, "campaigns.joined_toast")


async def _toast_and_redraw(
    update: Update, context: BotContext, campaign_id: int, key: str, /, **values: object
) -> None:
    """Say what the press did in a toast, then show the card as it is now."""
    query = update.callback_query
    assert query is not None
    locale = await user_locale(context, update)
    await query.answer(context.deps.texts.plain(locale, key, **values))
    await _show_card(update, context, campaign_id, edit=True)


@refusals
async def on_reschedule(update: Update, context: BotContext) -> None:
    """Ask for new dates (leaders)."""
    query = update.callback_query
    assert query is not None
    async with context.deps.sessions() as session:
        view = await campaigns.begin_reschedule(
            session,
            tg_user_id=query.from_user.id,
            campaign_id=unpack(query.data).int(),
            now=context.deps.clock(),
        )
    await query.answer()
    await say(update, context, "campaigns.ask_new_dates", campaign=view)


@refusals
async def on_close(update: Update, context: BotContext) -> None:
    """Ask to confirm ending a campaign early (leaders)."""
    query = update.callback_query
    assert query is not None
    campaign_id = unpack(query.data).int()
    texts, locale = context.deps.texts, await user_locale(context, update)
    async with context.deps.sessions() as session:
        view = await campaigns.card(session, tg_user_id=query.from_user.id, campaign_id=campaign_id)
        leader = (await actor(session, query.from_user.id)).role in LEADERS
    if not leader:
        await query.answer(texts.plain(locale, "errors.leaders_only"), show_alert=True)
        return
    await query.answer()
    await edit_or_say(
        update,
        context,
        "campaigns.confirm_close",
        name=view.name,
        buttons=[
            [
                (texts.plain(locale, "campaigns.confirm_close_button"), pack("cy", campaign_id)),
                (texts.plain(locale, "campaigns.back_button"), pack("cc", campaign_id)),
            ]
        ],
    )


@refusals
async def on_close_confirmed(update: Update, context: BotContext) -> None:
    """End the campaign now; the closing notice goes out at once."""
    query = update.callback_query
    assert query is not None
    async with context.deps.sessions() as session:
        view = await campaigns.close_early(
            session,
            tg_user_id=query.from_user.id,
            campaign_id=unpack(query.data).int(),
            now=context.deps.clock(),
        )
    context.deps.schedule_changed()
    await query.answer()
    await edit_or_say(update, context, "campaigns.closed", campaign=view)
