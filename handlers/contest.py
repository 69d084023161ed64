"""The writing contest (/contest): leaders open it, choose its judges, close the rounds and award
the prizes; members send entries privately; judges read entries anonymised and score them on the
review engine's sheets (/sheets)."""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable

from telegram import Update
from telegram.constants import ChatAction, ParseMode
from telegram.error import TelegramError

from handlers import initiatives
from handlers.base import Buttons, edit_or_say, refusals, say, say_long, user_locale
from runtime.context import BotContext
from services.contest import ContestView, Draft, EntryDraft, JuryPage
from services.contest.opening import TITLES
from services.conversations import Where
from services.errors import NotFound
from ui.buttons.contest import (
    ContestAdvance,
    ContestConfirm,
    ContestDocument,
    ContestEnter,
    ContestFinalists,
    ContestFinish,
    ContestHome,
    ContestJudging,
    ContestJuror,
    ContestJury,
    ContestOpen,
    ContestRead,
    ContestRemind,
    ContestRounds,
    ContestScore,
    ContestSubject,
    ContestTitle,
    EntryDone,
    EntrySend,
)
from ui.buttons.reviews import ReviewSheet


async def _label(update: Update, context: BotContext, key: str, **values: object) -> str:
    return context.deps.texts.plain(await user_locale(context, update), f"contest.{key}", **values)


async def _view_buttons(update: Update, context: BotContext, v: ContestView) -> Buttons:
    rows: list[list[tuple[str, str]]] = []

    async def add(key: str, data: str) -> None:
        rows.append([(await _label(update, context, key), data)])

    if v.accepting:
        await add("enter_button", ContestEnter(v.id).pack())
    if v.is_judge and v.phase in ("scoring", "final"):
        await add("judging_button", ContestJudging(v.id).pack())
    if v.may_manage:
        if v.phase in ("entries", "closed"):
            await add("jury_button", ContestJury(v.id, 0).pack())
            if v.phase == "entries":
                await add("remind_button", ContestRemind(v.id).pack())
            await add("score_button", ContestScore(v.id).pack())
        elif v.phase == "scoring" and v.rounds == 2:
            await add("advance_button", ContestAdvance(v.id).pack())
        elif v.phase in ("scoring", "final"):
            await add("finish_button", ContestFinish(v.id).pack())
        elif v.phase == "done":
            await add("docx_button", ContestDocument(v.id, "docx").pack())
            await add("xlsx_button", ContestDocument(v.id, "xlsx").pack())
    return rows


async def show(update: Update, context: BotContext, v: ContestView, *, edit: bool) -> None:
    """The contest's card with what the presser may do."""
    buttons = await _view_buttons(update, context, v)
    await say_long(update, context, "contest.view", v=v, buttons=buttons, edit=edit)


@refusals
async def contest_command(update: Update, context: BotContext) -> None:
    """/contest: the school's writing contest (a leader may open one)."""
    user = update.effective_user
    assert user is not None
    try:
        v = await context.services.contests.show(tg_user_id=user.id)
    except NotFound as refusal:
        if refusal.key == "contest.no_contest" and refusal.values.get("may_open"):
            label = await _label(update, context, "open_button")
            await say(
                update,
                context,
                "contest.no_contest",
                may_open=True,
                buttons=[[(label, ContestOpen().pack())]],
            )
            return
        raise
    await show(update, context, v, edit=False)


@refusals
async def on_home(update: Update, context: BotContext) -> None:
    """The contest's card again."""
    query = update.callback_query
    assert query is not None
    ContestHome.unpack(query.data)
    v = await context.services.contests.show(tg_user_id=query.from_user.id)
    await query.answer()
    await show(update, context, v, edit=False)


# ---------------------------------------------------------------------------- opening


