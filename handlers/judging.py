"""The judging round (/round): the chair opens and closes it, opens and closes each title's vote
and ends the meeting; members vote in their private chat."""

from __future__ import annotations

from telegram import Message, Update
from telegram.constants import ParseMode
from telegram.error import BadRequest

from handlers.base import Buttons, edit_or_say, refusals, say, say_long, user_locale
from runtime.context import BotContext
from services.errors import NotFound, ServiceError
from services.judging.ballots import Sheet, progress_buttons, sheet_buttons
from services.judging.minutes import minutes_buttons
from services.judging.rounds import RoundView as View
from ui.buttons.dossier import DossierOverview
from ui.buttons.judging import (
    MeetingClose,
    RoundClose,
    RoundOpen,
    RoundView,
    VoteCast,
    VoteClose,
    VoteOpen,
    VoteRest,
    VoteStatus,
)
from ui.buttons.publication import PubPanel
from ui.keyboards import keyboard


def _round_buttons(context: BotContext, locale: str, view: View) -> Buttons:
    plain = context.deps.texts.plain
    rows: list[list[tuple[str, str]]] = []
    if view.may_manage and view.status == "open":
        if view.meeting_status == "open" and view.meeting_id is not None:
            rows += [
                [(f"🗳 {t.title}", VoteOpen(view.meeting_id, i).pack())]
                for i, t in enumerate(view.titles)
                if t.proposed
            ]
            rows.append(
                [
                    (
                        plain(locale, "judging.meeting_close_button"),
                        MeetingClose(view.meeting_id).pack(),
                    )
                ]
            )
        if view.meeting_status == "closed":
            rows.append([(plain(locale, "judging.close_button"), RoundClose(view.id).pack())])
    return rows


def _next_steps(context: BotContext, locale: str, round_id: int) -> Buttons:
    """After the result is final: publish it, then the dossier (the chair's next two rooms)."""
    plain = context.deps.texts.plain
    return [
        [(plain(locale, "judging.publish_step_button"), PubPanel(round_id).pack())],
        [(plain(locale, "judging.dossier_step_button"), DossierOverview(round_id).pack())],
    ]


@refusals
async def round_command(update: Update, context: BotContext) -> None:
    """/round: the school's judging round (council members); the chair may open one."""
    user = update.effective_user
    assert user is not None
    locale = await user_locale(context, update)
    try:
        view = await context.services.rounds.view(tg_user_id=user.id)
    except NotFound as refusal:
        if refusal.values.get("may_open"):
            open_label = context.deps.texts.plain(locale, "judging.open_button")
            await say(
                update,
                context,
                "judging.no_round",
                may_open=True,
                buttons=[[(open_label, RoundOpen().pack())]],
            )
            return
        raise
    await say(
        update, context, "judging.view", r=view, buttons=_round_buttons(context, locale, view)
    )
    if view.may_manage and view.status == "closed":
        await say(
            update, context, "judging.next_steps", buttons=_next_steps(context, locale, view.id)
        )


@refusals
async def on_round(update: Update, context: BotContext) -> None:
    """A round's button: show it again (fresh)."""
    query = update.callback_query
    assert query is not None
    pressed = RoundView.unpack(query.data)
    view = await context.services.rounds.view(
        tg_user_id=query.from_user.id, round_id=pressed.round_id
    )
    await query.answer()
    locale = await user_locale(context, update)
    await say_long(
        update,
        context,
        "judging.view",
        r=view,
        buttons=_round_buttons(context, locale, view),
        edit=True,
    )


@refusals
async def on_open(update: Update, context: BotContext) -> None:
    """The chair opens the round of the current school year."""
    query = update.callback_query
    assert query is not None
    RoundOpen.unpack(query.data)
    opened = await context.services.rounds.open(tg_user_id=query.from_user.id)
    await query.answer()
    locale = await user_locale(context, update)
    await edit_or_say(
        update,
        context,
        "judging.opened",
        view=opened.view,
        added=opened.added,
        heads=opened.heads_told,
    )
    await say_long(
        update,
        context,
        "judging.view",
        r=opened.view,
        buttons=_round_buttons(context, locale, opened.view),
    )


