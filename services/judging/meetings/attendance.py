"""At the meeting: an absence reported with its reason, the chair opening it, members checking in,
and /meeting (where each viewer stands)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, conversations, outbox
from services.conversations import Kind, NoDraft
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound
from services.judging.common import council_members, open_round
from services.judging.meetings.common import (
    ABSENCE,
    CHECKINS,
    OPEN_EARLY,
    REASON_MAX,
    Card,
    CheckedIn,
    MeetingView,
    Opened,
    Step,
    chair_actor,
    chat_and_locale,
    council_actor,
    drop_reminders,
    live_meeting,
    marks_of,
    meeting_of,
    quorum,
    refuse_ended,
    set_attendance,
    view_of,
)
from services.judging.meetings.panel import refresh_panel, send_panel
from services.judging.meetings.schedule import begin
from services.naming import check_visible
from services.people import Actor
from storage.models import (
    Attendance,
    Meeting,
    MeetingStatus,
    Role,
)
from ui.buttons.meetings import MeetingCheckIn
from ui.texts import Texts

# ----------------------------------------------------------------------------- absence


async def _absence_target(
    session: AsyncSession, tg_user_id: int, meeting_id: int
) -> tuple[Actor, Meeting]:
    who = await council_actor(session, tg_user_id)
    meeting = await meeting_of(session, who, meeting_id)
    refuse_ended(meeting)
    assert who.person is not None
    if who.person.id == meeting.chair_id:
        raise NotAllowed("meetings.chair_presides")
    mark = await session.scalar(
        select(Attendance).where(
            Attendance.meeting_id == meeting.id, Attendance.person_id == who.person.id
        )
    )
    if mark is not None and mark.present:
        raise AlreadyDone("meetings.already_checked_in", at=mark.at)
    return who, meeting


async def ask_absence(
    session: AsyncSession, *, tg_user_id: int, meeting_id: int, texts: Texts, now: datetime
) -> MeetingView:
    """ "Báo vắng": the member is asked for the reason (the next text they send)."""
    _, meeting = await _absence_target(session, tg_user_id, meeting_id)
    shown = await view_of(session, meeting, texts.tz)
    await ABSENCE.save(session, tg_user_id, "reason", {"meeting_id": meeting.id}, now)
    return shown


async def give_absence(
    session: AsyncSession, *, tg_user_id: int, text: str, texts: Texts, now: datetime
) -> MeetingView:
    """The member's reason for missing the meeting: kept (Attendance present=False, reason) for
    the minutes, the chair told (and the panel updated when the meeting is open)."""
    try:
        convo = await ABSENCE.load(session, tg_user_id)
    except NoDraft:
        raise Invalid("errors.no_dialogue") from None
    who, meeting = await _absence_target(session, tg_user_id, int(convo.data["meeting_id"]))
    assert who.person is not None
    reason = " ".join(text.split())
    if not 2 <= len(reason) <= REASON_MAX:
        raise Invalid("meetings.bad_reason", limit=REASON_MAX, length=len(reason))
    check_visible(reason)
    await set_attendance(session, meeting.id, who.person.id, present=False, reason=reason, now=now)
    shown = await view_of(session, meeting, texts.tz)
    chat_id, locale = await chat_and_locale(session, texts, meeting.chair_id)
    outbox.enqueue_message(
        session,
        chat_id=chat_id,
        text=texts.render(
            locale,
            "meetings.absence_notice",
            name=who.person.full_name,
            reason=reason,
            meeting=shown,
        ),
        now=now,
    )
    if meeting.status == MeetingStatus.OPEN:
        await refresh_panel(session, meeting, texts, now)
    await audit.record(
        session,
        org_id=who.org_id,
        actor_id=who.person.id,
        action="meeting.absence",
        target=f"meeting:{meeting.id}",
        now=now,
        reason=reason,
    )
    await conversations.end(session, chat_id=tg_user_id, user_id=tg_user_id, kind=Kind.ABSENCE)
    await session.commit()
    return shown


# ----------------------------------------------------------------------------- open, check in


async def open_meeting(
    session: AsyncSession, *, tg_user_id: int, meeting_id: int, texts: Texts, now: datetime
) -> Opened:
    """ "Bắt đầu họp" (from half an hour before the start): the council's size is fixed, the chair
    is present, every other member not excused gets a check-in button, the chair the panel."""
    who = await chair_actor(session, tg_user_id)
    assert who.person is not None
    meeting = await meeting_of(session, who, meeting_id)
    refuse_ended(meeting)
    if meeting.status == MeetingStatus.OPEN:
        raise AlreadyDone("meetings.already_open")
    if now < meeting.starts_at - OPEN_EARLY:
        raise Invalid("meetings.too_early", at=meeting.starts_at - OPEN_EARLY)
    council = await council_members(session, meeting.org_id)
    changed = await session.execute(
        update(Meeting)
        .where(Meeting.id == meeting.id, Meeting.status == MeetingStatus.SCHEDULED)
        .values(
            status=MeetingStatus.OPEN,
            opened_at=now,
            council_size=len(council),
            chair_id=who.person.id,  # who presides: the chair now
        )
    )
    if getattr(changed, "rowcount", 0) != 1:
        await session.rollback()
        raise AlreadyDone("meetings.changed_meanwhile")
    await session.refresh(meeting)
    await drop_reminders(session, meeting.id)
    await set_attendance(session, meeting.id, who.person.id, present=True, reason=None, now=now)
    marks = await marks_of(session, meeting.id)
    shown = await view_of(session, meeting, texts.tz)
    for member in council:
        if member.person_id == who.person.id or member.person_id in marks:
            continue  # the chair is present; the excused check in from /meeting if they come
        locale = texts.locale(member.person.locale)
        outbox.enqueue_message(
            session,
            chat_id=member.person.tg_user_id,
            text=texts.render(locale, "meetings.check_in_call", meeting=shown),
            buttons=[
                [
                    (
                        texts.plain(locale, "meetings.check_in_button"),
                        MeetingCheckIn(meeting_id=meeting.id).pack(),
                    )
                ]
            ],
            now=now,
            ref=CHECKINS.format(meeting.id),
        )
    await send_panel(session, meeting, texts, now)
    await audit.record(
        session,
        org_id=who.org_id,
        actor_id=who.person.id,
        action="meeting.open",
        target=f"meeting:{meeting.id}",
        now=now,
        council_size=len(council),
    )
    await session.commit()
    return Opened(shown, await quorum(session, meeting))


async def check_in(
    session: AsyncSession, *, tg_user_id: int, meeting_id: int, texts: Texts, now: datetime
) -> CheckedIn:
    """ "✋ Điểm danh": a council member of the meeting's school is present (once; an excused
    member who came after all becomes present); the chair's panel is updated."""
    who = await council_actor(session, tg_user_id)
    assert who.person is not None
    meeting = await meeting_of(session, who, meeting_id)
    refuse_ended(meeting)
    if meeting.status != MeetingStatus.OPEN:
        raise Invalid("meetings.not_open", at=meeting.starts_at)
    row = await set_attendance(
        session, meeting.id, who.person.id, present=True, reason=None, now=now
    )
    await refresh_panel(session, meeting, texts, now)
    await audit.record(
        session,
        org_id=who.org_id,
        actor_id=who.person.id,
        action="meeting.check_in",
        target=f"meeting:{meeting.id}",
        now=now,
    )
    await session.commit()
    return CheckedIn(
        row.at, await view_of(session, meeting, texts.tz), await quorum(session, meeting)
    )


