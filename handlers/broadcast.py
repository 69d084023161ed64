"""Broadcasts: /broadcast (compose, audience, preview, send), stop, read receipts, reminders."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardMarkup, LinkPreviewOptions, Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from handlers import stories
from handlers.base import edit_or_say, refusals, say, user_locale
from runtime.context import BotContext
from services import broadcasts, conversations
from ui.buttons import pack, unpack
from ui.keyboards import keyboard


def _kb(buttons: Any) -> InlineKeyboardMarkup | None:
    return keyboard([[list(b) for b in row] for row in buttons]) if buttons else None


async def _labels(update: Update, context: BotContext) -> tuple[Any, str]:
    return context.deps.texts, await user_locale(context, update)


async def _compose_buttons(update: Update, context: BotContext) -> broadcasts.Buttons:
    texts, locale = await _labels(update, context)
    return [
        [(texts.plain(locale, "broadcasts.to_audience_button"), pack("bd", "aud"))],
        [(texts.plain(locale, "broadcasts.cancel_button"), pack("bd", "cancel"))],
    ]


async def _show(
    update: Update, context: BotContext, draft: broadcasts.Draft, *, edit: bool
) -> None:
    """Show the prompt of the step the draft is at (also how a resumed draft picks up)."""
    show = edit_or_say if edit else say
    if draft.step == "audience":
        await _show_audience(update, context, edit=edit)
    elif draft.step == "preview":
        await _send_preview(update, context, draft)
    elif draft.empty:
        texts, locale = await _labels(update, context)
        cancel = [[(texts.plain(locale, "broadcasts.cancel_button"), pack("bd", "cancel"))]]
        await show(update, context, "broadcasts.ask_text", limit=draft.limit, buttons=cancel)
    else:
        buttons = await _compose_buttons(update, context)
        await show(update, context, "broadcasts.composed", d=draft, buttons=buttons)


@refusals
async def broadcast_command(update: Update, context: BotContext) -> None:
    """/broadcast: start an announcement (chair, vice-chair), or pick up the one in progress."""
    user = update.effective_user
    assert user is not None
    deps = context.deps
    async with deps.sessions() as session:
        draft = await broadcasts.start(
            session, tg_user_id=user.id, texts=deps.texts, now=deps.clock()
        )
    await _show(update, context, draft, edit=False)


async def on_compose_text(update: Update, context: BotContext) -> None:
    """Text while composing: the announcement, with the sender's formatting kept as HTML."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.text is not None
    async with context.deps.sessions() as session:
        draft = await broadcasts.set_text(
            session,
            tg_user_id=user.id,
            html=message.text_html,
            length=broadcasts.utf16_len(message.text),
            now=context.deps.clock(),
        )
    buttons = await _compose_buttons(update, context)
    await say(update, context, "broadcasts.text_added", d=draft, buttons=buttons)


