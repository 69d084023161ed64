"""What goes into one level's dossier, read from the database as plain values: who passed, who
decides, who signs, the minutes, the other rooms' parts."""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from reports.columns import ascii_slug
from reports.dossier import COLLECTIVE, Header, Nominee
from reports.minutes import filename as minutes_filename
from services.dossier_parts import BlockerSource, DossierBlocker, DossierPart, PartSource
from services.naming import sort_key
from services.school import Value, title_authority, values
from storage.models import (
    Candidate,
    JudgingRound,
    Meeting,
    MeetingStatus,
    Membership,
    MinutesKind,
    MinutesVersion,
    Org,
    Outcome,
)

T = TypeVar("T")


@dataclass(frozen=True)
class Passed:
    """A candidate the council's vote passed, with the level that decides its title."""

    person_id: int | None
    nominee: Nominee
    level: str


@dataclass(frozen=True)
class MinutesFile:
    """The newest version of one of the meeting's documents."""

    name: str
    content: bytes
    version_id: int


@dataclass
class Content:
    """Everything one level's dossier is made of (plain values; no session needed after)."""

    header: Header
    round_name: str
    meeting_day: date | None
    nominees: list[Nominee]
    person_ids: list[int]
    minutes: list[MinutesFile]
    parts: list[DossierPart] = field(default_factory=list)


def level_slug(level: str) -> str:
    """The level as its button names it: 'Phường/Xã' -> 'phuong-xa'."""
    return ascii_slug(level, 30) or "cap-tren"


def _position(m: Membership | None) -> str:
    # The bot knows who heads a department; other positions are written by the office.
    if m is None:
        return ""
    if m.heads_department:
        return "Tổ trưởng"
    department = m.department.name.casefold() if m.department else ""
    return "Nhân viên" if "văn phòng" in department else "Giáo viên"


def addressee(settings: dict[str, Value], level: str) -> str:
    """'Kính gửi: …' for a level, from the school's list (the level's own name when unlisted)."""
    for line in settings["facts.addressees"].value:
        name, _, lvl = str(line).partition("|")
        if lvl.strip().casefold() == level.casefold() and name.strip():
            return name.strip()
    return level


async def passed(session: AsyncSession, judging: JudgingRound) -> list[Passed]:
    """The round's passed candidates, in the round's order of titles, then by name."""
    org = await session.get(Org, judging.org_id)
    assert org is not None
    settings = await values(session, org)
    rows = (
        await session.scalars(
            select(Candidate)
            .options(joinedload(Candidate.person), joinedload(Candidate.department))
            .where(Candidate.round_id == judging.id, Candidate.outcome == Outcome.PASSED)
        )
    ).all()
    people = [c.person_id for c in rows if c.person_id is not None]
    members = {
        m.person_id: m
        for m in await session.scalars(
            select(Membership)
            .options(joinedload(Membership.department))
            .where(Membership.org_id == judging.org_id, Membership.person_id.in_(people))
        )
    }
    order = {t: i for i, t in enumerate(judging.titles)}
    found = []
    for c in rows:
        if c.person is not None:
            m = members.get(c.person.id)
            dept = m.department.name if m is not None and m.department else ""
            nominee = Nominee(c.person.full_name, _position(m), dept, c.title)
        else:
            name = c.department.name if c.department else "?"
            nominee = Nominee(name, COLLECTIVE, name, c.title)
        found.append(Passed(c.person_id, nominee, title_authority(settings, c.title)))
    found.sort(key=lambda p: (order.get(p.nominee.title, 99), sort_key(p.nominee.name)))
    return found


def levels(found: Sequence[Passed]) -> list[str]:
    """The deciding levels of the passed titles, in the order they first appear."""
    return list(dict.fromkeys(p.level for p in found))


async def _minutes(
    session: AsyncSession, judging: JudgingRound
) -> tuple[list[MinutesFile], Meeting | None]:
    """The newest version of the minutes (and of the count record) of the round's meeting."""
    meeting = await session.scalar(
        select(Meeting)
        .where(Meeting.round_id == judging.id, Meeting.status == MeetingStatus.CLOSED)
        .order_by(Meeting.id.desc())
        .limit(1)
    )
    if meeting is None:
        return [], None
    files = []
    year = f"{judging.year}-{judging.year + 1}"
    for kind in (MinutesKind.MINUTES, MinutesKind.COUNT):
        newest = await session.scalar(
            select(MinutesVersion)
            .where(MinutesVersion.meeting_id == meeting.id, MinutesVersion.kind == kind)
            .order_by(MinutesVersion.version.desc())
            .limit(1)
        )
        if newest is not None:
            name = minutes_filename(str(kind), year, newest.version)
            files.append(MinutesFile(name, newest.content, newest.id))
    return files, meeting


async def content_of(
    session: AsyncSession,
    judging: JudgingRound,
    mine: Sequence[Passed],
    level: str,
    *,
    today: date,
    tz: ZoneInfo,
    sources: Sequence[PartSource],
    given: dict[str, object] | None = None,
) -> Content:
    """One level's dossier content: its nominees (`mine`, those who passed a title this level
    decides), the header, the minutes, the rooms' parts."""
    org = await session.get(Org, judging.org_id)
    assert org is not None
    settings = await values(session, org)
    header = Header(
        school=org.name,
        parent_body=org.parent_name or "",
        place=org.place or "",
        code=str(settings["facts.short_name"].value or ""),
        addressee=addressee(settings, level),
        level=level,
        school_year=f"{judging.year}-{judging.year + 1}",
        signer=str(settings["facts.signer_principal"].value or ""),
        written=today,
    )
    minutes, meeting = await _minutes(session, judging)
    parts: list[DossierPart] = []
    for source in sources:
        parts.extend(await _call(source, session, judging.id, given or {}))
    return Content(
        header=header,
        round_name=judging.name,
        meeting_day=meeting.starts_at.astimezone(tz).date() if meeting else None,
        nominees=[p.nominee for p in mine],
        person_ids=[p.person_id for p in mine if p.person_id is not None],
        minutes=minutes,
        parts=parts,
    )


async def blockers_of(
    session: AsyncSession,
    round_id: int,
    sources: Sequence[BlockerSource],
    given: dict[str, object] | None = None,
) -> list[DossierBlocker]:
    """What every room says stops the dossier now."""
    found: list[DossierBlocker] = []
    for source in sources:
        found.extend(await _call(source, session, round_id, given or {}))
    return found


async def _call(
    source: Callable[..., Awaitable[list[T]]],
    session: AsyncSession,
    round_id: int,
    given: dict[str, object],
) -> list[T]:
    """A room's source, with the keywords it declares among `given` (the use case's moment
    `now`, the school's zone `tz`, the file store `files`): a room reads the same clock."""
    accepted = inspect.signature(source).parameters
    return await source(session, round_id, **{k: v for k, v in given.items() if k in accepted})