async def _opening(update: Update, context: BotContext, d: Draft, *, edit: bool) -> None:
    """The opening dialogue's step: its question and buttons."""
    label = labeller(update, context)
    buttons: list[list[tuple[str, str]]] = []
    key = {"confirm": "contest.preview", "subject": "contest.ask_topic"}.get(
        d.step, f"contest.ask_{d.step}"
    )
    if d.step == "title":
        buttons = [[(title, ContestTitle(n).pack())] for n, title in enumerate(TITLES)]
    elif d.step == "subject":
        buttons = [[(await label("subject_default"), ContestSubject().pack())]]
    elif d.step == "rounds":
        buttons = [
            [(await label("one_round"), ContestRounds(False).pack())],
            [(await label("two_rounds"), ContestRounds(True).pack())],
        ]
    elif d.step == "finalists":
        n = d.default_finalists
        buttons = [[(await label("finalists_default", n=n), ContestFinalists().pack())]]
    elif d.step == "confirm":
        buttons = [
            [(await label("confirm_button"), ContestConfirm(True).pack())],
            [(await label("cancel_button"), ContestConfirm(False).pack())],
        ]
    if edit:
        await edit_or_say(update, context, key, d=d, buttons=buttons)
    elif d.step == "title":
        await say(update, context, key, buttons=buttons)
    else:
        await say(update, context, key, d=d, buttons=buttons)


def labeller(update: Update, context: BotContext) -> Callable[..., Awaitable[str]]:
    """A label getter bound to this update."""

    async def label(key: str, **values: object) -> str:
        return await _label(update, context, key, **values)

    return label


@refusals
async def on_open(update: Update, context: BotContext) -> None:
    """A leader starts opening a contest."""
    query = update.callback_query
    assert query is not None
    ContestOpen.unpack(query.data)
    d = await context.services.contests.begin_open(tg_user_id=query.from_user.id)
    await query.answer()
    await _opening(update, context, d, edit=False)


@refusals
async def on_opening_button(update: Update, context: BotContext) -> None:
    """A choice in the opening dialogue: a usual name, one round or two, the usual finalists."""
    query = update.callback_query
    assert query is not None
    cases, tg = context.services.contests, query.from_user.id
    data = query.data
    if ContestTitle.matches(data):
        d = await cases.opening_title(tg_user_id=tg, choice=ContestTitle.unpack(data).choice)
    elif ContestSubject.matches(data):
        ContestSubject.unpack(data)
        d = await cases.opening_subject(tg_user_id=tg)
    elif ContestRounds.matches(data):
        d = await cases.opening_rounds(tg_user_id=tg, two=ContestRounds.unpack(data).two)
    else:
        ContestFinalists.unpack(data)
        d = await cases.opening_finalists(tg_user_id=tg)
    await query.answer()
    await _opening(update, context, d, edit=True)


@refusals
async def on_confirm(update: Update, context: BotContext) -> None:
    """Open the contest (or give up)."""
    query = update.callback_query
    assert query is not None
    pressed = ContestConfirm.unpack(query.data)
    v = await context.services.contests.confirm_open(tg_user_id=query.from_user.id, ok=pressed.ok)
    await query.answer()
    if v is None:
        await edit_or_say(update, context, "contest.open_cancelled")
        return
    await edit_or_say(update, context, "contest.opened", v=v)
    await show(update, context, v, edit=False)


async def on_opening_text(update: Update, context: BotContext, where: Where) -> None:
    """The leader typed the contest's name, its days, or the finalists."""
    await _opening_text(update, context)


