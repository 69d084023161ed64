"""Campaigns: /newcampaign (guided, with a preview), /campaigns, cards, registration, changes."""

from __future__ import annotations

from typing import Literal

from telegram import Update

from handlers.base import Buttons, edit_or_say, refusals, say, user_locale
from runtime.context import BotContext
from services.campaigns import CampaignCard, CampaignView, DraftStep
from storage.models import CampaignKind
from ui.buttons.base import BadCallback, parse
from ui.buttons.campaigns import (
    CampaignList,
    ChangeDates,
    CloseConfirmed,
    CloseEarly,
    JoinCampaign,
    KindChosen,
    LevelChosen,
    NoticeCampaign,
    PreviewAction,
    RegisterTitle,
    RemindersChosen,
    ShowCampaign,
    SkipDescription,
    StartNow,
    WithdrawRegistration,
)

CAMPAIGN_KINDS: tuple[Literal["good_deeds", "registration", "opt_in"], ...] = (
    "good_deeds",
    "registration",
    "opt_in",
)


async def _show_step(update: Update, context: BotContext, draft: DraftStep, *, edit: bool) -> None:
    """The prompt of the creation step the dialogue is at."""
    texts, locale = context.deps.texts, await user_locale(context, update)
    show = edit_or_say if edit else say
    step = draft.step
    if step == "name":
        await show(update, context, "campaigns.ask_name", example=draft.examples)
    elif step == "description":
        await show(
            update,
            context,
            "campaigns.ask_description",
            buttons=[[(texts.plain(locale, "campaigns.skip_button"), SkipDescription().pack())]],
        )
    elif step == "level":
        buttons = [(level, LevelChosen(index=i).pack()) for i, level in enumerate(draft.levels)]
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
                [
                    (
                        texts.plain(locale, f"campaigns.kind_{kind}"),
                        KindChosen(campaign_kind=kind).pack(),
                    )
                ]
                for kind in CAMPAIGN_KINDS
            ],
        )
    elif step == "start":
        label = texts.plain(locale, "campaigns.start_now_button")
        await show(
            update,
            context,
            "campaigns.ask_start",
            example=draft.examples,
            buttons=[[(label, StartNow().pack())]],
        )
    elif step == "end":
        await show(update, context, "campaigns.ask_end", example=draft.examples)
    elif step == "reminders":
        await show(
            update,
            context,
            "campaigns.ask_reminders",
            buttons=[
                [
                    (
                        texts.plain(locale, "campaigns.default_reminders_button"),
                        RemindersChosen(reminders="default").pack(),
                    ),
                    (
                        texts.plain(locale, "campaigns.no_reminders_button"),
                        RemindersChosen(reminders="none").pack(),
                    ),
                ]
            ],
        )
    else:
        await show(
            update,
            context,
            "campaigns.preview",
            campaign=draft.preview,
            buttons=[
                [
                    (
                        texts.plain(locale, "campaigns.create_button"),
                        PreviewAction(action="create").pack(),
                    ),
                    (
                        texts.plain(locale, "campaigns.cancel_button"),
                        PreviewAction(action="cancel").pack(),
                    ),
                ]
            ],
        )


@refusals
async def new_campaign(update: Update, context: BotContext) -> None:
    """/newcampaign: the chair or vice-chair creates a campaign."""
    user = update.effective_user
    assert user is not None
    draft = await context.services.campaigns.begin(tg_user_id=user.id)
    await _show_step(update, context, draft, edit=False)


