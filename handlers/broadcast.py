"""Broadcasts: /broadcast (compose, audience, preview, send), stop, read receipts, reminders."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from handlers import stories
from handlers.base import edit_or_say, refusals, say, user_locale
from runtime.context import BotContext
from services.broadcasts import AudienceOptions, Buttons, Draft, utf16_len
from ui.buttons import BadCallback, parse
from ui.buttons.broadcasts import (
    BroadcastAudience,
    BroadcastCampaign,
    BroadcastDepartment,
    BroadcastDraft,
    BroadcastRemind,
    BroadcastSeenList,
    BroadcastStop,
    ReadReceipt,
)
from ui.keyboards import keyboard

AUDIENCE = BroadcastDraft(action="aud").pack()
EDIT = BroadcastDraft(action="edit").pack()
SEND = BroadcastDraft(action="send").pack()
CANCEL = BroadcastDraft(action="cancel").pack()


def _kb(buttons: Any) -> InlineKeyboardMarkup | None:
    return keyboard([[list(b) for b in row] for row in buttons]) if buttons else None


async def _labels(update: Update, context: BotContext) -> tuple[Any, str]:
    return context.deps.texts, await user_locale(context, update)


async def _compose_buttons(update: Update, context: BotContext) -> Buttons:
    texts, locale = await _labels(update, context)
    return [
        [(texts.plain(locale, "broadcasts.to_audience_button"), AUDIENCE)],
        [(texts.plain(locale, "broadcasts.cancel_button"), CANCEL)],
    ]


@refusals
async def broadcast_command(update: Update, context: BotContext) -> None:
    """/broadcast: start an announcement (chair, vice-chair), or pick up the one in progress."""
    user = update.effective_user
    assert user is not None
    opened = await context.services.broadcasts.start(tg_user_id=user.id)
    draft = opened.draft
    # The prompt of the step the draft is at (also how a resumed draft picks up).
    if opened.options is not None:
        await _show_audience(update, context, opened.options, edit=False)
    elif draft.step == "preview":
        await _send_preview(update, context, draft)
    elif draft.empty:
        texts, locale = await _labels(update, context)
        cancel = [[(texts.plain(locale, "broadcasts.cancel_button"), CANCEL)]]
        await say(update, context, "broadcasts.ask_text", limit=draft.limit, buttons=cancel)
    else:
        buttons = await _compose_buttons(update, context)
        await say(update, context, "broadcasts.composed", d=draft, buttons=buttons)


async def on_compose_text(update: Update, context: BotContext) -> None:
    """Text while composing: the announcement, with the sender's formatting kept as HTML."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.text is not None
    draft = await context.services.broadcasts.set_text(
        tg_user_id=user.id, html=message.text_html, length=utf16_len(message.text)
    )
    buttons = await _compose_buttons(update, context)
    await say(update, context, "broadcasts.text_added", d=draft, buttons=buttons)


