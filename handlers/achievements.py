"""Achievement reports: /achievements, the nominee's guided form (each step kept or typed anew, a
preview, "Xác nhận"/"Sửa"), the head's "Xác nhận báo cáo"/"Trả lại để sửa" with a note, the DOCX,
and the chair's "Gửi đề nghị viết báo cáo"."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ParseMode

from handlers.base import Buttons, edit_or_say, refusals, say, say_long, user_locale
from runtime.context import BotContext
from services.conversations import Where
from services.judging.achievements import FormStep, ReportView
from ui.buttons.achievements import (
    AchievementDocument,
    AchievementKeep,
    AchievementOpen,
    AchievementPreview,
    AchievementRequest,
    AchievementReview,
    AchievementWrite,
)


async def _label(update: Update, context: BotContext, key: str) -> str:
    return context.deps.texts.plain(await user_locale(context, update), f"achievements.{key}")


async def _show_step(update: Update, context: BotContext, step: FormStep, *, edit: bool) -> None:
    """The prompt of the step the form is at, or the preview with its two buttons."""
    if step.step == "preview":
        buttons: Buttons = [
            [
                (
                    await _label(update, context, "submit_button"),
                    AchievementPreview("submit").pack(),
                ),
                (await _label(update, context, "redo_button"), AchievementPreview("edit").pack()),
            ]
        ]
        await say_long(
            update, context, "achievements.preview", report=step.report, buttons=buttons, edit=edit
        )
        return
    keep = None
    if step.current:
        keep = await _label(update, context, "keep_button")
    elif step.optional:
        keep = await _label(update, context, "none_button")
    show = edit_or_say if edit else say
    await show(
        update,
        context,
        "achievements.step",
        s=step,
        buttons=[[(keep, AchievementKeep(step.number).pack())]] if keep else None,
    )


async def _drop_buttons(update: Update) -> None:
    """The pressed message keeps its text and loses its buttons (they were used)."""
    query = update.callback_query
    if query is not None and isinstance(query.message, Message):
        await query.message.edit_reply_markup(None)


async def _show_report(update: Update, context: BotContext, report: ReportView) -> None:
    rows: list[list[tuple[str, str]]] = []
    if report.may_review:
        rows.append(
            [
                (
                    await _label(update, context, "confirm_button"),
                    AchievementReview(report.id, "confirm").pack(),
                ),
                (
                    await _label(update, context, "return_button"),
                    AchievementReview(report.id, "return").pack(),
                ),
            ]
        )
    if report.may_edit:
        rows.append(
            [(await _label(update, context, "edit_button"), AchievementWrite(report.id).pack())]
        )
    rows.append(
        [(await _label(update, context, "document_button"), AchievementDocument(report.id).pack())]
    )
    await say_long(update, context, "achievements.full", report=report, buttons=rows)


@refusals
async def achievements_command(update: Update, context: BotContext) -> None:
    """/achievements: the member's reports, those waiting for them, the chair's summary."""
    user = update.effective_user
    assert user is not None
    seen = await context.services.achievements.overview(tg_user_id=user.id)
    rows: list[list[tuple[str, str]]] = []
    for r in seen.mine:
        if r.may_edit:
            label = await _label(update, context, "write_button")
            rows.append([(f"{label}: {r.title}", AchievementWrite(r.id).pack())])
        else:
            label = await _label(update, context, "open_button")
            rows.append([(f"{label}: {r.title}", AchievementOpen(r.id).pack())])
    for r in seen.to_review:
        label = await _label(update, context, "open_button")
        rows.append([(f"{label}: {r.collective or r.writer}", AchievementOpen(r.id).pack())])
    if seen.chair and seen.round_id is not None:
        label = await _label(update, context, "request_button")
        rows.append([(label, AchievementRequest(seen.round_id).pack())])
    await say_long(update, context, "achievements.overview", o=seen, buttons=rows or None)


@refusals
async def on_write(update: Update, context: BotContext) -> None:
    """ "📝 Viết báo cáo thành tích": the form from its first step (or where it was)."""
    query = update.callback_query
    assert query is not None
    pressed = AchievementWrite.unpack(query.data)
    step = await context.services.achievements.begin(
        tg_user_id=query.from_user.id, report_id=pressed.report_id
    )
    await query.answer()
    await _show_step(update, context, step, edit=False)


@refusals
async def on_keep(update: Update, context: BotContext) -> None:
    """ "Giữ nguyên" / "Không có": the next step."""
    query = update.callback_query
    assert query is not None
    pressed = AchievementKeep.unpack(query.data)
    step = await context.services.achievements.keep(
        tg_user_id=query.from_user.id, step=pressed.step
    )
    await query.answer()
    await _drop_buttons(update)
    await _show_step(update, context, step, edit=False)


async def on_text(update: Update, context: BotContext, where: Where) -> None:
    """The dialogue step: the answer typed at the current step."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and message.text is not None and user is not None
    step = await context.services.achievements.answer(tg_user_id=user.id, text=message.text)
    await _show_step(update, context, step, edit=False)


