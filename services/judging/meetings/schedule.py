"""Scheduling the meeting: the chair's durable dialogue (when, where, the agenda, the secretary),
the invitation, moving or cancelling it, and its reminders (fired by the scheduler)."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, conversations, outbox
from services.campaigns.common import parse_when
from services.conversations import Kind, NoDraft
from services.errors import AlreadyDone, Invalid, NotFound
from services.judging.common import council_members
from services.judging.meetings.common import (
    AGENDA_LINES,
    AGENDA_MAX,
    DRAFT,
    NOTICES,
    PLACE_MAX,
    TOO_FAR,
    MeetingView,
    Step,
    chair_actor,
    drop_reminders,
    live_meeting,
    local,
    marks_of,
    meeting_of,
    names_of,
    refuse_ended,
    school_round,
    view_of,
)
from services.naming import check_visible
from services.planner import meeting_notices
from storage.models import (
    Conversation,
    JudgingRound,
    Meeting,
    MeetingStatus,
    Notice,
    NoticeStatus,
)
from ui.buttons.meetings import MeetingAbsent, MeetingOpen
from ui.texts import Texts

# ----------------------------------------------------------------------------- typed times


# A time of day as Vietnamese write it: 14:00, 14h, 14h30, 14g30, 14 giờ 30 (phút), 2 giờ chiều.
_TIME = re.compile(
    r"(?<![\d/.\-])(\d{1,2})\s*(?::|giờ|h|g)\s*(\d{2})?(?:\s*(?:phút|p))?"
    r"(?:\s*(sáng|trưa|chiều|tối))?(?![\d/\-:\w])",
    re.IGNORECASE,
)


# Words around the date and time, and the weekday (the date says which day it is).
_FILLER = re.compile(
    r"\b(?:lúc|ngày|vào|hôm|at|on|thứ\s+(?:hai|ba|tư|năm|sáu|bảy|[2-7])|chủ\s+nhật)\b|,",
    re.IGNORECASE,
)


def parse_start(text: str, tz: ZoneInfo, *, today: date) -> datetime:
    """When a meeting starts, typed as people write it: "15/05/2027 14:00", "15/5 14h",
    "15/05/2027 14g30", "14h30 ngày 15/5/2027", "15/5 lúc 2 giờ chiều" (a date without a year:
    the next such day). The date is read as campaigns read it (services.campaigns.parse_when);
    the time is required."""
    shown = " ".join(text.split())[:40]
    text = text.strip().rstrip(".!;")
    found = list(_TIME.finditer(text))
    if len(found) != 1:
        raise Invalid("meetings.bad_when", text=shown)
    match = found[0]
    hour, minute, part = int(match[1]), int(match[2] or 0), (match[3] or "").lower()
    if (part in ("chiều", "tối") and hour < 12) or (part == "trưa" and hour < 6):
        hour += 12
    if hour > 23 or minute > 59:
        raise Invalid("meetings.no_such_time", text=match[0].strip())
    rest = _FILLER.sub(" ", text[: match.start()] + " " + text[match.end() :])
    try:
        day = parse_when(" ".join(rest.split()), tz, default=time(0), today=today)
    except Invalid as refusal:
        if refusal.key == "campaigns.no_such_date":
            raise
        raise Invalid("meetings.bad_when", text=shown) from None
    if day.time() != time(0):  # a second time of day, e.g. "15/5 14:00 15h"
        raise Invalid("meetings.bad_when", text=shown)
    return datetime.combine(day.date(), time(hour, minute), tzinfo=tz)


# ----------------------------------------------------------------------------- the dialogue


async def _secretaries(session: AsyncSession, org_id: int, chair_id: int) -> list[tuple[int, str]]:
    return [
        (m.person_id, m.person.full_name)
        for m in await council_members(session, org_id)
        if m.person_id != chair_id
    ]


def default_agenda(texts: Texts, year: int) -> list[str]:
    """The usual agenda of the judging meeting, for the round's school year (in the school's
    language: it goes into the minutes)."""
    rendered = texts.render(texts.default_locale, "meetings.default_agenda", year=year)
    return [line.strip() for line in rendered.splitlines() if line.strip()]


async def _step(
    session: AsyncSession,
    tg_user_id: int,
    step: str,
    data: dict[str, Any],
    texts: Texts,
    now: datetime,
) -> Step:
    await DRAFT.save(session, tg_user_id, step, data, now)
    return await _step_view(session, step, data, texts)


async def _step_view(session: AsyncSession, step: str, data: dict[str, Any], texts: Texts) -> Step:
    tz = texts.tz
    replaces = None
    if data.get("replaces"):
        old = await session.get(Meeting, int(data["replaces"]))
        if old is not None and old.status == MeetingStatus.SCHEDULED:
            replaces = await view_of(session, old, tz)
    rnd = await session.get_one(JudgingRound, int(data["round_id"]))
    members: list[tuple[int, str]] = []
    preview = None
    if step == "secretary":
        members = await _secretaries(session, int(data["org_id"]), int(data["chair_id"]))
    if step == "preview":
        starts = datetime.fromisoformat(data["starts_at"])
        names = await names_of(session, {int(data["chair_id"]), int(data.get("secretary_id") or 0)})
        preview = MeetingView(
            id=0,
            round_name=rnd.name,
            starts_at=starts,
            weekday=local(starts, tz).weekday(),
            place=data["place"],
            agenda=list(data["agenda"]),
            chair=names.get(int(data["chair_id"]), ""),
            secretary=names.get(int(data.get("secretary_id") or 0)),
            status="draft",
        )
    return Step(
        step=step,
        replaces=replaces,
        default_agenda=default_agenda(texts, rnd.year),
        members=members,
        preview=preview,
    )


async def _draft(session: AsyncSession, tg_user_id: int) -> Conversation:
    try:
        return await DRAFT.load(session, tg_user_id)
    except NoDraft:
        raise Invalid("errors.no_dialogue") from None


async def begin(session: AsyncSession, *, tg_user_id: int, texts: Texts, now: datetime) -> Step:
    """The chair schedules the meeting of the school's open round (or moves the one scheduled:
    the new one replaces it)."""
    who = await chair_actor(session, tg_user_id)
    rnd = await school_round(session, who.org_id)
    live = await live_meeting(session, rnd.id)
    if live is not None and live.status == MeetingStatus.OPEN:
        raise AlreadyDone("meetings.in_progress")
    assert who.person is not None
    data = {
        "org_id": who.org_id,
        "round_id": rnd.id,
        "chair_id": who.person.id,
        "replaces": live.id if live is not None else None,
    }
    return await _step(session, tg_user_id, "when", data, texts, now)


async def answer(
    session: AsyncSession, *, tg_user_id: int, text: str, texts: Texts, now: datetime
) -> Step:
    """A typed answer at the current step: when, where, the agenda's lines."""
    convo = await _draft(session, tg_user_id)
    data, step, tz = dict(convo.data), convo.step, texts.tz
    if step == "when":
        starts = parse_start(text, tz, today=local(now, tz).date())
        if starts <= now:
            raise Invalid("meetings.in_past")
        if starts > now + TOO_FAR:
            raise Invalid("meetings.too_far")
        return await _step(
            session, tg_user_id, "place", {**data, "starts_at": starts.isoformat()}, texts, now
        )
    if step == "place":
        place = " ".join(text.split())
        if not 2 <= len(place) <= PLACE_MAX:
            raise Invalid("meetings.bad_place", limit=PLACE_MAX, length=len(place))
        check_visible(place)
        return await _step(session, tg_user_id, "agenda", {**data, "place": place}, texts, now)
    if step == "agenda":
        lines = [" ".join(line.split()) for line in text.splitlines() if line.strip()]
        if not lines or len(text) > AGENDA_MAX or len(lines) > AGENDA_LINES:
            raise Invalid("meetings.bad_agenda", limit=AGENDA_MAX, lines=AGENDA_LINES)
        check_visible(text)
        return await _step(session, tg_user_id, "secretary", {**data, "agenda": lines}, texts, now)
    raise Invalid("meetings.use_buttons")