@refusals
async def on_media(update: Update, context: BotContext) -> None:
    """A photo or file: the announcement's one attachment, else what stories make of it."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None
    async with context.deps.sessions() as session:
        convo = await conversations.current(session, chat_id=user.id, user_id=user.id)
    if convo is None or convo.kind != broadcasts.KIND or not (message.photo or message.document):
        if message.photo:
            await stories.on_photo(update, context)
        else:
            await stories.on_media(update, context)
        return
    if message.photo:
        kind, file_id, name = "photo", message.photo[-1].file_id, ""
    else:
        assert message.document is not None
        kind, file_id = "document", message.document.file_id
        name = message.document.file_name or ""
    async with context.deps.sessions() as session:
        added = await broadcasts.set_media(
            session,
            tg_user_id=user.id,
            kind=kind,
            file_id=file_id,
            name=name,
            caption_html=message.caption_html if message.caption else "",
            caption_length=broadcasts.utf16_len(message.caption or ""),
            media_group_id=message.media_group_id,
            now=context.deps.clock(),
        )
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


async def _show_audience(update: Update, context: BotContext, *, edit: bool) -> None:
    user = update.effective_user
    assert user is not None
    async with context.deps.sessions() as session:
        options = await broadcasts.audience_options(session, tg_user_id=user.id)
    texts, locale = await _labels(update, context)
    everyone = texts.plain(locale, "broadcasts.everyone_button", count=options.everyone)
    council = texts.plain(locale, "broadcasts.council_button", count=options.council)
    rows: broadcasts.Buttons = [
        [(everyone, pack("ba", "all"))],
        [(council, pack("ba", "council"))],
        [(texts.plain(locale, "broadcasts.departments_button"), pack("ba", "depts"))],
    ]
    if options.campaigns:
        rows.append([(texts.plain(locale, "broadcasts.campaigns_button"), pack("ba", "camps"))])
    rows.append(
        [
            (texts.plain(locale, "broadcasts.edit_button"), pack("bd", "edit")),
            (texts.plain(locale, "broadcasts.cancel_button"), pack("bd", "cancel")),
        ]
    )
    show = edit_or_say if edit else say
    await show(update, context, "broadcasts.ask_audience", buttons=rows)


async def _show_choices(update: Update, context: BotContext, which: str) -> None:
    user = update.effective_user
    assert user is not None
    async with context.deps.sessions() as session:
        await broadcasts.current(session, tg_user_id=user.id)
        options = await broadcasts.audience_options(session, tg_user_id=user.id)
    texts, locale = await _labels(update, context)
    choices, kind = (options.departments, "bad") if which == "depts" else (options.campaigns, "bac")
    rows: broadcasts.Buttons = [
        [
            (
                texts.plain(locale, "broadcasts.choice_button", name=c.name, count=c.count),
                pack(kind, int(c.key.partition(":")[2])),
            )
        ]
        for c in choices
    ]
    rows.append([(texts.plain(locale, "broadcasts.back_button"), pack("bd", "aud"))])
    key = "broadcasts.ask_department" if which == "depts" else "broadcasts.ask_campaign"
    await edit_or_say(update, context, key, buttons=rows)


async def _send_preview(update: Update, context: BotContext, draft: broadcasts.Draft) -> None:
    """The announcement exactly as recipients will see it, then the summary with "Send"."""
    chat = update.effective_chat
    assert chat is not None
    texts, locale = await _labels(update, context)
    method, payload = broadcasts.preview(texts, locale, draft)
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
    rows: broadcasts.Buttons = []
    if draft.recipients:
        rows.append(
            [
                (
                    texts.plain(locale, "broadcasts.send_button", count=draft.recipients),
                    pack("bd", "send"),
                )
            ]
        )
    rows.append(
        [
            (texts.plain(locale, "broadcasts.change_audience_button"), pack("bd", "aud")),
            (texts.plain(locale, "broadcasts.edit_button"), pack("bd", "edit")),
        ]
    )
    rows.append([(texts.plain(locale, "broadcasts.cancel_button"), pack("bd", "cancel"))])
    await say(update, context, "broadcasts.summary", d=draft, buttons=rows)


@refusals
async def on_draft_button(update: Update, context: BotContext) -> None:
    """The draft's buttons: choose recipients, edit the text, send, cancel."""
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    action = str(unpack(query.data).args[0])
    user_id, deps = query.from_user.id, context.deps
    now = deps.clock()
    if action == "cancel":
        async with deps.sessions() as session:
            await broadcasts.cancel(session, tg_user_id=user_id)
        await query.answer()
        await edit_or_say(update, context, "broadcasts.draft_cancelled")
        return
    if action == "aud":
        async with deps.sessions() as session:
            await broadcasts.to_audience(session, tg_user_id=user_id, now=now)
        await query.answer()
        await _show_audience(update, context, edit=True)
        return
    if action == "edit":
        async with deps.sessions() as session:
            draft = await broadcasts.to_compose(session, tg_user_id=user_id, now=now)
        await query.answer()
        label = deps.texts.plain(await user_locale(context, update), "broadcasts.cancel_button")
        cancel = [[(label, pack("bd", "cancel"))]]
        await edit_or_say(update, context, "broadcasts.ask_new_text", d=draft, buttons=cancel)
        return
    async with deps.sessions() as session:  # send
        state = await broadcasts.confirm(
            session,
            tg_user_id=user_id,
            progress_chat_id=query.message.chat.id,
            progress_message_id=query.message.message_id,
            texts=deps.texts,
            now=now,
        )
    await query.answer()
    text, buttons = broadcasts.progress_message(deps.texts, state)
    await _edit_progress(query.message, text, buttons)


