"""The council's judging meeting (phiên họp bình xét): scheduled by the chair in a durable dialogue
(when, where, the agenda, the secretary), announced to the council and reminded a day and an hour
before; a member may report an absence with a reason; the chair opens it, members check in, and
the quorum is counted by the school's rule (rules.quorum).

The votes and the close belong to the ballots (services/judging/ballots.py): they read `quorum`
and re-render the chair's panel with `refresh_panel` (both plain session functions).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, conversations, outbox
from services.base import UseCases
from services.campaigns.common import parse_when
from services.conversations import Drafts, Kind, NoDraft
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound
from services.judging.common import council_members, open_round
from services.judging.rules import quorum_needed
from services.naming import check_visible
from services.people import COUNCIL_ROLES, Actor, require_role
from services.planner import meeting_notices
from services.school import value
from storage.models import (
    Attendance,
    Conversation,
    JudgingRound,
    Meeting,
    MeetingStatus,
    Notice,
    NoticeStatus,
    Org,
    Person,
    Role,
)
from ui.buttons.judging import MeetingClose, VoteOpen
from ui.buttons.meetings import MeetingAbsent, MeetingCheckIn, MeetingOpen
from ui.texts import Texts

OPEN_EARLY = timedelta(minutes=30)  # the chair may open the meeting this long before its start
TOO_FAR = timedelta(days=366)  # a meeting further ahead is a typo ("2072")
PLACE_MAX, AGENDA_MAX, AGENDA_LINES, REASON_MAX = 200, 1500, 15, 300
DRAFT = Drafts(Kind.MEETING)  # the chair scheduling: when → place → agenda → secretary → preview
ABSENCE = Drafts(Kind.ABSENCE)  # a member's reason for missing the meeting
LIVE = (MeetingStatus.SCHEDULED, MeetingStatus.OPEN)

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


# ----------------------------------------------------------------------------- views


@dataclass(frozen=True)
class MeetingView:
    """A meeting as the templates show it."""

    id: int
    round_name: str
    starts_at: datetime
    weekday: int  # local: 0 Monday … 6 Sunday
    place: str
    agenda: list[str]
    chair: str
    secretary: str | None
    status: str
    opened_at: datetime | None = None
    closed_at: datetime | None = None


@dataclass(frozen=True)
class Attendee:
    """A council member at the meeting: checked in (at), reported absent (reason), or neither."""

    person_id: int
    name: str
    at: datetime | None = None
    reason: str | None = None


@dataclass(frozen=True)
class Quorum:
    """Who is at the meeting against the school's rule: `needed` of `size` must be present."""

    present: int
    size: int  # the council when the meeting opened (Meeting.council_size); now, before
    needed: int
    rule: str  # the school's rules.quorum, e.g. "2/3"
    attending: list[Attendee] = field(default_factory=list)  # checked in, in the council's order
    excused: list[Attendee] = field(default_factory=list)  # reported absent, with the reason
    missing: list[Attendee] = field(default_factory=list)  # neither checked in nor excused

    @property
    def ok(self) -> bool:
        """Enough members are present to vote."""
        return self.size > 0 and self.present >= self.needed

    @property
    def absent(self) -> list[Attendee]:
        """Everyone not present (for the minutes: the excused with their reasons, then the rest)."""
        return [*self.excused, *self.missing]


@dataclass(frozen=True)
class Step:
    """Where the chair's scheduling draft is: the step to ask for and what its prompt shows."""

    step: str  # when | place | agenda | secretary | preview
    replaces: MeetingView | None = None  # the meeting scheduled now: cancelled by the new one
    default_agenda: list[str] = field(default_factory=list)
    members: list[tuple[int, str]] = field(default_factory=list)  # the secretary's choices
    preview: MeetingView | None = None


@dataclass(frozen=True)
class Card:
    """/meeting for one viewer: the round's live meeting, and where they stand at it."""

    meeting: MeetingView | None
    chair: bool
    present_at: datetime | None = None
    absent_reason: str | None = None
    quorum: Quorum | None = None