async def use_default_agenda(
    session: AsyncSession, *, tg_user_id: int, texts: Texts, now: datetime
) -> Step:
    """The button "Dùng chương trình mặc định" at the agenda step."""
    convo = await _draft(session, tg_user_id)
    if convo.step != "agenda":
        raise AlreadyDone("errors.stale_button")
    data = dict(convo.data)
    rnd = await session.get_one(JudgingRound, int(data["round_id"]))
    data["agenda"] = default_agenda(texts, rnd.year)
    return await _step(session, tg_user_id, "secretary", data, texts, now)


async def choose_secretary(
    session: AsyncSession, *, tg_user_id: int, person_id: int, texts: Texts, now: datetime
) -> Step:
    """A council member (not the chair) chosen as the secretary; 0 only when there is none."""
    convo = await _draft(session, tg_user_id)
    if convo.step != "secretary":
        raise AlreadyDone("errors.stale_button")
    data = dict(convo.data)
    choices = {pid for pid, _ in await _secretaries(session, data["org_id"], data["chair_id"])}
    if person_id not in choices and not (person_id == 0 and not choices):
        raise Invalid("errors.stale_button")
    data["secretary_id"] = person_id or None
    return await _step(session, tg_user_id, "preview", data, texts, now)


async def discard(session: AsyncSession, *, tg_user_id: int) -> bool:
    """The chair throws the draft away; True if there was one."""
    return await DRAFT.discard(session, tg_user_id)