@refusals
async def _opening_text(update: Update, context: BotContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.text is not None
    d = await context.services.contests.opening_typed(tg_user_id=user.id, text=message.text)
    await _opening(update, context, d, edit=False)


# ---------------------------------------------------------------------------- the jury


async def _jury(update: Update, context: BotContext, j: JuryPage, *, edit: bool) -> None:
    texts, locale = context.deps.texts, await user_locale(context, update)
    rows: list[list[tuple[str, str]]] = [
        [
            (
                texts.plain(locale, "contest.juror_label", name=name, department=dept, on=on),
                ContestJuror(j.contest_id, person, j.page).pack(),
            )
        ]
        for person, name, dept, on in j.members
    ]
    paging = []
    if j.page > 0:
        paging.append(
            (
                texts.plain(locale, "contest.prev_button"),
                ContestJury(j.contest_id, j.page - 1).pack(),
            )
        )
    if j.page + 1 < j.pages:
        paging.append(
            (
                texts.plain(locale, "contest.next_button"),
                ContestJury(j.contest_id, j.page + 1).pack(),
            )
        )
    if paging:
        rows.append(paging)
    rows.append([(texts.plain(locale, "contest.refresh_button"), ContestHome().pack())])
    if edit:
        await edit_or_say(update, context, "contest.jury", j=j, buttons=rows)
    else:
        await say(update, context, "contest.jury", j=j, buttons=rows)


@refusals
async def on_jury(update: Update, context: BotContext) -> None:
    """The jury with a page of members to choose from."""
    query = update.callback_query
    assert query is not None
    pressed = ContestJury.unpack(query.data)
    j = await context.services.contests.jury_page(
        tg_user_id=query.from_user.id, contest_id=pressed.contest_id, page=pressed.page
    )
    await query.answer()
    await _jury(update, context, j, edit=True)


@refusals
async def on_juror(update: Update, context: BotContext) -> None:
    """Put a member on the jury, or take them off."""
    query = update.callback_query
    assert query is not None
    pressed = ContestJuror.unpack(query.data)
    j = await context.services.contests.toggle_juror(
        tg_user_id=query.from_user.id,
        contest_id=pressed.contest_id,
        person_id=pressed.person_id,
        page=pressed.page,
    )
    await query.answer()
    await _jury(update, context, j, edit=True)


# ---------------------------------------------------------------------------- an entry


async def _entry(update: Update, context: BotContext, d: EntryDraft, *, edit: bool = False) -> None:
    label = labeller(update, context)
    buttons: list[list[tuple[str, str]]] = []
    key = {
        "subject": "contest.ask_subject",
        "title": "contest.ask_entry_title",
        "body": "contest.ask_body" if not d.parts else "contest.part_received",
        "preview": "contest.entry_preview",
    }[d.step]
    if d.step == "body" and d.parts:
        buttons = [[(await label("done_button"), EntryDone().pack())]]
    elif d.step == "preview":
        buttons = [
            [(await label("send_button"), EntrySend(True).pack())],
            [(await label("discard_button"), EntrySend(False).pack())],
        ]
    if edit:
        await edit_or_say(update, context, key, d=d, buttons=buttons)
    else:
        await say(update, context, key, d=d, buttons=buttons)


@refusals
async def on_enter(update: Update, context: BotContext) -> None:
    """A member starts writing an entry."""
    query = update.callback_query
    assert query is not None
    pressed = ContestEnter.unpack(query.data)
    d = await context.services.contests.begin_entry(
        tg_user_id=query.from_user.id, contest_id=pressed.contest_id
    )
    await query.answer()
    await _entry(update, context, d)


async def on_entry_text(update: Update, context: BotContext, where: Where) -> None:
    """Whom the entry is about, its title, or a part of its text."""
    await _entry_text(update, context)


@refusals
async def _entry_text(update: Update, context: BotContext) -> None:
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.text is not None
    d = await context.services.contests.entry_typed(tg_user_id=user.id, text=message.text)
    await _entry(update, context, d)


@refusals
async def on_done(update: Update, context: BotContext) -> None:
    """ "Xong": the preview."""
    query = update.callback_query
    assert query is not None
    EntryDone.unpack(query.data)
    d = await context.services.contests.entry_done(tg_user_id=query.from_user.id)
    await query.answer()
    await _entry(update, context, d, edit=True)


@refusals
async def on_send(update: Update, context: BotContext) -> None:
    """Send the entry (or throw it away)."""
    query = update.callback_query
    assert query is not None
    pressed = EntrySend.unpack(query.data)
    sent = await context.services.contests.send_entry(tg_user_id=query.from_user.id, ok=pressed.ok)
    await query.answer()
    if sent is None:
        await edit_or_say(update, context, "contest.entry_discarded")
    else:
        await edit_or_say(update, context, "contest.entry_sent", s=sent)


@refusals
async def on_file(update: Update, context: BotContext) -> None:
    """A document: the entry being written, else what the initiatives (and then the other
    handlers) make of it."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.document is not None
    where = await context.services.conversations.where(user.id)
    if where.kind is None or where.kind.value != "contest_entry":
        await initiatives.on_file(update, context)
        return
    doc = message.document
    with contextlib.suppress(TelegramError):  # "typing…" while the file is read
        await context.bot.send_chat_action(user.id, ChatAction.TYPING)
    d = await context.services.contests.entry_file(
        tg_user_id=user.id,
        file_id=doc.file_id,
        unique_id=doc.file_unique_id,
        name=doc.file_name or "",
        mime=doc.mime_type or "",
        size=doc.file_size,
    )
    if d is None:
        await initiatives.on_file(update, context)
        return
    await _entry(update, context, d)


# ---------------------------------------------------------------------------- judging


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
    label = await _label(update, context, "sheet_button", code=r.code, sent=r.sent)
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