@dataclass(frozen=True)
class CheckedIn:
    """A member checked in: when, and the quorum now."""

    at: datetime
    meeting: MeetingView
    quorum: Quorum


@dataclass(frozen=True)
class Opened:
    """The meeting opened: its view and the quorum (the chair's panel went out by the outbox)."""

    meeting: MeetingView
    quorum: Quorum


def _local(moment: datetime, tz: ZoneInfo) -> datetime:
    return moment.astimezone(tz)


async def _names(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    ids.discard(0)
    if not ids:
        return {}
    rows = await session.execute(select(Person.id, Person.full_name).where(Person.id.in_(ids)))
    return {row.id: row.full_name for row in rows}


async def view_of(session: AsyncSession, meeting: Meeting, tz: ZoneInfo) -> MeetingView:
    """The view of a meeting row."""
    rnd = await session.get_one(JudgingRound, meeting.round_id)
    names = await _names(session, {meeting.chair_id, meeting.secretary_id or 0})
    return MeetingView(
        id=meeting.id,
        round_name=rnd.name,
        starts_at=meeting.starts_at,
        weekday=_local(meeting.starts_at, tz).weekday(),
        place=meeting.place,
        agenda=[line for line in meeting.agenda.splitlines() if line.strip()],
        chair=names.get(meeting.chair_id, ""),
        secretary=names.get(meeting.secretary_id) if meeting.secretary_id else None,
        status=str(meeting.status),
        opened_at=meeting.opened_at,
        closed_at=meeting.closed_at,
    )


# ----------------------------------------------------------------------------- the quorum


async def _attendance(session: AsyncSession, meeting_id: int) -> dict[int, Attendance]:
    rows = await session.scalars(select(Attendance).where(Attendance.meeting_id == meeting_id))
    return {row.person_id: row for row in rows}


async def quorum(session: AsyncSession, meeting: Meeting) -> Quorum:
    """The meeting's quorum by the school's rule (rules.quorum of Meeting.council_size, rounded
    up), with who is present, who reported absent (and why) and who has not checked in."""
    org = await session.get_one(Org, meeting.org_id)
    rule = str(await value(session, org, "rules.quorum"))
    council = await council_members(session, meeting.org_id)
    marks = await _attendance(session, meeting.id)
    order = [(m.person_id, m.person.full_name) for m in council]
    known = {pid for pid, _ in order}
    others = await _names(session, {pid for pid in marks if pid not in known})
    order += sorted(others.items(), key=lambda item: item[1])
    attending, excused, missing = [], [], []
    for pid, name in order:
        mark = marks.get(pid)
        if mark is not None and mark.present:
            attending.append(Attendee(pid, name, at=mark.at))
        elif mark is not None:
            excused.append(Attendee(pid, name, at=mark.at, reason=mark.reason))
        elif pid in known:
            missing.append(Attendee(pid, name))
    size = meeting.council_size if meeting.council_size is not None else len(council)
    return Quorum(
        present=len(attending),
        size=size,
        needed=quorum_needed(size, rule),
        rule=rule,
        attending=attending,
        excused=excused,
        missing=missing,
    )


# ----------------------------------------------------------------------------- the chair's panel

PANEL = "meeting:{}:panel"  # the chair's panel message, kept up to date by outbox edits
NOTICES = "meeting:{}:notice"  # the announcement and reminders (edited when it is cancelled)
CHECKINS = "meeting:{}:checkin"  # the members' check-in messages


async def _locale_of(session: AsyncSession, texts: Texts, person_id: int) -> tuple[int, str]:
    person = await session.get_one(Person, person_id)
    return person.tg_user_id, texts.locale(person.locale)


async def panel_message(
    session: AsyncSession, meeting: Meeting, texts: Texts, locale: str
) -> tuple[str, outbox.Keyboard]:
    """The chair's panel: the quorum, who is present and absent, a vote button per title of the
    round and the close button (while the meeting is open)."""
    shown = await view_of(session, meeting, texts.tz)
    counted = await quorum(session, meeting)
    text = texts.render(locale, "meetings.panel", meeting=shown, quorum=counted)
    if meeting.status != MeetingStatus.OPEN:
        return text, []
    rnd = await session.get_one(JudgingRound, meeting.round_id)
    rows: list[list[tuple[str, str]]] = [
        [
            (
                texts.plain(locale, "meetings.vote_button", title=title),
                VoteOpen(meeting_id=meeting.id, title=index).pack(),
            )
        ]
        for index, title in enumerate(rnd.titles)
    ]
    rows.append(
        [(texts.plain(locale, "meetings.close_button"), MeetingClose(meeting_id=meeting.id).pack())]
    )
    return text, rows


async def send_panel(session: AsyncSession, meeting: Meeting, texts: Texts, now: datetime) -> None:
    """Queue the panel to the chair (a new message; later edits reach every copy)."""
    chat_id, locale = await _locale_of(session, texts, meeting.chair_id)
    text, buttons = await panel_message(session, meeting, texts, locale)
    outbox.enqueue_message(
        session,
        chat_id=chat_id,
        text=text,
        buttons=buttons or None,
        now=now,
        ref=PANEL.format(meeting.id),
    )


async def refresh_panel(
    session: AsyncSession, meeting: Meeting, texts: Texts, now: datetime
) -> int:
    """Re-render the chair's panel (after a check-in, an absence, a vote, the close): queued as
    edits of the panel messages, in the caller's transaction; returns how many."""
    _, locale = await _locale_of(session, texts, meeting.chair_id)
    text, buttons = await panel_message(session, meeting, texts, locale)
    return await outbox.enqueue_edits(
        session, ref=PANEL.format(meeting.id), text=text, buttons=buttons or None, now=now
    )


# ----------------------------------------------------------------------------- who may act


async def _chair(session: AsyncSession, tg_user_id: int) -> Actor:
    who = await require_role(session, tg_user_id, {Role.CHAIR}, refusal="errors.chair_only")
    assert who.person is not None
    return who


async def _council(session: AsyncSession, tg_user_id: int) -> Actor:
    who = await require_role(session, tg_user_id, COUNCIL_ROLES, refusal="meetings.council_only")
    assert who.person is not None
    return who


async def _meeting_of(session: AsyncSession, who: Actor, meeting_id: int) -> Meeting:
    """A meeting of the actor's school (another school's is not found, never shown)."""
    meeting = await session.get(Meeting, meeting_id, populate_existing=True)
    if meeting is None or meeting.org_id != who.org_id:
        raise NotFound("meetings.not_found")
    return meeting


def _refuse_ended(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CLOSED:
        raise AlreadyDone("meetings.closed")
    if meeting.status == MeetingStatus.CANCELLED:
        raise AlreadyDone("meetings.cancelled")


async def _live(session: AsyncSession, round_id: int) -> Meeting | None:
    """The round's scheduled or open meeting (at most one)."""
    return await session.scalar(
        select(Meeting)
        .where(Meeting.round_id == round_id, Meeting.status.in_([str(s) for s in LIVE]))
        .order_by(Meeting.id.desc())
        .limit(1)
    )


async def _round(session: AsyncSession, org_id: int) -> JudgingRound:
    rnd = await open_round(session, org_id)
    if rnd is None:
        raise NotFound("meetings.no_round")
    return rnd


# ----------------------------------------------------------------------------- scheduling


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
        names = await _names(session, {int(data["chair_id"]), int(data.get("secretary_id") or 0)})
        preview = MeetingView(
            id=0,
            round_name=rnd.name,
            starts_at=starts,
            weekday=_local(starts, tz).weekday(),
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
    who = await _chair(session, tg_user_id)
    rnd = await _round(session, who.org_id)
    live = await _live(session, rnd.id)
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
        starts = parse_start(text, tz, today=_local(now, tz).date())
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
    await _drop_reminders(session, meeting.id)
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


async def _drop_reminders(session: AsyncSession, meeting_id: int) -> None:
    await session.execute(
        update(Notice)
        .where(
            Notice.key.startswith(f"meeting:{meeting_id}:"),
            Notice.status == NoticeStatus.PENDING,
        )
        .values(status=NoticeStatus.CANCELLED)
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
    who = await _chair(session, tg_user_id)
    assert who.person is not None
    if int(data["org_id"]) != who.org_id:  # begun for another school than theirs now
        raise NotFound("errors.stale_button")
    rnd = await _round(session, who.org_id)
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
    live = await _live(session, rnd.id)
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
    who = await _chair(session, tg_user_id)
    meeting = await _meeting_of(session, who, meeting_id)
    _refuse_ended(meeting)
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
    marks = await _attendance(session, meeting.id)
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


# ----------------------------------------------------------------------------- absence


async def _upsert(
    session: AsyncSession,
    meeting_id: int,
    person_id: int,
    *,
    present: bool,
    reason: str | None,
    now: datetime,
) -> Attendance:
    """Mark a member present or absent (one row per member; a concurrent first mark is read)."""
    row = await session.scalar(
        select(Attendance).where(
            Attendance.meeting_id == meeting_id, Attendance.person_id == person_id
        )
    )
    if row is None:
        try:
            async with session.begin_nested():
                row = Attendance(
                    meeting_id=meeting_id,
                    person_id=person_id,
                    present=present,
                    reason=reason,
                    at=now,
                )
                session.add(row)
        except IntegrityError:  # the same member's other press got there first
            row = await session.scalar(
                select(Attendance)
                .where(Attendance.meeting_id == meeting_id, Attendance.person_id == person_id)
                .execution_options(populate_existing=True)
            )
            assert row is not None
            if present and row.present:
                raise AlreadyDone("meetings.already_checked_in", at=row.at) from None
        else:
            return row
    if present:  # only a member not yet present becomes so (the first press wins)
        changed = await session.execute(
            update(Attendance)
            .where(Attendance.id == row.id, Attendance.present.is_(False))
            .values(present=True, reason=None, at=now)
        )
        if getattr(changed, "rowcount", 0) != 1:
            await session.refresh(row)
            raise AlreadyDone("meetings.already_checked_in", at=row.at)
    else:
        row.reason, row.at = reason, now
    await session.flush()
    await session.refresh(row)
    return row


async def _absence_target(
    session: AsyncSession, tg_user_id: int, meeting_id: int
) -> tuple[Actor, Meeting]:
    who = await _council(session, tg_user_id)
    meeting = await _meeting_of(session, who, meeting_id)
    _refuse_ended(meeting)
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
    await _upsert(session, meeting.id, who.person.id, present=False, reason=reason, now=now)
    shown = await view_of(session, meeting, texts.tz)
    chat_id, locale = await _locale_of(session, texts, meeting.chair_id)
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
    who = await _chair(session, tg_user_id)
    assert who.person is not None
    meeting = await _meeting_of(session, who, meeting_id)
    _refuse_ended(meeting)
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
    await _drop_reminders(session, meeting.id)
    await _upsert(session, meeting.id, who.person.id, present=True, reason=None, now=now)
    marks = await _attendance(session, meeting.id)
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
    who = await _council(session, tg_user_id)
    assert who.person is not None
    meeting = await _meeting_of(session, who, meeting_id)
    _refuse_ended(meeting)
    if meeting.status != MeetingStatus.OPEN:
        raise Invalid("meetings.not_open", at=meeting.starts_at)
    row = await _upsert(session, meeting.id, who.person.id, present=True, reason=None, now=now)
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
    who = await _council(session, tg_user_id)
    assert who.person is not None
    chair = who.role == Role.CHAIR
    rnd = await open_round(session, who.org_id)
    if rnd is None:
        if chair:
            raise NotFound("meetings.no_round")
        return Card(None, chair)
    meeting = await _live(session, rnd.id)
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


# ----------------------------------------------------------------------------- the use cases


class Meetings(UseCases):
    """The judging meeting: scheduled, announced, reminded; members check in; the quorum."""

    async def command(self, *, tg_user_id: int) -> Card | Step:
        """/meeting: schedule one (the chair, none scheduled), or see the round's meeting."""
        async with self.env.sessions() as session:
            return await card(session, tg_user_id=tg_user_id, texts=self.texts, now=self.now())

    async def begin(self, *, tg_user_id: int) -> Step:
        """The chair starts scheduling (or moving) the meeting of the open round."""
        async with self.env.sessions() as session:
            return await begin(session, tg_user_id=tg_user_id, texts=self.texts, now=self.now())

    async def answer(self, *, tg_user_id: int, text: str) -> Step:
        """A typed answer in the scheduling dialogue."""
        async with self.env.sessions() as session:
            return await answer(
                session, tg_user_id=tg_user_id, text=text, texts=self.texts, now=self.now()
            )

    async def use_default_agenda(self, *, tg_user_id: int) -> Step:
        """The default agenda, at the agenda step."""
        async with self.env.sessions() as session:
            return await use_default_agenda(
                session, tg_user_id=tg_user_id, texts=self.texts, now=self.now()
            )

    async def choose_secretary(self, *, tg_user_id: int, person_id: int) -> Step:
        """The secretary, chosen among the council's members."""
        async with self.env.sessions() as session:
            return await choose_secretary(
                session,
                tg_user_id=tg_user_id,
                person_id=person_id,
                texts=self.texts,
                now=self.now(),
            )

    async def discard(self, *, tg_user_id: int) -> bool:
        """Throw the scheduling draft away."""
        async with self.env.sessions() as session:
            return await discard(session, tg_user_id=tg_user_id)

    async def create(self, *, tg_user_id: int) -> MeetingView:
        """Schedule the meeting from the preview (replacing the one scheduled before)."""
        async with self.env.sessions() as session:
            return await create(session, tg_user_id=tg_user_id, texts=self.texts, now=self.now())

    async def cancel(self, *, tg_user_id: int, meeting_id: int) -> MeetingView:
        """The chair cancels the scheduled meeting."""
        async with self.env.sessions() as session:
            return await cancel(
                session,
                tg_user_id=tg_user_id,
                meeting_id=meeting_id,
                texts=self.texts,
                now=self.now(),
            )

    async def cancel_asked(self, *, tg_user_id: int, meeting_id: int) -> MeetingView:
        """The scheduled meeting the chair asks to cancel (the confirmation names it)."""
        async with self.env.sessions() as session:
            who = await _chair(session, tg_user_id)
            meeting = await _meeting_of(session, who, meeting_id)
            _refuse_ended(meeting)
            if meeting.status == MeetingStatus.OPEN:
                raise AlreadyDone("meetings.in_progress")
            return await view_of(session, meeting, self.env.tz)

    async def ask_absence(self, *, tg_user_id: int, meeting_id: int) -> MeetingView:
        """ "Báo vắng": ask the member for the reason."""
        async with self.env.sessions() as session:
            return await ask_absence(
                session,
                tg_user_id=tg_user_id,
                meeting_id=meeting_id,
                texts=self.texts,
                now=self.now(),
            )

    async def give_absence(self, *, tg_user_id: int, text: str) -> MeetingView:
        """The reason typed for an absence."""
        async with self.env.sessions() as session:
            return await give_absence(
                session, tg_user_id=tg_user_id, text=text, texts=self.texts, now=self.now()
            )

    async def open(self, *, tg_user_id: int, meeting_id: int) -> Opened:
        """ "Bắt đầu họp": the chair opens the meeting."""
        async with self.env.sessions() as session:
            return await open_meeting(
                session,
                tg_user_id=tg_user_id,
                meeting_id=meeting_id,
                texts=self.texts,
                now=self.now(),
            )

    async def check_in(self, *, tg_user_id: int, meeting_id: int) -> CheckedIn:
        """ "✋ Điểm danh": a member is present."""
        async with self.env.sessions() as session:
            return await check_in(
                session,
                tg_user_id=tg_user_id,
                meeting_id=meeting_id,
                texts=self.texts,
                now=self.now(),
            )