async def on_text(update: Update, context: BotContext) -> None:
    """A typed answer in the creation or date-change dialogue (from the private-text router)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.text is not None
    answered = await context.services.campaigns.answer(tg_user_id=user.id, text=message.text)
    if isinstance(answered, CampaignView):  # new dates for a campaign
        context.deps.schedule_changed()
        await say(update, context, "campaigns.rescheduled", campaign=answered)
        return
    await _show_step(update, context, answered, edit=False)


@refusals
async def on_choice(update: Update, context: BotContext) -> None:
    """A button of the creation dialogue (skip, level, kind, reminders)."""
    query = update.callback_query
    assert query is not None
    match parse(query.data):
        case LevelChosen(index=index):
            what, value = "level", str(index)
        case KindChosen(campaign_kind=kind):
            what, value = "kind", kind
        case RemindersChosen(reminders=reminders):
            what, value = "reminders", reminders
        case SkipDescription():
            what, value = "skip", ""
        case StartNow():
            what, value = "now", ""
        case _:
            raise BadCallback(repr(query.data))
    draft = await context.services.campaigns.choose(
        tg_user_id=query.from_user.id, what=what, value=value
    )
    await query.answer()
    await _show_step(update, context, draft, edit=True)


@refusals
async def on_preview(update: Update, context: BotContext) -> None:
    """Create the campaign, or cancel."""
    query = update.callback_query
    assert query is not None
    action = PreviewAction.unpack(query.data).action
    user_id = query.from_user.id
    if action == "cancel":
        await context.services.campaigns.cancel(tg_user_id=user_id)
        await query.answer()
        await edit_or_say(update, context, "campaigns.creation_cancelled")
        return
    view = await context.services.campaigns.create(tg_user_id=user_id)
    context.deps.schedule_changed()
    await query.answer()
    starts_now = view.starts_at <= context.services.campaigns.now()  # announced right away
    await edit_or_say(update, context, "campaigns.created", campaign=view, starts_now=starts_now)


async def _card_buttons(context: BotContext, update: Update, card: CampaignCard) -> Buttons:
    texts, locale = context.deps.texts, await user_locale(context, update)
    view = card.campaign
    rows: list[list[tuple[str, str]]] = []
    if view.status == "open" and view.kind == CampaignKind.REGISTRATION:
        rows += [
            [
                (
                    texts.plain(locale, "campaigns.register_button", title=name),
                    RegisterTitle(campaign_id=view.id, title_id=title_id).pack(),
                )
            ]
            for title_id, name in view.titles
            if name != view.my_title
        ]
        if view.my_title:
            rows.append(
                [
                    (
                        texts.plain(locale, "campaigns.unregister_button"),
                        WithdrawRegistration(campaign_id=view.id).pack(),
                    )
                ]
            )
    if view.status != "closed" and view.kind == CampaignKind.OPT_IN and not view.joined:
        rows.append(
            [
                (
                    texts.plain(locale, "campaigns.join_button"),
                    JoinCampaign(campaign_id=view.id).pack(),
                )
            ]
        )
    if card.leader and view.status != "closed":
        rows.append(
            [
                (
                    texts.plain(locale, "campaigns.reschedule_button"),
                    ChangeDates(campaign_id=view.id).pack(),
                ),
                (
                    texts.plain(locale, "campaigns.close_button"),
                    CloseEarly(campaign_id=view.id).pack(),
                ),
            ]
        )
    rows.append([(texts.plain(locale, "campaigns.back_button"), CampaignList().pack())])
    return rows


async def _show_card(
    update: Update, context: BotContext, card: CampaignCard, *, edit: bool
) -> None:
    show = edit_or_say if edit else say
    await show(
        update,
        context,
        "campaigns.card_with_standing",
        campaign=card.campaign,
        buttons=await _card_buttons(context, update, card),
    )


async def _show_list(update: Update, context: BotContext, *, edit: bool) -> None:
    user = update.effective_user
    assert user is not None
    views = await context.services.campaigns.listing(tg_user_id=user.id)
    show = edit_or_say if edit else say
    if not views:
        await show(update, context, "campaigns.list_empty")
        return
    await show(
        update,
        context,
        "campaigns.list",
        campaigns=views,
        buttons=[[(v.name[:60], ShowCampaign(campaign_id=v.id).pack())] for v in views],
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
    pressed = parse(query.data)
    if not isinstance(pressed, ShowCampaign | NoticeCampaign):
        raise BadCallback(repr(query.data))
    card = await context.services.campaigns.card(
        tg_user_id=query.from_user.id, campaign_id=pressed.campaign_id
    )
    # From a notice the card opens below it, so the notice itself stays readable.
    await _show_card(update, context, card, edit=isinstance(pressed, ShowCampaign))
    await query.answer()


@refusals
async def on_register(update: Update, context: BotContext) -> None:
    """Register a title from the campaign's card."""
    query = update.callback_query
    assert query is not None
    pressed = RegisterTitle.unpack(query.data)
    card = await context.services.campaigns.register(
        tg_user_id=query.from_user.id, campaign_id=pressed.campaign_id, title_id=pressed.title_id
    )
    await _toast_and_redraw(
        update, context, card, "campaigns.registered_toast", title=card.campaign.my_title or ""
    )


