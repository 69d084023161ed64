"""The council's judging meeting: /meeting, the chair's scheduling dialogue, "Báo vắng" and its
reason, "Bắt đầu họp", "✋ Điểm danh"."""

from __future__ import annotations

from telegram import Update

from handlers.base import Buttons, edit_or_say, refusals, say, user_locale
from runtime.context import BotContext
from services.judging.meetings import Card, Step
from ui.buttons.base import BadCallback, parse
from ui.buttons.meetings import (
    MeetingAbsent,
    MeetingAgendaDefault,
    MeetingCancel,
    MeetingCheckIn,
    MeetingConfirm,
    MeetingOpen,
    MeetingReschedule,
    MeetingSecretary,
)


async def _label(update: Update, context: BotContext, key: str) -> str:
    return context.deps.texts.plain(await user_locale(context, update), key)


async def _show_step(update: Update, context: BotContext, step: Step, *, edit: bool) -> None:
    """The prompt of the scheduling step the draft is at."""
    show = edit_or_say if edit else say
    if step.step == "when":
        await show(update, context, "meetings.ask_when", replaces=step.replaces)
    elif step.step == "place":
        await show(update, context, "meetings.ask_place")
    elif step.step == "agenda":
        label = await _label(update, context, "meetings.default_agenda_button")
        await show(
            update,
            context,
            "meetings.ask_agenda",
            agenda=step.default_agenda,
            buttons=[[(label, MeetingAgendaDefault().pack())]],
        )
    elif step.step == "secretary":
        choices = [(name, MeetingSecretary(person_id=pid).pack()) for pid, name in step.members]
        if not choices:
            label = await _label(update, context, "meetings.no_secretary_button")
            choices = [(label, MeetingSecretary(person_id=0).pack())]
        await show(
            update,
            context,
            "meetings.ask_secretary",
            members=step.members,
            buttons=[choices[i : i + 2] for i in range(0, len(choices), 2)],
        )
    else:
        await show(
            update,
            context,
            "meetings.preview",
            meeting=step.preview,
            replaces=step.replaces,
            buttons=[
                [
                    (
                        await _label(update, context, "meetings.create_button"),
                        MeetingConfirm(action="create").pack(),
                    ),
                    (
                        await _label(update, context, "meetings.discard_button"),
                        MeetingConfirm(action="cancel").pack(),
                    ),
                ]
            ],
        )


async def _show_card(update: Update, context: BotContext, card: Card) -> None:
    """/meeting's answer: the round's meeting as this viewer stands at it."""
    meeting = card.meeting
    if meeting is None:
        await say(update, context, "meetings.no_meeting")
        return
    if card.chair and meeting.status == "open":
        await say(update, context, "meetings.panel_again", meeting=meeting)
        return
    if card.chair:
        await say(
            update,
            context,
            "meetings.chair_card",
            meeting=meeting,
            buttons=[
                [
                    (
                        await _label(update, context, "meetings.open_button"),
                        MeetingOpen(meeting_id=meeting.id).pack(),
                    )
                ],
                [
                    (
                        await _label(update, context, "meetings.reschedule_button"),
                        MeetingReschedule().pack(),
                    ),
                    (
                        await _label(update, context, "meetings.cancel_meeting_button"),
                        MeetingCancel(meeting_id=meeting.id, confirm=False).pack(),
                    ),
                ],
            ],
        )
        return
    buttons: Buttons = []
    if meeting.status == "open" and card.present_at is None:
        label = await _label(update, context, "meetings.check_in_button")
        buttons = [[(label, MeetingCheckIn(meeting_id=meeting.id).pack())]]
    elif meeting.status == "scheduled":
        label = await _label(update, context, "meetings.absent_button")
        buttons = [[(label, MeetingAbsent(meeting_id=meeting.id).pack())]]
    await say(
        update,
        context,
        "meetings.member_card",
        meeting=meeting,
        present_at=card.present_at,
        absent_reason=card.absent_reason,
        quorum=card.quorum,
        buttons=buttons or None,
    )


@refusals
async def meeting_command(update: Update, context: BotContext) -> None:
    """/meeting: the chair schedules the judging meeting (or sees it); a member sees it."""
    user = update.effective_user
    assert user is not None
    shown = await context.services.meetings.command(tg_user_id=user.id)
    if isinstance(shown, Step):
        await _show_step(update, context, shown, edit=False)
    else:
        await _show_card(update, context, shown)


