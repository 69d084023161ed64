"""/department: a department head (tổ trưởng) sends the department's proposals in a judging
round, after the department's own meeting, with a short note; the leaders see every department."""

from __future__ import annotations

from telegram import Update

from handlers.base import Buttons, edit_or_say, refusals, say, user_locale
from runtime.context import BotContext
from services.conversations import Where
from services.judging.departments import DeptList, DeptView
from ui.buttons.base import BadCallback, parse
from ui.buttons.departments import (
    DeptCollective,
    DeptConfirm,
    DeptNoNote,
    DeptOpen,
    DeptReview,
    DeptToggle,
)

PER_ROW = 2  # department buttons per row in the leaders' list


def _view_buttons(context: BotContext, locale: str, view: DeptView) -> Buttons:
    plain = context.deps.texts.plain
    r, d = view.round_id, view.department_id
    rows: list[list[tuple[str, str]]] = []
    if not view.locked:
        rows += [
            [
                (
                    plain(locale, "heads.line_button", line=line),
                    DeptToggle(r, d, line.candidate_id).pack(),
                )
            ]
            for block in view.titles
            for line in block.lines
            if line.decides == "me"
        ]
        rows += [
            [(plain(locale, "heads.collective_button", c=c), DeptCollective(r, d, c.index).pack())]
            for c in view.collective
            if c.mine
        ]
    if view.may_confirm:
        rows.append([(plain(locale, "heads.confirm_button"), DeptConfirm(r, d).pack())])
    if view.leader:
        rows.append([(plain(locale, "heads.departments_button"), DeptReview(r).pack())])
    return rows


async def _show(
    update: Update, context: BotContext, shown: DeptView | DeptList, *, edit: bool
) -> None:
    """A department's list (with its toggles), or the leaders' list of departments."""
    locale = await user_locale(context, update)
    show = edit_or_say if edit else say
    if isinstance(shown, DeptView):
        buttons = _view_buttons(context, locale, shown)
        await show(update, context, "heads.view", v=shown, buttons=buttons)
        return
    picks = [(row.name, DeptOpen(shown.round_id, row.id).pack()) for row in shown.departments]
    rows = [picks[i : i + PER_ROW] for i in range(0, len(picks), PER_ROW)]
    await show(update, context, "heads.departments", d=shown, buttons=rows)


@refusals
async def department_command(update: Update, context: BotContext) -> None:
    """/department: the open round's list of the head's department (leaders: the departments)."""
    user = update.effective_user
    assert user is not None
    await _show(
        update, context, await context.services.dept_heads.start(tg_user_id=user.id), edit=False
    )


@refusals
async def on_review(update: Update, context: BotContext) -> None:
    """The round-open notice's button: as /department, for that round."""
    query = update.callback_query
    assert query is not None
    pressed = DeptReview.unpack(query.data)
    shown = await context.services.dept_heads.start(
        tg_user_id=query.from_user.id, round_id=pressed.round_id
    )
    await query.answer()
    await _show(update, context, shown, edit=True)


@refusals
async def on_open(update: Update, context: BotContext) -> None:
    """One department's list (a leader picked it, or back from the note)."""
    query = update.callback_query
    assert query is not None
    pressed = DeptOpen.unpack(query.data)
    view = await context.services.dept_heads.department(
        tg_user_id=query.from_user.id,
        round_id=pressed.round_id,
        department_id=pressed.department_id,
    )
    await query.answer()
    await _show(update, context, view, edit=True)


@refusals
async def on_tick(update: Update, context: BotContext) -> None:
    """Đề nghị ✓ / Không đề nghị for one registrant, or the department's own tick for a
    collective title: kept in the draft until the list is confirmed."""
    query = update.callback_query
    assert query is not None
    match parse(query.data):
        case DeptToggle(round_id=r, department_id=d, candidate_id=candidate):
            ticked: dict[str, int] = {"candidate_id": candidate}
        case DeptCollective(round_id=r, department_id=d, title=title):
            ticked = {"title_index": title}
        case _:
            raise BadCallback(query.data)
    view = await context.services.dept_heads.toggle(
        tg_user_id=query.from_user.id, round_id=r, department_id=d, **ticked
    )
    await query.answer()
    await _show(update, context, view, edit=True)


@refusals
async def on_confirm(update: Update, context: BotContext) -> None:
    """ "Xác nhận danh sách của tổ": ask for the short note (or none)."""
    query = update.callback_query
    assert query is not None
    pressed = DeptConfirm.unpack(query.data)
    view = await context.services.dept_heads.ask_note(
        tg_user_id=query.from_user.id,
        round_id=pressed.round_id,
        department_id=pressed.department_id,
    )
    await query.answer()
    plain, locale = context.deps.texts.plain, await user_locale(context, update)
    r, d = pressed.round_id, pressed.department_id
    buttons = [
        [(plain(locale, "heads.no_note_button"), DeptNoNote(r, d).pack())],
        [(plain(locale, "heads.back_button"), DeptOpen(r, d).pack())],
    ]
    await edit_or_say(update, context, "heads.ask_note", v=view, buttons=buttons)


@refusals
async def on_no_note(update: Update, context: BotContext) -> None:
    """Send the list without a note."""
    query = update.callback_query
    assert query is not None
    pressed = DeptNoNote.unpack(query.data)
    done = await context.services.dept_heads.confirm(
        tg_user_id=query.from_user.id,
        note="",
        round_id=pressed.round_id,
        department_id=pressed.department_id,
    )
    await query.answer()
    await edit_or_say(update, context, "heads.sent", v=done.view, again=done.again, told=done.told)


async def on_note_text(update: Update, context: BotContext, where: Where) -> None:
    """The dialogue step: the note typed for the list waiting for it (else a hint)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and message.text is not None and user is not None
    if where.step != "note":
        await say(update, context, "heads.use_buttons")
        return
    done = await context.services.dept_heads.confirm(tg_user_id=user.id, note=message.text)
    await say(update, context, "heads.sent", v=done.view, again=done.again, told=done.told)