@refusals
async def on_unregister(update: Update, context: BotContext) -> None:
    """Withdraw one's registration."""
    query = update.callback_query
    assert query is not None
    card = await context.services.campaigns.withdraw(
        tg_user_id=query.from_user.id,
        campaign_id=WithdrawRegistration.unpack(query.data).campaign_id,
    )
    await _toast_and_redraw(update, context, card, "campaigns.unregistered_toast")


@refusals
async def on_join(update: Update, context: BotContext) -> None:
    """Join an opt-in campaign."""
    query = update.callback_query
    assert query is not None
    card = await context.services.campaigns.join(
        tg_user_id=query.from_user.id, campaign_id=JoinCampaign.unpack(query.data).campaign_id
    )
    await _toast_and_redraw(update, context, card, "campaigns.joined_toast")


async def _toast_and_redraw(
    update: Update, context: BotContext, card: CampaignCard, key: str, /, **values: object
) -> None:
    """Say what the press did in a toast, then show the card as it is now."""
    query = update.callback_query
    assert query is not None
    locale = await user_locale(context, update)
    await query.answer(context.deps.texts.plain(locale, key, **values))
    await _show_card(update, context, card, edit=True)


@refusals
async def on_reschedule(update: Update, context: BotContext) -> None:
    """Ask for new dates (leaders)."""
    query = update.callback_query
    assert query is not None
    view = await context.services.campaigns.begin_reschedule(
        tg_user_id=query.from_user.id, campaign_id=ChangeDates.unpack(query.data).campaign_id
    )
    await query.answer()
    await say(update, context, "campaigns.ask_new_dates", campaign=view)


@refusals
async def on_close(update: Update, context: BotContext) -> None:
    """Ask to confirm ending a campaign early (leaders)."""
    query = update.callback_query
    assert query is not None
    campaign_id = CloseEarly.unpack(query.data).campaign_id
    texts, locale = context.deps.texts, await user_locale(context, update)
    view = await context.services.campaigns.closing_asked(
        tg_user_id=query.from_user.id, campaign_id=campaign_id
    )
    await query.answer()
    await edit_or_say(
        update,
        context,
        "campaigns.confirm_close",
        name=view.name,
        buttons=[
            [
                (
                    texts.plain(locale, "campaigns.confirm_close_button"),
                    CloseConfirmed(campaign_id=campaign_id).pack(),
                ),
                (
                    texts.plain(locale, "campaigns.back_button"),
                    ShowCampaign(campaign_id=campaign_id).pack(),
                ),
            ]
        ],
    )


@refusals
async def on_close_confirmed(update: Update, context: BotContext) -> None:
    """End the campaign now; the closing notice goes out at once."""
    query = update.callback_query
    assert query is not None
    view = await context.services.campaigns.close_early(
        tg_user_id=query.from_user.id, campaign_id=CloseConfirmed.unpack(query.data).campaign_id
    )
    context.deps.schedule_changed()
    await query.answer()
    await edit_or_say(update, context, "campaigns.closed", campaign=view)