async def on_text(update: Update, context: BotContext) -> None:
    """A typed answer in the scheduling dialogue (from the private-text router)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.text is not None
    step = await context.services.meetings.answer(tg_user_id=user.id, text=message.text)
    await _show_step(update, context, step, edit=False)


@refusals
async def on_step(update: Update, context: BotContext) -> None:
    """A button of the scheduling dialogue: the default agenda, the secretary, or "Đổi lịch"
    (scheduling again: the new meeting replaces the old)."""
    query = update.callback_query
    assert query is not None
    meetings, user_id = context.services.meetings, query.from_user.id
    match parse(query.data):
        case MeetingAgendaDefault():
            step, edit = await meetings.use_default_agenda(tg_user_id=user_id), True
        case MeetingSecretary(person_id=person_id):
            step = await meetings.choose_secretary(tg_user_id=user_id, person_id=person_id)
            edit = True
        case MeetingReschedule():  # the meeting's card stays; the dialogue starts below it
            step, edit = await meetings.begin(tg_user_id=user_id), False
        case _:
            raise BadCallback(repr(query.data))
    await query.answer()
    await _show_step(update, context, step, edit=edit)


@refusals
async def on_confirm(update: Update, context: BotContext) -> None:
    """Schedule the meeting from the preview, or throw the draft away."""
    query = update.callback_query
    assert query is not None
    action = MeetingConfirm.unpack(query.data).action
    user_id = query.from_user.id
    if action == "cancel":
        await context.services.meetings.discard(tg_user_id=user_id)
        await query.answer()
        await edit_or_say(update, context, "meetings.discarded")
        return
    meeting = await context.services.meetings.create(tg_user_id=user_id)
    context.deps.schedule_changed()
    await query.answer()
    label = await _label(update, context, "meetings.open_button")
    await edit_or_say(
        update,
        context,
        "meetings.scheduled",
        meeting=meeting,
        buttons=[[(label, MeetingOpen(meeting_id=meeting.id).pack())]],
    )


@refusals
async def on_cancel(update: Update, context: BotContext) -> None:
    """ "Hủy cuộc họp": asked to confirm, then the meeting is cancelled and members told."""
    query = update.callback_query
    assert query is not None
    pressed = MeetingCancel.unpack(query.data)
    meetings, user_id = context.services.meetings, query.from_user.id
    if not pressed.confirm:
        meeting = await meetings.cancel_asked(tg_user_id=user_id, meeting_id=pressed.meeting_id)
        await query.answer()
        label = await _label(update, context, "meetings.confirm_cancel_button")
        confirm = MeetingCancel(meeting_id=pressed.meeting_id, confirm=True).pack()
        await say(
            update,
            context,
            "meetings.confirm_cancel",
            meeting=meeting,
            buttons=[[(label, confirm)]],
        )
        return
    meeting = await meetings.cancel(tg_user_id=user_id, meeting_id=pressed.meeting_id)
    context.deps.schedule_changed()
    await query.answer()
    await edit_or_say(update, context, "meetings.cancelled_done", meeting=meeting)


@refusals
async def on_open(update: Update, context: BotContext) -> None:
    """ "Bắt đầu họp": the chair opens the meeting; members get their check-in button."""
    query = update.callback_query
    assert query is not None
    pressed = MeetingOpen.unpack(query.data)
    opened = await context.services.meetings.open(
        tg_user_id=query.from_user.id, meeting_id=pressed.meeting_id
    )
    context.deps.schedule_changed()  # its reminders are cancelled
    await query.answer()
    await edit_or_say(update, context, "meetings.opened", meeting=opened.meeting)


@refusals
async def on_absent(update: Update, context: BotContext) -> None:
    """ "Báo vắng": the reason is asked next."""
    query = update.callback_query
    assert query is not None
    pressed = MeetingAbsent.unpack(query.data)
    meeting = await context.services.meetings.ask_absence(
        tg_user_id=query.from_user.id, meeting_id=pressed.meeting_id
    )
    await query.answer()
    await say(update, context, "meetings.ask_reason", meeting=meeting)


async def on_absence_text(update: Update, context: BotContext) -> None:
    """The reason typed for an absence (from the private-text router)."""
    message, user = update.effective_message, update.effective_user
    assert message is not None and user is not None and message.text is not None
    meeting = await context.services.meetings.give_absence(tg_user_id=user.id, text=message.text)
    await say(update, context, "meetings.absence_saved", meeting=meeting)


@refusals
async def on_check_in(update: Update, context: BotContext) -> None:
    """ "✋ Điểm danh": the member is present; the message says since when."""
    query = update.callback_query
    assert query is not None
    pressed = MeetingCheckIn.unpack(query.data)
    done = await context.services.meetings.check_in(
        tg_user_id=query.from_user.id, meeting_id=pressed.meeting_id
    )
    texts, locale = context.deps.texts, await user_locale(context, update)
    await query.answer(texts.plain(locale, "meetings.checked_in_toast", at=done.at))
    await edit_or_say(update, context, "meetings.checked_in", at=done.at)