@refusals
async def on_close_round(update: Update, context: BotContext) -> None:
    """The chair makes the round's results final."""
    query = update.callback_query
    assert query is not None
    pressed = RoundClose.unpack(query.data)
    view = await context.services.rounds.close(
        tg_user_id=query.from_user.id, round_id=pressed.round_id
    )
    await query.answer()
    await say_long(update, context, "judging.view", r=view, edit=True)
    locale = await user_locale(context, update)
    await say(update, context, "judging.next_steps", buttons=_next_steps(context, locale, view.id))


@refusals
async def on_vote_open(update: Update, context: BotContext) -> None:
    """The chair opens one title's vote (the quorum checked); the progress comes as a message."""
    query = update.callback_query
    assert query is not None
    pressed = VoteOpen.unpack(query.data)
    await context.services.ballots.open_vote(
        tg_user_id=query.from_user.id, meeting_id=pressed.meeting_id, title=pressed.title
    )
    await query.answer()


@refusals
async def on_vote(update: Update, context: BotContext) -> None:
    """A member's vote: the ballot message shows their choices (in their chat only)."""
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    pressed = VoteCast.unpack(query.data)
    sheet = await context.services.ballots.cast(
        tg_user_id=query.from_user.id,
        ballot_id=pressed.ballot_id,
        candidate_id=pressed.candidate_id,
        yes=pressed.yes,
    )
    await _show_sheet(update, context, sheet)


@refusals
async def on_vote_rest(update: Update, context: BotContext) -> None:
    """A member agrees with everyone on the page not chosen yet."""
    query = update.callback_query
    assert query is not None
    pressed = VoteRest.unpack(query.data)
    sheet = await context.services.ballots.cast_rest(
        tg_user_id=query.from_user.id, ballot_id=pressed.ballot_id, page=pressed.page
    )
    await _show_sheet(update, context, sheet)


async def _show_sheet(update: Update, context: BotContext, sheet: Sheet) -> None:
    """The member's ballot again, with their choices (edited in their chat, never stored)."""
    query = update.callback_query
    assert query is not None and isinstance(query.message, Message)
    locale = await user_locale(context, update)
    texts = context.deps.texts
    await query.answer(texts.plain(locale, "judging.vote_recorded"))
    buttons = sheet_buttons(sheet, texts, locale)
    try:
        await query.message.edit_text(
            texts.render(locale, "judging.sheet", sheet=sheet),
            parse_mode=ParseMode.HTML,
            reply_markup=keyboard([[list(b) for b in row] for row in buttons]) if buttons else None,
        )
    except BadRequest as exc:
        if "not modified" not in exc.message.lower():
            raise


@refusals
async def on_vote_status(update: Update, context: BotContext) -> None:
    """The chair refreshes a vote's progress."""
    query = update.callback_query
    assert query is not None
    pressed = VoteStatus.unpack(query.data)
    progress = await context.services.ballots.progress(
        tg_user_id=query.from_user.id, ballot_id=pressed.ballot_id
    )
    await query.answer()
    locale = await user_locale(context, update)
    await edit_or_say(
        update,
        context,
        "judging.progress",
        p=progress,
        buttons=progress_buttons(progress, context.deps.texts, locale),
    )


@refusals
async def on_vote_close(update: Update, context: BotContext) -> None:
    """The chair closes a vote: the count."""
    query = update.callback_query
    assert query is not None
    pressed = VoteClose.unpack(query.data)
    result = await context.services.ballots.close_vote(
        tg_user_id=query.from_user.id, ballot_id=pressed.ballot_id
    )
    await query.answer()
    await say_long(update, context, "judging.result", r=result)


@refusals
async def on_meeting_close(update: Update, context: BotContext) -> None:
    """The chair ends the meeting: the press is answered at once (writing the minutes takes a
    moment), then the outcome comes as a message, a refusal too."""
    query = update.callback_query
    assert query is not None
    pressed = MeetingClose.unpack(query.data)
    locale = await user_locale(context, update)
    await query.answer(context.deps.texts.plain(locale, "judging.closing_meeting"))
    try:
        closed = await context.services.ballots.close_meeting(
            tg_user_id=query.from_user.id, meeting_id=pressed.meeting_id
        )
    except ServiceError as refusal:
        await say(update, context, refusal.key, **refusal.values)
        return
    buttons = minutes_buttons(context.deps.texts, closed.meeting_id, locale=locale)
    await say(update, context, "judging.meeting_ended", closed=closed, buttons=buttons)