async def _edit_progress(message: Message, text: str, buttons: broadcasts.Buttons) -> None:
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
    pressed = unpack(query.data)
    kind = str(pressed.args[0]) if pressed.args else ""
    if pressed.kind == "bad":
        audience = f"department:{pressed.int()}"
    elif pressed.kind == "bac":
        audience = f"campaign:{pressed.int()}"
    elif kind in ("depts", "camps"):
        await query.answer()
        await _show_choices(update, context, kind)
        return
    else:
        audience = kind
    async with context.deps.sessions() as session:
        draft = await broadcasts.choose_audience(
            session, tg_user_id=query.from_user.id, audience=audience, now=context.deps.clock()
        )
    await query.answer()
    await edit_or_say(update, context, "broadcasts.chosen", d=draft)
    await _send_preview(update, context, draft)


@refusals
async def on_stop(update: Update, context: BotContext) -> None:
    """The sender stops a running broadcast: nothing more is sent."""
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    deps = context.deps
    async with deps.sessions() as session:
        state = await broadcasts.stop(
            session,
            broadcast_id=unpack(query.data).int(),
            tg_user_id=query.from_user.id,
            now=deps.clock(),
        )
    locale = await user_locale(context, update)
    await query.answer(deps.texts.plain(locale, "broadcasts.stopped_toast"))
    text, buttons = broadcasts.progress_message(deps.texts, state)
    await _edit_progress(query.message, text, buttons)


@refusals
async def on_seen(update: Update, context: BotContext) -> None:
    """A recipient's "Đã xem": recorded once; the button then says it was confirmed."""
    query = update.callback_query
    assert query is not None
    deps = context.deps
    broadcast_id = unpack(query.data).int()
    async with deps.sessions() as session:
        first = await broadcasts.confirm_seen(
            session, broadcast_id=broadcast_id, tg_user_id=query.from_user.id, now=deps.clock()
        )
    locale = await user_locale(context, update)
    key = "broadcasts.thanks_toast" if first else "broadcasts.already_seen_toast"
    await query.answer(deps.texts.plain(locale, key))
    done = [[(deps.texts.plain(locale, "broadcasts.seen_done_button"), pack("rr", broadcast_id))]]
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
    pressed = unpack(query.data)
    broadcast_id, refresh = pressed.int(0), bool(pressed.args[1])
    async with context.deps.sessions() as session:
        view = await broadcasts.seen(
            session, broadcast_id=broadcast_id, tg_user_id=query.from_user.id
        )
    await query.answer()
    texts, locale = await _labels(update, context)
    rows: broadcasts.Buttons = []
    if view.unseen and view.finished:
        label = texts.plain(locale, "broadcasts.remind_button", count=len(view.unseen))
        rows.append([(label, pack("bm", broadcast_id))])
    rows.append([(texts.plain(locale, "broadcasts.refresh_button"), pack("bs", broadcast_id, 1))])
    show = edit_or_say if refresh else say
    await show(update, context, "broadcasts.seen", v=view, buttons=rows)


@refusals
async def on_remind(update: Update, context: BotContext) -> None:
    """Remind only those who have not confirmed (a new outbox wave to them)."""
    query = update.callback_query
    assert query is not None
    deps = context.deps
    async with deps.sessions() as session:
        count = await broadcasts.remind(
            session,
            broadcast_id=unpack(query.data).int(),
            tg_user_id=query.from_user.id,
            texts=deps.texts,
            now=deps.clock(),
        )
    locale = await user_locale(context, update)
    await query.answer(
        deps.texts.plain(locale, "broadcasts.reminded_toast", count=count), show_alert=True
    )
