"""The contest's card (/contest), the leader's opening dialogue and the jury."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from telegram import Update

from handlers.base import Buttons, edit_or_say, refusals, say, say_long, user_locale
from runtime.context import BotContext
from services.contest import ContestView, Draft, JuryPage
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
    ContestRemind,
    ContestRounds,
    ContestScore,
    ContestSubject,
    ContestTitle,
)


async def label_of(update: Update, context: BotContext, key: str, **values: object) -> str:
    return context.deps.texts.plain(await user_locale(context, update), f"contest.{key}", **values)


async def _view_buttons(update: Update, context: BotContext, v: ContestView) -> Buttons:
    rows: list[list[tuple[str, str]]] = []

    async def add(key: str, data: str) -> None:
        rows.append([(await label_of(update, context, key), data)])

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
            label = await label_of(update, context, "open_button")
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
        return await label_of(update, context, key, **values)

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
