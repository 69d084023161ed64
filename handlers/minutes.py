"""The minutes of the judging meeting: 📄 send them, ✏️ add a remark, ✅ make the final version.

Everything about the minutes goes to the presser's private chat (the documents, the remark
prompt, the confirmation), wherever the button was pressed. The lead's closing notice carries
the buttons: `services.judging.minutes.minutes_buttons(texts, meeting_id, may_edit=…)`.
"""

from __future__ import annotations

import contextlib
import logging

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import Forbidden

from handlers.base import Buttons, edit_or_say, refusals, say, say_private, user_locale
from runtime.context import BotContext
from services.judging.minutes import minutes_buttons
from ui.buttons.minutes import MinutesDocument, MinutesFinalize, MinutesRemark, MinutesVersions
from ui.keyboards import keyboard

log = logging.getLogger(__name__)
VERSIONS_SHOWN = 8  # buttons for the newest versions; older ones stay listed in the text


def _markup(buttons: Buttons | None) -> InlineKeyboardMarkup | None:
    return keyboard([[list(b) for b in row] for row in buttons]) if buttons else None


async def _answer(update: Update, context: BotContext) -> None:
    """Answer the pressed button: in a group, say where the answer went."""
    query = update.callback_query
    assert query is not None
    chat = update.effective_chat
    if chat is not None and chat.type != ChatType.PRIVATE:
        locale = await user_locale(context, update)
        await query.answer(context.deps.texts.plain(locale, "minutes.sent_private"))
    else:
        await query.answer()


def _after_buttons(context: BotContext, locale: str, meeting_id: int, *, may_edit: bool) -> Buttons:
    """Under a sent copy: the saved versions; remarks and the final version while allowed."""
    rows = minutes_buttons(context.deps.texts, meeting_id, may_edit=may_edit, locale=locale)[1:]
    label = context.deps.texts.plain(locale, "minutes.versions_button")
    return [*rows, [(label, MinutesVersions(meeting_id).pack())]]


@refusals
async def on_document(update: Update, context: BotContext) -> None:
    """📄 Biên bản: the minutes (and the count record), as .docx and PDF, in the private chat."""
    query = update.callback_query
    assert query is not None
    pressed = MinutesDocument.unpack(query.data)
    user = query.from_user

    async def started() -> None:
        await _answer(update, context)
        with contextlib.suppress(Forbidden):  # told below, when the documents cannot be sent
            await context.bot.send_chat_action(user.id, ChatAction.UPLOAD_DOCUMENT)

    copy = await context.services.minutes.latest(
        tg_user_id=user.id, meeting_id=pressed.meeting_id, version=pressed.version, started=started
    )
    locale = await user_locale(context, update)
    texts = context.deps.texts
    try:
        for file in copy.files:
            kind = "count" if file.filename.startswith("bien-ban-kiem-phieu") else "minutes"
            await context.bot.send_document(
                user.id,
                document=file.content,
                filename=file.filename,
                caption=texts.render(
                    locale, "minutes.caption", kind=kind, version=copy.version, final=copy.final
                ),
                parse_mode=ParseMode.HTML,
            )
    except Forbidden:
        await say(update, context, "common.open_private")
        return
    await say_private(
        update,
        context,
        "minutes.sent",
        buttons=_after_buttons(context, locale, copy.meeting_id, may_edit=copy.may_edit),
        version=copy.version,
        final=copy.final,
        may_edit=copy.may_edit,
    )


@refusals
async def on_versions(update: Update, context: BotContext) -> None:
    """🗂 Các bản đã lưu: every version, the newest with a button each."""
    query = update.callback_query
    assert query is not None
    pressed = MinutesVersions.unpack(query.data)
    lines = await context.services.minutes.versions(
        tg_user_id=query.from_user.id, meeting_id=pressed.meeting_id
    )
    await _answer(update, context)
    locale = await user_locale(context, update)
    plain = context.deps.texts.plain
    buttons = [
        [
            (
                plain(locale, "minutes.version_button", version=v.version, final=v.final),
                MinutesDocument(pressed.meeting_id, v.version).pack(),
            )
        ]
        for v in lines
        if v.kind == "minutes"
    ][:VERSIONS_SHOWN]
    await say_private(update, context, "minutes.versions", buttons=buttons, lines=lines)


@refusals
async def on_remark(update: Update, context: BotContext) -> None:
    """✏️ Thêm ý kiến vào biên bản: the secretary or the chair types a remark next."""
    query = update.callback_query
    assert query is not None
    pressed = MinutesRemark.unpack(query.data)
    prompt = await context.services.minutes.begin_remarks(
        tg_user_id=query.from_user.id, meeting_id=pressed.meeting_id
    )
    await _answer(update, context)
    await say_private(update, context, "minutes.ask_remark", version=prompt.version)


@refusals
async def on_remark_text(update: Update, context: BotContext) -> None:
    """The remark typed (called by the private-text router): a new version of the minutes."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.text is not None
    written = await context.services.minutes.add_remark(tg_user_id=user.id, text=message.text)
    locale = await user_locale(context, update)
    buttons = minutes_buttons(context.deps.texts, written.meeting_id, locale=locale)
    await say(update, context, "minutes.remark_saved", buttons=buttons, version=written.version)


@refusals
async def on_finalize(update: Update, context: BotContext) -> None:
    """✅ Hoàn tất biên bản: asked once, then the final version (or left for later)."""
    query = update.callback_query
    assert query is not None
    pressed = MinutesFinalize.unpack(query.data)
    minutes = context.services.minutes
    locale = await user_locale(context, update)
    plain = context.deps.texts.plain
    if pressed.step == "ask":
        ready = await minutes.may_finalize(
            tg_user_id=query.from_user.id, meeting_id=pressed.meeting_id
        )
        await _answer(update, context)
        buttons = [
            [
                (
                    plain(locale, "minutes.confirm_button"),
                    MinutesFinalize(ready.meeting_id, "yes").pack(),
                ),
                (
                    plain(locale, "minutes.later_button"),
                    MinutesFinalize(ready.meeting_id, "no").pack(),
                ),
            ]
        ]
        await say_private(
            update, context, "minutes.confirm_final", buttons=buttons, version=ready.version
        )
        return
    if pressed.step == "no":
        await query.answer()
        await edit_or_say(update, context, "minutes.not_finalized")
        return
    written = await minutes.finalize(tg_user_id=query.from_user.id, meeting_id=pressed.meeting_id)
    await query.answer()
    buttons = minutes_buttons(context.deps.texts, written.meeting_id, may_edit=False, locale=locale)
    await edit_or_say(
        update, context, "minutes.finalized", buttons=buttons, version=written.version
    )