# ------------------------------------------------------------------- schedule, move, cancel


async def _cancel(
    session: AsyncSession, meeting: Meeting, texts: Texts, now: datetime, *, tell: bool
) -> None:
    """Cancel a scheduled meeting: its reminders are cancelled, its notices say so (and with
    `tell`, each member is told in a new message; a new meeting's announcement tells them
    otherwise)."""
    changed = await session.execute(
        update(Meeting)
        .where(Meeting.id == meeting.id, Meeting.status == MeetingStatus.SCHEDULED)
        .values(status=MeetingStatus.CANCELLED)
    )
    if getattr(changed, "rowcount", 0) != 1:
        await session.rollback()
        raise AlreadyDone("meetings.changed_meanwhile")
    await session.refresh(meeting)
    await drop_reminders(session, meeting.id)
    shown = await view_of(session, meeting, texts.tz)
    by_chat: dict[int, str] = {}
    for member in await council_members(session, meeting.org_id):
        locale = texts.locale(member.person.locale)
        text = texts.render(locale, "meetings.cancelled_notice", meeting=shown)
        by_chat[member.person.tg_user_id] = text
        if tell and member.person_id != meeting.chair_id:
            outbox.enqueue_message(
                session, chat_id=member.person.tg_user_id, text=text, now=now, ref=None
            )
    await outbox.enqueue_edits(
        session,
        ref=NOTICES.format(meeting.id),
        text=texts.render(texts.default_locale, "meetings.cancelled_notice", meeting=shown),
        texts_by_chat=by_chat,
        now=now,
    )


async def _announce(
    session: AsyncSession,
    meeting: Meeting,
    texts: Texts,
    now: datetime,
    replaces: MeetingView | None,
) -> int:
    shown = await view_of(session, meeting, texts.tz)
    told = 0
    for member in await council_members(session, meeting.org_id):
        if member.person_id == meeting.chair_id:
            continue
        locale = texts.locale(member.person.locale)
        outbox.enqueue_message(
            session,
            chat_id=member.person.tg_user_id,
            text=texts.render(locale, "meetings.announce", meeting=shown, replaces=replaces),
            buttons=[
                [
                    (
                        texts.plain(locale, "meetings.absent_button"),
                        MeetingAbsent(meeting_id=meeting.id).pack(),
                    )
                ]
            ],
            now=now,
            ref=NOTICES.format(meeting.id),
        )
        told += 1
    return told


