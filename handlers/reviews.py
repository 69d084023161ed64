"""A reviewer's score sheets (any kind of call): /sheets, a sheet with a button per mark, marks
typed, a comment, "Gửi phiếu"."""

from __future__ import annotations

from telegram import Update

from handlers.base import Buttons, edit_or_say, refusals, say, user_locale
from runtime.context import BotContext
from services.reviews import SheetView
from ui.buttons.base import BadCallback, parse
from ui.buttons.reviews import (
    ReviewLater,
    ReviewMark,
    ReviewRedo,
    ReviewSend,
    ReviewSheet,
    ReviewSheets,
)

MARK_BUTTONS_MAX = 10  # a criterion marked out of more is typed, not pressed


async def _buttons(update: Update, context: BotContext, view: SheetView) -> Buttons:
    """The sheet's buttons: the marks of the criterion asked, redo, send, later."""
    texts, locale = context.deps.texts, await user_locale(context, update)
    if view.sent:
        return [[(texts.plain(locale, "reviews.sheets_label"), ReviewSheets().pack())]]
    rows: list[list[tuple[str, str]]] = []
    if view.asking is not None and view.top is not None and view.top <= MARK_BUTTONS_MAX:
        marks = [
            (
                texts.plain(locale, "reviews.mark_label", mark=m),
                ReviewMark(view.id, view.asking, m).pack(),
            )
            for m in range(view.top + 1)
        ]
        rows += [marks[i : i + 6] for i in range(0, len(marks), 6)]
    redo = [
        (texts.plain(locale, "reviews.redo_label", index=i), ReviewRedo(view.id, i).pack())
        for i, m in enumerate(view.marks)
        if m is not None
    ]
    rows += [redo[i : i + 4] for i in range(0, len(redo), 4)]
    last = [(texts.plain(locale, "reviews.later_label"), ReviewLater(view.id).pack())]
    if view.complete:
        last.insert(0, (texts.plain(locale, "reviews.send_label"), ReviewSend(view.id).pack()))
    rows.append(last)
    return rows


async def show_sheet(update: Update, context: BotContext, view: SheetView, *, edit: bool) -> None:
    """The sheet, as a new message or in place of the pressed one."""
    show = edit_or_say if edit else say
    await show(
        update, context, "reviews.sheet", view=view, buttons=await _buttons(update, context, view)
    )


@refusals
async def sheets_command(update: Update, context: BotContext) -> None:
    """/sheets: the reviewer's score sheets."""
    user = update.effective_user
    assert user is not None
    await _list(update, context, user.id, edit=False)


async def _list(update: Update, context: BotContext, user_id: int, *, edit: bool) -> None:
    items = await context.services.reviews.my_sheets(tg_user_id=user_id)
    texts, locale = context.deps.texts, await user_locale(context, update)
    buttons = [
        [(texts.plain(locale, "reviews.sheet_button", item=i), ReviewSheet(i.id).pack())]
        for i in items
    ]
    show = edit_or_say if edit else say
    await show(update, context, "reviews.sheets", items=items, buttons=buttons)


@refusals
async def on_sheet_button(update: Update, context: BotContext) -> None:
    """A sheet's buttons: open, a mark, redo a mark, send, later, the list."""
    query = update.callback_query
    assert query is not None and query.message is not None
    reviews, user_id, chat_id = context.services.reviews, query.from_user.id, query.message.chat.id
    match parse(query.data):
        case ReviewSheets():
            await query.answer()
            await _list(update, context, user_id, edit=True)
            return
        case ReviewSheet(sheet_id=sheet_id):
            view = await reviews.open_sheet(tg_user_id=user_id, chat_id=chat_id, sheet_id=sheet_id)
            await query.answer()
            await show_sheet(update, context, view, edit=False)
            return
        case ReviewMark(sheet_id=sheet_id, index=index, mark=mark):
            view = await reviews.mark(
                tg_user_id=user_id, chat_id=chat_id, sheet_id=sheet_id, index=index, mark=mark
            )
        case ReviewRedo(sheet_id=sheet_id, index=index):
            view = await reviews.unmark(
                tg_user_id=user_id, chat_id=chat_id, sheet_id=sheet_id, index=index
            )
        case ReviewSend(sheet_id=sheet_id):
            sent = await reviews.send(tg_user_id=user_id, chat_id=chat_id, sheet_id=sheet_id)
            await query.answer()
            await show_sheet(update, context, sent.sheet, edit=True)
            await say(update, context, "reviews.sent", status=sent.entry_status)
            return
        case ReviewLater():
            await reviews.leave(tg_user_id=user_id)
            await query.answer()
            await edit_or_say(update, context, "reviews.later")
            return
        case _:
            raise BadCallback(repr(query.data))
    await query.answer()
    await show_sheet(update, context, view, edit=True)


@refusals
async def on_text(update: Update, context: BotContext) -> None:
    """A mark or the comment typed while a sheet is open (from the private-text router)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.text is not None
    view = await context.services.reviews.typed(tg_user_id=user.id, text=message.text)
    await show_sheet(update, context, view, edit=False)