@refusals
async def on_preview(update: Update, context: BotContext) -> None:
    """ "Xác nhận": sent to the head; "Sửa": through the answers again."""
    query = update.callback_query
    assert query is not None
    pressed = AchievementPreview.unpack(query.data)
    uc = context.services.achievements
    if pressed.action == "submit":
        report = await uc.submit(tg_user_id=query.from_user.id)
        await query.answer()
        await edit_or_say(update, context, "achievements.submitted", report=report)
        return
    step = await uc.edit(tg_user_id=query.from_user.id)
    await query.answer()
    await _drop_buttons(update)
    await _show_step(update, context, step, edit=False)


@refusals
async def on_open(update: Update, context: BotContext) -> None:
    """ "📄 Xem báo cáo": the report in full, with what the viewer may do."""
    query = update.callback_query
    assert query is not None
    pressed = AchievementOpen.unpack(query.data)
    report = await context.services.achievements.show(
        tg_user_id=query.from_user.id, report_id=pressed.report_id
    )
    await query.answer()
    await _show_report(update, context, report)


@refusals
async def on_review(update: Update, context: BotContext) -> None:
    """The head confirms the report, or is asked for the note that sends it back."""
    query = update.callback_query
    assert query is not None
    pressed = AchievementReview.unpack(query.data)
    uc = context.services.achievements
    if pressed.action == "confirm":
        report = await uc.confirm(tg_user_id=query.from_user.id, report_id=pressed.report_id)
        await query.answer()
        await _drop_buttons(update)
        await say(update, context, "achievements.confirmed", report=report)
        return
    report = await uc.ask_note(tg_user_id=query.from_user.id, report_id=pressed.report_id)
    await query.answer()
    await say(update, context, "achievements.ask_note", report=report)


async def on_note_text(update: Update, context: BotContext, where: Where) -> None:
    """The dialogue step: the head's note; the report goes back to its writer."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and message.text is not None and user is not None
    report = await context.services.achievements.send_back(tg_user_id=user.id, text=message.text)
    await say(update, context, "achievements.returned", report=report)


@refusals
async def on_document(update: Update, context: BotContext) -> None:
    """ "📥 Tải tệp Word": the report as DOCX."""
    query = update.callback_query
    assert query is not None
    pressed = AchievementDocument.unpack(query.data)
    file = await context.services.achievements.document(
        tg_user_id=query.from_user.id, report_id=pressed.report_id
    )
    await query.answer()
    locale = await user_locale(context, update)
    await context.bot.send_document(
        query.from_user.id,
        document=file.data,
        filename=file.filename,
        caption=context.deps.texts.render(locale, "achievements.caption", report=file.report),
        parse_mode=ParseMode.HTML,
    )


@refusals
async def on_request(update: Update, context: BotContext) -> None:
    """The chair asks the nominees who have no report yet."""
    query = update.callback_query
    assert query is not None
    pressed = AchievementRequest.unpack(query.data)
    asked = await context.services.achievements.request(
        tg_user_id=query.from_user.id, round_id=pressed.round_id
    )
    await query.answer()
    await say(update, context, "achievements.requested_summary", r=asked)