async def create(
    session: AsyncSession, *, tg_user_id: int, texts: Texts, now: datetime
) -> MeetingView:
    """Schedule the meeting from the previewed draft: the one scheduled before is cancelled, the
    council is told, the reminders are planned; one commit."""
    convo = await _draft(session, tg_user_id)
    if convo.step != "preview":
        raise AlreadyDone("errors.stale_button")
    data = dict(convo.data)
    who = await chair_actor(session, tg_user_id)
    assert who.person is not None
    if int(data["org_id"]) != who.org_id:  # begun for another school than theirs now
        raise NotFound("errors.stale_button")
    rnd = await school_round(session, who.org_id)
    if rnd.id != int(data["round_id"]):
        raise NotFound("meetings.no_round")
    starts = datetime.fromisoformat(data["starts_at"])
    if starts <= now:  # the preview waited past the time typed: ask it again
        await DRAFT.save(session, tg_user_id, "when", data, now)
        raise Invalid("meetings.in_past_again")
    # Claim the draft first: of two presses of "Lên lịch", one schedules.
    if not await conversations.end(
        session, chat_id=tg_user_id, user_id=tg_user_id, kind=Kind.MEETING
    ):
        raise AlreadyDone("errors.stale_button")
    live = await live_meeting(session, rnd.id)
    if live is not None and live.status == MeetingStatus.OPEN:
        await session.rollback()
        raise AlreadyDone("meetings.in_progress")
    replaces = None
    if live is not None:
        await _cancel(session, live, texts, now, tell=False)
        replaces = await view_of(session, live, texts.tz)
    meeting = Meeting(
        round_id=rnd.id,
        org_id=who.org_id,
        starts_at=starts,
        place=data["place"],
        agenda="\n".join(data["agenda"]),
        chair_id=who.person.id,
        secretary_id=data.get("secretary_id"),
        status=MeetingStatus.SCHEDULED,
        created_at=now,
    )
    session.add(meeting)
    await session.flush()
    for spec in meeting_notices(meeting.id, starts, now):
        session.add(
            Notice(
                key=spec.key,
                org_id=who.org_id,
                kind=spec.kind,
                due_at=spec.due_at,
                stale_after=spec.stale_after,
                status=NoticeStatus.PENDING,
                payload=spec.payload,
            )
        )
    told = await _announce(session, meeting, texts, now, replaces)
    await audit.record(
        session,
        org_id=who.org_id,
        actor_id=who.person.id,
        action="meeting.schedule",
        target=f"meeting:{meeting.id}",
        now=now,
        starts_at=starts.isoformat(),
        place=meeting.place,
        secretary=meeting.secretary_id,
        replaces=live.id if live is not None else None,
        told=told,
    )
    await session.commit()
    return await view_of(session, meeting, texts.tz)


async def cancel(
    session: AsyncSession, *, tg_user_id: int, meeting_id: int, texts: Texts, now: datetime
) -> MeetingView:
    """The chair cancels the scheduled meeting: reminders cancelled, members told."""
    who = await chair_actor(session, tg_user_id)
    meeting = await meeting_of(session, who, meeting_id)
    refuse_ended(meeting)
    if meeting.status == MeetingStatus.OPEN:
        raise AlreadyDone("meetings.in_progress")
    await _cancel(session, meeting, texts, now, tell=True)
    await audit.record(
        session,
        org_id=who.org_id,
        actor_id=who.person.id if who.person else None,
        action="meeting.cancel",
        target=f"meeting:{meeting.id}",
        now=now,
    )
    await session.commit()
    return await view_of(session, meeting, texts.tz)


# ----------------------------------------------------------------------------- reminders


async def remind(session: AsyncSession, notice: Notice, texts: Texts, now: datetime) -> int:
    """Fire one of the meeting's reminders (the scheduler's hook, services/notices.py): to every
    council member who has not reported an absence; the chair's last one carries the button that
    opens the meeting. A meeting no longer scheduled reminds nobody."""
    meeting = await session.get(Meeting, int(notice.payload["meeting_id"]))
    if meeting is None or meeting.status != MeetingStatus.SCHEDULED:
        return 0
    before = str(notice.payload.get("before", "1h"))
    shown = await view_of(session, meeting, texts.tz)
    marks = await marks_of(session, meeting.id)
    count = 0
    for member in await council_members(session, meeting.org_id):
        mark = marks.get(member.person_id)
        if mark is not None and not mark.present:
            continue
        locale = texts.locale(member.person.locale)
        chair = member.person_id == meeting.chair_id
        if chair and before == "1h":
            label, data = "meetings.open_button", MeetingOpen(meeting_id=meeting.id).pack()
        elif chair:
            label, data = "", ""
        else:
            label, data = "meetings.absent_button", MeetingAbsent(meeting_id=meeting.id).pack()
        outbox.enqueue_message(
            session,
            chat_id=member.person.tg_user_id,
            text=texts.render(
                locale, "meetings.reminder", meeting=shown, before=before, chair=chair
            ),
            buttons=[[(texts.plain(locale, label), data)]] if label else None,
            now=now,
            ref=NOTICES.format(meeting.id),
        )
        count += 1
    return count
