"""What the meeting's parts share: the limits, the views, who may act, attendance, the quorum."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from services.conversations import Drafts, Kind
from services.errors import AlreadyDone, NotFound
from services.judging.common import council_members, open_round
from services.judging.rules import quorum_needed
from services.people import COUNCIL_ROLES, Actor, require_role
from services.school import value
from storage.models import (
    Attendance,
    JudgingRound,
    Meeting,
    MeetingStatus,
    Notice,
    NoticeStatus,
    Org,
    Person,
    Role,
)
from ui.texts import Texts

OPEN_EARLY = timedelta(minutes=30)  # the chair may open the meeting this long before its start
TOO_FAR = timedelta(days=366)  # a meeting further ahead is a typo ("2072")
PLACE_MAX, AGENDA_MAX, AGENDA_LINES, REASON_MAX = 200, 1500, 15, 300
DRAFT = Drafts(Kind.MEETING)  # the chair scheduling: when → place → agenda → secretary → preview
ABSENCE = Drafts(Kind.ABSENCE)  # a member's reason for missing the meeting
# The meeting of a round that is still ahead or under way (at most one).
LIVE = (MeetingStatus.SCHEDULED, MeetingStatus.OPEN)
# Outbox refs: the messages of a meeting found again to be edited.
PANEL = "meeting:{}:panel"  # the chair's panel message, kept up to date by outbox edits
NOTICES = "meeting:{}:notice"  # the announcement and reminders (edited when it is cancelled)
CHECKINS = "meeting:{}:checkin"  # the members' check-in messages


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


def local(moment: datetime, tz: ZoneInfo) -> datetime:
    """A moment in the school's zone."""
    return moment.astimezone(tz)


async def names_of(session: AsyncSession, ids: set[int]) -> dict[int, str]:
    """People's names by id (0 and unknown ids left out)."""
    ids.discard(0)
    if not ids:
        return {}
    rows = await session.execute(select(Person.id, Person.full_name).where(Person.id.in_(ids)))
    return {row.id: row.full_name for row in rows}


async def view_of(session: AsyncSession, meeting: Meeting, tz: ZoneInfo) -> MeetingView:
    """The view of a meeting row."""
    rnd = await session.get_one(JudgingRound, meeting.round_id)
    names = await names_of(session, {meeting.chair_id, meeting.secretary_id or 0})
    return MeetingView(
        id=meeting.id,
        round_name=rnd.name,
        starts_at=meeting.starts_at,
        weekday=local(meeting.starts_at, tz).weekday(),
        place=meeting.place,
        agenda=[line for line in meeting.agenda.splitlines() if line.strip()],
        chair=names.get(meeting.chair_id, ""),
        secretary=names.get(meeting.secretary_id) if meeting.secretary_id else None,
        status=str(meeting.status),
        opened_at=meeting.opened_at,
        closed_at=meeting.closed_at,
    )


# ----------------------------------------------------------------------------- who may act


async def chair_actor(session: AsyncSession, tg_user_id: int) -> Actor:
    """The chair of the presser's school, else a refusal."""
    who = await require_role(session, tg_user_id, {Role.CHAIR}, refusal="errors.chair_only")
    assert who.person is not None
    return who


async def council_actor(session: AsyncSession, tg_user_id: int) -> Actor:
    """A council member (chair, vice-chair, member) of the presser's school, else a refusal."""
    who = await require_role(session, tg_user_id, COUNCIL_ROLES, refusal="meetings.council_only")
    assert who.person is not None
    return who


async def meeting_of(session: AsyncSession, who: Actor, meeting_id: int) -> Meeting:
    """A meeting of the actor's school (another school's is not found, never shown)."""
    meeting = await session.get(Meeting, meeting_id, populate_existing=True)
    if meeting is None or meeting.org_id != who.org_id:
        raise NotFound("meetings.not_found")
    return meeting


def refuse_ended(meeting: Meeting) -> None:
    """A closed or cancelled meeting takes nothing more."""
    if meeting.status == MeetingStatus.CLOSED:
        raise AlreadyDone("meetings.closed")
    if meeting.status == MeetingStatus.CANCELLED:
        raise AlreadyDone("meetings.cancelled")


async def live_meeting(session: AsyncSession, round_id: int) -> Meeting | None:
    """The round's scheduled or open meeting (at most one)."""
    return await session.scalar(
        select(Meeting)
        .where(Meeting.round_id == round_id, Meeting.status.in_([str(s) for s in LIVE]))
        .order_by(Meeting.id.desc())
        .limit(1)
    )


async def school_round(session: AsyncSession, org_id: int) -> JudgingRound:
    """The school's open round, else the polite "no round" refusal."""
    rnd = await open_round(session, org_id)
    if rnd is None:
        raise NotFound("meetings.no_round")
    return rnd


async def chat_and_locale(session: AsyncSession, texts: Texts, person_id: int) -> tuple[int, str]:
    """A person's private chat and language."""
    person = await session.get_one(Person, person_id)
    return person.tg_user_id, texts.locale(person.locale)


# ----------------------------------------------------------------- attendance and the quorum


async def marks_of(session: AsyncSession, meeting_id: int) -> dict[int, Attendance]:
    """The meeting's attendance rows by person."""
    rows = await session.scalars(select(Attendance).where(Attendance.meeting_id == meeting_id))
    return {row.person_id: row for row in rows}


async def set_attendance(
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


async def quorum(session: AsyncSession, meeting: Meeting) -> Quorum:
    """The meeting's quorum by the school's rule (rules.quorum of Meeting.council_size, rounded
    up), with who is present, who reported absent (and why) and who has not checked in."""
    org = await session.get_one(Org, meeting.org_id)
    rule = str(await value(session, org, "rules.quorum"))
    council = await council_members(session, meeting.org_id)
    marks = await marks_of(session, meeting.id)
    order = [(m.person_id, m.person.full_name) for m in council]
    known = {pid for pid, _ in order}
    others = await names_of(session, {pid for pid in marks if pid not in known})
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


async def drop_reminders(session: AsyncSession, meeting_id: int) -> None:
    """Cancel the meeting's reminders still pending."""
    await session.execute(
        update(Notice)
        .where(
            Notice.key.startswith(f"meeting:{meeting_id}:"),
            Notice.status == NoticeStatus.PENDING,
        )
        .values(status=NoticeStatus.CANCELLED)
    )
