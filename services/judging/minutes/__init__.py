"""The minutes of the judging meeting (biên bản họp, biên bản kiểm phiếu), every version kept.

Ending the meeting (ballots: close_meeting) calls `write_version` in its transaction: version 1.
Then the secretary (or the chair) adds remarks, each saved as a new version, and makes the final
one; after that the minutes no longer change. Council members of the school read any version.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reports.minutes import filename
from services import audit
from services.base import UseCases
from services.conversations import NoDraft
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound
from services.judging.minutes.data import (
    REMARK_MAX,
    REMARKS,
    agenda_lines,
    minutes_buttons,
    minutes_data,
    school_year,
    write_version,
)
from services.naming import check_visible
from services.people import COUNCIL_ROLES, Actor, require_role
from storage.models import (
    JudgingRound,
    Meeting,
    MeetingStatus,
    MinutesKind,
    MinutesVersion,
    Person,
    Role,
)

__all__ = [
    "Minutes",
    "MinutesCopy",
    "MinutesFile",
    "minutes_buttons",
    "minutes_data",
    "write_version",
]


@dataclass(frozen=True)
class MinutesFile:
    """One file to send: its name and bytes."""

    filename: str
    content: bytes


@dataclass(frozen=True)
class MinutesCopy:
    """A version of the minutes (and of the count record), as files."""

    meeting_id: int
    version: int
    final: bool
    files: tuple[MinutesFile, ...]
    may_edit: bool  # the reader is the secretary or the chair, and the minutes are not final


@dataclass(frozen=True)
class VersionLine:
    """One stored version, as the listing shows it."""

    kind: str
    version: int
    final: bool
    at: datetime
    by: str


@dataclass(frozen=True)
class Written:
    """A version just written (after a remark, or the final one)."""

    meeting_id: int
    version: int
    final: bool


@dataclass(frozen=True)
class RemarkPrompt:
    """The secretary is asked for a remark."""

    meeting_id: int
    version: int  # the version the remark will follow


async def _reader(session: AsyncSession, tg_user_id: int, meeting_id: int) -> tuple[Actor, Meeting]:
    """A council member of the meeting's school (another school's meeting is not found)."""
    who = await require_role(session, tg_user_id, COUNCIL_ROLES, refusal="minutes.council_only")
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None or meeting.org_id != who.org_id:
        raise NotFound("minutes.not_found")
    return who, meeting


def _may_edit(who: Actor, meeting: Meeting) -> bool:
    person = who.person.id if who.person else None
    return person in (meeting.secretary_id, meeting.chair_id) or who.role == Role.CHAIR


async def _newest(session: AsyncSession, meeting_id: int) -> MinutesVersion | None:
    return await session.scalar(
        select(MinutesVersion)
        .where(MinutesVersion.meeting_id == meeting_id, MinutesVersion.kind == MinutesKind.MINUTES)
        .order_by(MinutesVersion.version.desc())
        .limit(1)
    )


async def _editor(session: AsyncSession, tg_user_id: int, meeting_id: int) -> tuple[Actor, Meeting]:
    """The secretary or the chair, on minutes written and not yet final."""
    who, meeting = await _reader(session, tg_user_id, meeting_id)
    if not _may_edit(who, meeting):
        raise NotAllowed("minutes.secretary_only")
    # One editor at a time: the remarks read here are the ones the new version appends to, and
    # of two final versions asked at once the second finds the first.
    await session.execute(
        select(Meeting)
        .where(Meeting.id == meeting.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    newest = await _newest(session, meeting.id)
    if newest is None or meeting.status != MeetingStatus.CLOSED:
        raise NotFound("minutes.none_yet")
    if newest.final:
        raise AlreadyDone("minutes.already_final")
    return who, meeting


class Minutes(UseCases):
    """The minutes (biên bản họp, biên bản kiểm phiếu), every version kept."""

    async def latest(
        self,
        *,
        tg_user_id: int,
        meeting_id: int,
        version: int = 0,
        started: Callable[[], Awaitable[None]] | None = None,
    ) -> MinutesCopy:
        """The newest version (or version `version`) of the meeting's minutes and count record,
        as .docx, and as PDF when LibreOffice is installed (council members of the school);
        `started` is awaited once the reader is allowed, before the slow PDF conversion."""
        async with self.env.sessions() as session:
            who, meeting = await _reader(session, tg_user_id, meeting_id)
            newest = await _newest(session, meeting.id)
            if newest is None:
                raise NotFound("minutes.none_yet")
            number = version or newest.version
            picked = []
            # The count record's newest version at or before this one (it may have fewer).
            for kind in (MinutesKind.MINUTES, MinutesKind.COUNT):
                found = await session.execute(
                    select(MinutesVersion.version, MinutesVersion.final, MinutesVersion.content)
                    .where(
                        MinutesVersion.meeting_id == meeting.id,
                        MinutesVersion.kind == kind,
                        MinutesVersion.version <= number,
                    )
                    .order_by(MinutesVersion.version.desc())
                    .limit(1)
                )
                row = found.first()
                if row is not None:
                    picked.append((str(kind), row.version, row.final, row.content))
            if not picked or picked[0][0] != MinutesKind.MINUTES or picked[0][1] != number:
                raise NotFound("minutes.no_version", version=number)
            judging = await session.get(JudgingRound, meeting.round_id)
            assert judging is not None
            year = school_year(judging.year)
            may_edit = _may_edit(who, meeting) and not newest.final
        if started is not None:
            await started()
        files = await asyncio.to_thread(_files, picked, year)
        return MinutesCopy(meeting_id, number, picked[0][2], files, may_edit)

    async def versions(self, *, tg_user_id: int, meeting_id: int) -> list[VersionLine]:
        """Every stored version of the meeting's minutes, newest first (council members)."""
        async with self.env.sessions() as session:
            _, meeting = await _reader(session, tg_user_id, meeting_id)
            rows = await session.execute(
                select(
                    MinutesVersion.kind,
                    MinutesVersion.version,
                    MinutesVersion.final,
                    MinutesVersion.created_at,
                    Person.full_name,
                )
                .outerjoin(Person, Person.id == MinutesVersion.created_by)
                .where(MinutesVersion.meeting_id == meeting.id)
                .order_by(MinutesVersion.version.desc(), MinutesVersion.kind.desc())
            )
            return [
                VersionLine(str(kind), version, final, at, by or "")
                for kind, version, final, at, by in rows.all()
            ]

    async def begin_remarks(self, *, tg_user_id: int, meeting_id: int) -> RemarkPrompt:
        """The secretary (or the chair) will type a remark for the minutes next."""
        async with self.env.sessions() as session:
            await _editor(session, tg_user_id, meeting_id)
            newest = await _newest(session, meeting_id)
            assert newest is not None
            await REMARKS.save(session, tg_user_id, "text", {"meeting_id": meeting_id}, self.now())
            return RemarkPrompt(meeting_id, newest.version)

    async def add_remark(self, *, tg_user_id: int, text: str) -> Written:
        """The remark typed: added to the minutes as a new version; the dialogue ends (a remark
        refused politely leaves the secretary in it, to type again)."""
        remark = " ".join(text.split())
        if not remark:
            raise Invalid("minutes.remark_empty")
        if len(remark) > REMARK_MAX:
            raise Invalid("minutes.remark_too_long", limit=REMARK_MAX, length=len(remark))
        check_visible(remark)
        async with self.env.sessions() as session:
            try:
                convo = await REMARKS.load(session, tg_user_id)
            except NoDraft:
                raise Invalid("errors.no_dialogue") from None
            meeting_id = int(convo.data["meeting_id"])
            try:
                who, meeting = await _editor(session, tg_user_id, meeting_id)
            except AlreadyDone:  # made final meanwhile: nothing more to wait for
                await REMARKS.discard(session, tg_user_id)
                raise
            meeting.remarks = "\n".join([*agenda_lines(meeting.remarks), remark])
            written = await self._write(session, who, meeting, final=False)
            await audit.record(
                session,
                org_id=meeting.org_id,
                actor_id=who.person.id if who.person else None,
                action="minutes.remark",
                target=f"meeting:{meeting.id}",
                now=self.now(),
                version=written.version,
            )
            await REMARKS.discard(session, tg_user_id)  # commits the remark with it
            return written

    async def finalize(self, *, tg_user_id: int, meeting_id: int) -> Written:
        """The secretary (or the chair) makes the final version: no remarks after it."""
        async with self.env.sessions() as session:
            who, meeting = await _editor(session, tg_user_id, meeting_id)
            written = await self._write(session, who, meeting, final=True)
            await audit.record(
                session,
                org_id=meeting.org_id,
                actor_id=who.person.id if who.person else None,
                action="minutes.final",
                target=f"meeting:{meeting.id}",
                now=self.now(),
                version=written.version,
            )
            await session.commit()
            return written

    async def may_finalize(self, *, tg_user_id: int, meeting_id: int) -> RemarkPrompt:
        """Whether this person may make the final version now (before asking them to confirm)."""
        async with self.env.sessions() as session:
            await _editor(session, tg_user_id, meeting_id)
            newest = await _newest(session, meeting_id)
            assert newest is not None
            return RemarkPrompt(meeting_id, newest.version)

    async def _write(
        self, session: AsyncSession, who: Actor, meeting: Meeting, *, final: bool
    ) -> Written:
        rows = await write_version(
            session,
            meeting=meeting,
            texts=self.texts,
            tz=self.env.tz,
            actor_id=who.person.id if who.person else None,
            now=self.now(),
            final=final,
        )
        return Written(meeting.id, rows[0].version, final)


def _files(picked: Sequence[tuple[str, int, bool, bytes]], year: str) -> tuple[MinutesFile, ...]:
    """The .docx of each document, and its PDF when LibreOffice is installed (slow: a thread)."""
    from reports.pdf import to_pdf

    files = []
    for kind, version, _, content in picked:
        name = filename(kind, year, version)
        files.append(MinutesFile(name, content))
        pdf = to_pdf(content)
        if pdf is not None:
            files.append(MinutesFile(name.removesuffix(".docx") + ".pdf", pdf))
    return tuple(files)