# ----------------------------------------------------------------------------- /meeting


async def card(
    session: AsyncSession, *, tg_user_id: int, texts: Texts, now: datetime
) -> Card | Step:
    """/meeting: the chair with no meeting scheduled starts scheduling one; otherwise the round's
    meeting as the viewer stands at it (the chair of an open meeting gets the panel again)."""
    who = await council_actor(session, tg_user_id)
    assert who.person is not None
    chair = who.role == Role.CHAIR
    rnd = await open_round(session, who.org_id)
    if rnd is None:
        if chair:
            raise NotFound("meetings.no_round")
        return Card(None, chair)
    meeting = await live_meeting(session, rnd.id)
    if meeting is None:
        if chair:
            return await begin(session, tg_user_id=tg_user_id, texts=texts, now=now)
        return Card(None, chair)
    mark = await session.scalar(
        select(Attendance).where(
            Attendance.meeting_id == meeting.id, Attendance.person_id == who.person.id
        )
    )
    counted = None
    if meeting.status == MeetingStatus.OPEN:
        counted = await quorum(session, meeting)
        if chair:
            await send_panel(session, meeting, texts, now)
            await session.commit()
    return Card(
        meeting=await view_of(session, meeting, texts.tz),
        chair=chair,
        present_at=mark.at if mark is not None and mark.present else None,
        absent_reason=mark.reason if mark is not None and not mark.present else None,
        quorum=counted,
    )
