"""The judging: entries given to the judges, their list and anonymised reading, the rounds,
the prizes, the reminders and the documents."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode

from handlers.base import refusals, say, say_long, user_locale
from handlers.contest.card import label_of, labeller, show
from runtime.context import BotContext
from ui.buttons.contest import (
    ContestAdvance,
    ContestDocument,
    ContestFinish,
    ContestJudging,
    ContestRead,
    ContestRemind,
    ContestScore,
)
from ui.buttons.reviews import ReviewSheet


@refusals
async def on_score(update: Update, context: BotContext) -> None:
    """A leader closes the entries and gives them to the judges."""
    query = update.callback_query
    assert query is not None
    pressed = ContestScore.unpack(query.data)
    v = await context.services.contests.start_scoring(
        tg_user_id=query.from_user.id, contest_id=pressed.contest_id
    )
    await query.answer()
    await say(update, context, "contest.scoring_started", made=v.sheets_total)
    await show(update, context, v, edit=False)


@refusals
async def on_judging(update: Update, context: BotContext) -> None:
    """A judge's entries: read each, open its sheet."""
    query = update.callback_query
    assert query is not None
    pressed = ContestJudging.unpack(query.data)
    title, stage, items = await context.services.contests.judge_list(
        tg_user_id=query.from_user.id, contest_id=pressed.contest_id
    )
    await query.answer()
    label = labeller(update, context)
    buttons = [
        [
            (await label("read_button", code=i.code), ContestRead(i.entry_id).pack()),
            (await label("sheet_button", code=i.code, sent=i.sent), ReviewSheet(i.sheet_id).pack()),
        ]
        for i in items
    ]
    await say(
        update,
        context,
        "contest.judge_list",
        title=title,
        stage=stage,
        items=items,
        buttons=buttons,
    )


@refusals
async def on_read(update: Update, context: BotContext) -> None:
    """A judge reads an entry, anonymised (a long one in several messages)."""
    query = update.callback_query
    assert query is not None
    pressed = ContestRead.unpack(query.data)
    r = await context.services.contests.read(
        tg_user_id=query.from_user.id, entry_id=pressed.entry_id
    )
    await query.answer()
    label = await label_of(update, context, "sheet_button", code=r.code, sent=r.sent)
    await say_long(
        update, context, "contest.reading", r=r, buttons=[[(label, ReviewSheet(r.sheet_id).pack())]]
    )


@refusals
async def on_advance(update: Update, context: BotContext) -> None:
    """A leader closes the first round."""
    query = update.callback_query
    assert query is not None
    pressed = ContestAdvance.unpack(query.data)
    kept = await context.services.contests.close_first_round(
        tg_user_id=query.from_user.id, contest_id=pressed.contest_id
    )
    await query.answer()
    await say(update, context, "contest.advanced", codes=kept)
    v = await context.services.contests.show(
        tg_user_id=query.from_user.id, contest_id=pressed.contest_id
    )
    await show(update, context, v, edit=False)


@refusals
async def on_finish(update: Update, context: BotContext) -> None:
    """A leader closes the judging: prizes, the results announced, the documents sent."""
    query = update.callback_query
    assert query is not None
    pressed = ContestFinish.unpack(query.data)
    done = await context.services.contests.finish(
        tg_user_id=query.from_user.id, contest_id=pressed.contest_id
    )
    await query.answer()
    await say(update, context, "contest.finished", f=done)
    v = await context.services.contests.show(
        tg_user_id=query.from_user.id, contest_id=pressed.contest_id
    )
    await show(update, context, v, edit=False)


@refusals
async def on_remind(update: Update, context: BotContext) -> None:
    """A leader reminds the departments below their target now."""
    query = update.callback_query
    assert query is not None
    pressed = ContestRemind.unpack(query.data)
    count = await context.services.contests.remind_now(
        tg_user_id=query.from_user.id, contest_id=pressed.contest_id
    )
    await query.answer(
        context.deps.texts.plain(
            await user_locale(context, update), "contest.reminded", count=count
        )[:200]
    )


@refusals
async def on_document(update: Update, context: BotContext) -> None:
    """The summary report (DOCX) or the prize list (XLSX)."""
    query = update.callback_query
    assert query is not None
    pressed = ContestDocument.unpack(query.data)
    document = await context.services.contests.document(
        tg_user_id=query.from_user.id, contest_id=pressed.contest_id, what=pressed.what
    )
    await query.answer()
    locale = await user_locale(context, update)
    v = await context.services.contests.show(
        tg_user_id=query.from_user.id, contest_id=pressed.contest_id
    )
    key = "contest.prizes_caption" if pressed.what == "xlsx" else "contest.summary_caption"
    await context.bot.send_document(
        query.from_user.id,
        document=document.content,
        filename=document.name,
        caption=context.deps.texts.render(locale, key, title=v.title),
        parse_mode=ParseMode.HTML,
    )
    if pressed.what == "docx":  # the PDF after the DOCX: converting takes a moment
        pdf = await context.services.contests.as_pdf(document)
        if pdf is not None:
            await context.bot.send_document(
                query.from_user.id, document=pdf.content, filename=pdf.name
            )
