"""/tally, /export and /stats: the council's figures, documents and chart."""

from __future__ import annotations

import contextlib

from telegram import InlineKeyboardMarkup, Message, Update
from telegram.constants import ChatAction, ChatType, ParseMode
from telegram.error import BadRequest, TelegramError

from handlers.base import Buttons, refusals, user_locale
from reports.model import Scope
from runtime.context import BotContext
from services.tallies import CampaignChoice
from ui.buttons.tallies import TallyChart, TallyExport, TallyScope
from ui.keyboards import keyboard

BUSY = "exporting"  # chat_data flag: one export at a time per chat


async def _locale(update: Update, context: BotContext) -> str:
    """The reader's language in private; the school's in the council group (read by all)."""
    chat = update.effective_chat
    if chat is not None and chat.type != ChatType.PRIVATE:
        return context.deps.texts.default_locale
    return await user_locale(context, update)


def _markup(buttons: Buttons) -> InlineKeyboardMarkup | None:
    return keyboard([[list(b) for b in row] for row in buttons])


def _buttons(
    locale: str, context: BotContext, scope: Scope, campaigns: list[CampaignChoice]
) -> Buttons:
    """Switch period or campaign (the current one marked), export, chart."""
    texts = context.deps.texts

    def label(key: str, code: str, **values: object) -> tuple[str, str]:
        text = texts.plain(locale, key, **values)
        return ("• " + text if code == scope.code else text, TallyScope(scope=code).pack())

    rows: list[list[tuple[str, str]]] = [
        [
            label("reports.month_button", "m"),
            label("reports.semester_button", "s"),
            label("reports.year_button", "y"),
        ]
    ]
    rows += [[label("reports.campaign_button", f"c{c.id}", name=c.name)] for c in campaigns]
    rows.append(
        [
            (texts.plain(locale, "reports.export_button"), TallyExport(scope=scope.code).pack()),
            (texts.plain(locale, "reports.chart_button"), TallyChart(scope=scope.code).pack()),
        ]
    )
    return rows


def _typed_scope(context: BotContext) -> str:
    """The scope typed after the command (none: the school year)."""
    return context.services.tallies.scope_code(" ".join(context.args or []))


def _chat_ids(update: Update) -> tuple[int, int]:
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    return user.id, chat.id


async def _show_tally(update: Update, context: BotContext, code: str) -> None:
    user_id, chat_id = _chat_ids(update)
    result = await context.services.tallies.tally(tg_user_id=user_id, chat_id=chat_id, code=code)
    locale = await _locale(update, context)
    text = context.deps.texts.render(locale, "reports.tally", tally=result.tally)
    markup = _markup(_buttons(locale, context, result.tally.scope, result.campaigns))
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        await query.answer()
        try:
            await query.message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                raise
        return
    await context.bot.send_message(chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup)


@refusals
async def tally_command(update: Update, context: BotContext) -> None:
    """/tally [tháng | học kỳ | năm học | dd/mm/yyyy-dd/mm/yyyy]: the council's figures."""
    await _show_tally(update, context, _typed_scope(context))


@refusals
async def on_tally_scope(update: Update, context: BotContext) -> None:
    """A period or campaign button under a tally: the same message shows the new figures."""
    query = update.callback_query
    assert query is not None
    await _show_tally(update, context, TallyScope.unpack(query.data).scope)


async def _export(update: Update, context: BotContext, code: str) -> None:
    texts = context.deps.texts
    user_id, chat_id = _chat_ids(update)
    chat_data = context.chat_data if context.chat_data is not None else {}
    locale = await _locale(update, context)
    if chat_data.get(BUSY):
        await _tell(update, context, texts.plain(locale, "reports.export_busy"))
        return
    progress: list[Message] = []  # the progress message, once shown

    async def started(scope: Scope) -> None:
        # Called once the reader is allowed (a teacher is refused before any progress message).
        if update.callback_query is not None:
            await update.callback_query.answer()
        shown = await context.bot.send_message(
            chat_id,
            texts.render(locale, "reports.exporting", scope=scope),
            parse_mode=ParseMode.HTML,
        )
        progress.append(shown)
        chat_data[BUSY] = True
        await context.bot.send_chat_action(chat_id, ChatAction.UPLOAD_DOCUMENT)

    try:
        result = await context.services.tallies.export(
            tg_user_id=user_id, chat_id=chat_id, code=code, started=started
        )
        try:
            for file in result.files:
                caption = (
                    texts.render(locale, "reports.docx_caption", scope=result.scope)
                    if file.filename.endswith(".docx")
                    else None
                )
                await context.bot.send_document(
                    chat_id,
                    document=file.data.read(),  # PTB reads it whole anyway; one at a time
                    filename=file.filename,
                    caption=caption,
                    parse_mode=ParseMode.HTML,
                )
        finally:
            result.close()
    finally:
        if progress:  # this export's flag (a refused one set none, and clears none)
            chat_data.pop(BUSY, None)
    await progress[0].edit_text(
        texts.render(
            locale,
            "reports.exported",
            scope=result.scope,
            stories=result.stories,
            pdf=any(f.filename.endswith(".pdf") for f in result.files),
        ),
        parse_mode=ParseMode.HTML,
    )


async def _tell(update: Update, context: BotContext, text: str) -> None:
    """A short notice: an alert for a button, else a message."""
    query = update.callback_query
    if query is not None:
        await query.answer(text[:200], show_alert=True)
        return
    _, chat_id = _chat_ids(update)
    await context.bot.send_message(chat_id, text)


@refusals
async def export_command(update: Update, context: BotContext) -> None:
    """/export [period]: the XLSX workbook, the CSV of stories and the formal DOCX report."""
    await _export(update, context, _typed_scope(context))


@refusals
async def on_export(update: Update, context: BotContext) -> None:
    """The export button under a tally."""
    query = update.callback_query
    assert query is not None
    await _export(update, context, TallyExport.unpack(query.data).scope)


async def _chart(update: Update, context: BotContext, code: str) -> None:
    texts = context.deps.texts
    user_id, chat_id = _chat_ids(update)
    locale = await _locale(update, context)
    with contextlib.suppress(TelegramError):  # "sending a photo…" while it is drawn
        await context.bot.send_chat_action(chat_id, ChatAction.UPLOAD_PHOTO)
    result = await context.services.tallies.chart(
        tg_user_id=user_id, chat_id=chat_id, code=code, locale=locale
    )
    if update.callback_query is not None:
        await update.callback_query.answer()
    await context.bot.send_photo(
        chat_id,
        photo=result.png,
        filename="bieu-do.png",
        caption=texts.render(
            locale, "reports.chart_caption", scope=result.scope, approved=result.approved
        ),
        parse_mode=ParseMode.HTML,
    )


@refusals
async def stats_command(update: Update, context: BotContext) -> None:
    """/stats [period]: approved stories per department and per month, as a chart."""
    await _chart(update, context, _typed_scope(context))


@refusals
async def on_chart(update: Update, context: BotContext) -> None:
    """The chart button under a tally."""
    query = update.callback_query
    assert query is not None
    await _chart(update, context, TallyChart.unpack(query.data).scope)