@refusals
async def on_media(update: Update, context: BotContext) -> None:
    """A photo or file: the announcement's one attachment, else what stories make of it."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    added = None
    if message.photo or message.document:
        if message.photo:
            kind, file_id, name = "photo", message.photo[-1].file_id, ""
        else:
            assert message.document is not None
            kind, file_id = "document", message.document.file_id
            name = message.document.file_name or ""
        added = await context.services.broadcasts.attach(
            tg_user_id=user.id,
            kind=kind,
            file_id=file_id,
            name=name,
            caption_html=message.caption_html if message.caption else "",
            caption_length=utf16_len(message.caption or ""),
            media_group_id=message.media_group_id,
        )
    if added is None:  # no announcement is being written
        if message.photo:
            await stories.on_photo(update, context)
        else:
            await stories.on_media(update, context)
        return
    if not added.acknowledge:
        return
    buttons = await _compose_buttons(update, context)
    await say(
        update,
        context,
        "broadcasts.media_added",
        d=added.draft,
        replaced=added.replaced,
        album=message.media_group_id is not None,
        buttons=buttons,
    )


async def _show_audience(
    update: Update, context: BotContext, options: AudienceOptions, *, edit: bool
) -> None:
    texts, locale = await _labels(update, context)
    everyone = texts.plain(locale, "broadcasts.everyone_button", count=options.everyone)
    council = texts.plain(locale, "broadcasts.council_button", count=options.council)
    rows: Buttons = [
        [(everyone, BroadcastAudience(audience="all").pack())],
        [(council, BroadcastAudience(audience="council").pack())],
        [
            (
                texts.plain(locale, "broadcasts.departments_button"),
                BroadcastAudience(audience="depts").pack(),
            )
        ],
    ]
    if options.campaigns:
        label = texts.plain(locale, "broadcasts.campaigns_button")
        rows.append([(label, BroadcastAudience(audience="camps").pack())])
    rows.append(
        [
            (texts.plain(locale, "broadcasts.edit_button"), EDIT),
            (texts.plain(locale, "broadcasts.cancel_button"), CANCEL),
        ]
    )
    show = edit_or_say if edit else say
    await show(update, context, "broadcasts.ask_audience", buttons=rows)


async def _show_choices(update: Update, context: BotContext, which: str) -> None:
    user = update.effective_user
    assert user is not None
    options = await context.services.broadcasts.audience_choices(tg_user_id=user.id)
    texts, locale = await _labels(update, context)
    rows: Buttons = []
    for c in options.departments if which == "depts" else options.campaigns:
        picked = int(c.key.partition(":")[2])
        button = (
            BroadcastDepartment(department_id=picked)
            if which == "depts"
            else BroadcastCampaign(campaign_id=picked)
        )
        label = texts.plain(locale, "broadcasts.choice_button", name=c.name, count=c.count)
        rows.append([(label, button.pack())])
    rows.append([(texts.plain(locale, "broadcasts.back_button"), AUDIENCE)])
    key = "broadcasts.ask_department" if which == "depts" else "broadcasts.ask_campaign"
    await edit_or_say(update, context, key, buttons=rows)


async def _send_preview(update: Update, context: BotContext, draft: Draft) -> None:
    """The announcement exactly as recipients will see it, then the summary with "Send"."""
    chat = update.effective_chat
    assert chat is not None
    texts, locale = await _labels(update, context)
    method, payload = context.services.broadcasts.preview(draft, locale)
    markup = _kb(payload["buttons"])
    if method == "send_photo":
        await context.bot.send_photo(
            chat.id,
            payload["photos"][0],
            caption=payload["caption"],
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
        )
    elif method == "send_document":
        await context.bot.send_document(
            chat.id,
            payload["document"],
            caption=payload["caption"],
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
        )
    else:
        await context.bot.send_message(
            chat.id,
            payload["text"],
            parse_mode=ParseMode.HTML,
            reply_markup=markup,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
        )
    rows: Buttons = []
    if draft.recipients:
        rows.append([(texts.plain(locale, "broadcasts.send_button", count=draft.recipients), SEND)])
    rows.append(
        [
            (texts.plain(locale, "broadcasts.change_audience_button"), AUDIENCE),
            (texts.plain(locale, "broadcasts.edit_button"), EDIT),
        ]
    )
    rows.append([(texts.plain(locale, "broadcasts.cancel_button"), CANCEL)])
    await say(update, context, "broadcasts.summary", d=draft, buttons=rows)


@refusals
async def on_draft_button(update: Update, context: BotContext) -> None:
    """The draft's buttons: choose recipients, edit the text, send, cancel."""
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    action = BroadcastDraft.unpack(query.data).action
    user_id, service = query.from_user.id, context.services.broadcasts
    if action == "cancel":
        await service.cancel(tg_user_id=user_id)
        await query.answer()
        await edit_or_say(update, context, "broadcasts.draft_cancelled")
        return
    if action == "aud":
        options = await service.to_audience(tg_user_id=user_id)
        await query.answer()
        await _show_audience(update, context, options, edit=True)
        return
    if action == "edit":
        draft = await service.to_compose(tg_user_id=user_id)
        await query.answer()
        texts, locale = await _labels(update, context)
        cancel = [[(texts.plain(locale, "broadcasts.cancel_button"), CANCEL)]]
        await edit_or_say(update, context, "broadcasts.ask_new_text", d=draft, buttons=cancel)
        return
    text, buttons = await service.send(  # send
        tg_user_id=user_id,
        progress_chat_id=query.message.chat.id,
        progress_message_id=query.message.message_id,
    )
    await query.answer()
    await _edit_progress(query.message, text, buttons)


async def _edit_progress(message: Message, text: str, buttons: Buttons) -> None:
    try:
        await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=_kb(buttons))
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


@refusals
async def on_audience(update: Update, context: BotContext) -> None:
    """An audience button: everyone, the council, or the list of departments / campaigns."""
    query = update.callback_query
    assert query is not None
    match parse(query.data):
        case BroadcastDepartment(department_id=department_id):
            audience = f"department:{department_id}"
        case BroadcastCampaign(campaign_id=campaign_id):
            audience = f"campaign:{campaign_id}"
        case BroadcastAudience(audience="depts" | "camps" as which):
            await query.answer()
            await _show_choices(update, context, which)
            return
        case BroadcastAudience(audience=kind):
            audience = kind
        case _:
            raise BadCallback(repr(query.data))
    draft = await context.services.broadcasts.choose_audience(
        tg_user_id=query.from_user.id, audience_key=audience
    )
    await query.answer()
    await edit_or_say(update, context, "broadcasts.chosen", d=draft)
    await _send_preview(update, context, draft)


@refusals
async def on_stop(update: Update, context: BotContext) -> None:
    """The sender stops a running broadcast: nothing more is sent."""
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    text, buttons = await context.services.broadcasts.stop(
        broadcast_id=BroadcastStop.unpack(query.data).broadcast_id, tg_user_id=query.from_user.id
    )
    locale = await user_locale(context, update)
    await query.answer(context.deps.texts.plain(locale, "broadcasts.stopped_toast"))
    await _edit_progress(query.message, text, buttons)


@refusals
async def on_seen(update: Update, context: BotContext) -> None:
    """A recipient's "Đã xem": recorded once; the button then says it was confirmed."""
    query = update.callback_query
    assert query is not None
    pressed = ReadReceipt.unpack(query.data)
    first = await context.services.broadcasts.confirm_seen(
        broadcast_id=pressed.broadcast_id, tg_user_id=query.from_user.id
    )
    texts, locale = await _labels(update, context)
    key = "broadcasts.thanks_toast" if first else "broadcasts.already_seen_toast"
    await query.answer(texts.plain(locale, key))
    done = [[(texts.plain(locale, "broadcasts.seen_done_button"), pressed.pack())]]
    try:
        await query.edit_message_reply_markup(_kb(done))
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


@refusals
async def on_seen_list(update: Update, context: BotContext) -> None:
    """Who has confirmed and who not yet, with a button to remind only the latter."""
    query = update.callback_query
    assert query is not None
    pressed = BroadcastSeenList.unpack(query.data)
    broadcast_id = pressed.broadcast_id
    view = await context.services.broadcasts.seen(
        broadcast_id=broadcast_id, tg_user_id=query.from_user.id
    )
    await query.answer()
    texts, locale = await _labels(update, context)
    rows: Buttons = []
    if view.unseen and view.finished:
        label = texts.plain(locale, "broadcasts.remind_button", count=len(view.unseen))
        rows.append([(label, BroadcastRemind(broadcast_id=broadcast_id).pack())])
    refresh = BroadcastSeenList(broadcast_id=broadcast_id, refresh=True).pack()
    rows.append([(texts.plain(locale, "broadcasts.refresh_button"), refresh)])
    show = edit_or_say if pressed.refresh else say
    await show(update, context, "broadcasts.seen", v=view, buttons=rows)


@refusals
async def on_remind(update: Update, context: BotContext) -> None:
    """Remind only those who have not confirmed (a new outbox wave to them)."""
    query = update.callback_query
    assert query is not None
    count = await context.services.broadcasts.remind(
        broadcast_id=BroadcastRemind.unpack(query.data).broadcast_id,
        tg_user_id=query.from_user.id,
    )
    locale = await user_locale(context, update)
    await query.answer(
        context.deps.texts.plain(locale, "broadcasts.reminded_toast", count=count),
        show_alert=True,
    )
