"""What the ballots share: the member's sheet, the chair's progress, the results, who is
present, conflicts of interest, and where a secret direction is filed."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from services.errors import NotAllowed, NotFound
from services.judging.common import (
    council_members,
)
from services.judging.rules import Warning
from services.people import Actor, require_role
from storage.models import (
    Attendance,
    Ballot,
    BallotBoxEntry,
    BallotStatus,
    Candidate,
    Department,
    DeptStatus,
    Meeting,
    Membership,
    MemberStatus,
    Outcome,
    Role,
    Vote,
)
from ui.buttons.judging import VoteCast, VoteClose, VoteRest, VoteStatus
from ui.texts import Texts

SHEET_SIZE = 20  # candidates per ballot message: short enough with every warning shown


def box_key(secret: bytes, ballot_id: int, candidate_id: int, person_id: int) -> str:
    """Where a member's secret direction on a candidate is filed: a keyed hash, so the database
    alone cannot tell whose it is."""
    message = f"{ballot_id}:{candidate_id}:{person_id}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class SheetLine:
    """One candidate on a member's ballot."""

    candidate_id: int
    number: int
    name: str
    department: str
    warnings: tuple[Warning, ...]
    choice: bool | None  # the member's vote so far (None: not yet)
    own: bool  # the candidate names the member (or their department): no vote


@dataclass(frozen=True)
class Sheet:
    """A member's ballot for one title (one page of it)."""

    ballot_id: int
    title: str
    secret: bool
    open: bool
    lines: tuple[SheetLine, ...]
    page: int
    pages: int


@dataclass(frozen=True)
class Progress:
    """How far a vote is: who has voted on every candidate they may vote on."""

    ballot_id: int
    meeting_id: int
    title: str
    secret: bool
    threshold: int
    base: str
    open: bool
    voted: int
    voters: int
    missing: tuple[str, ...]
    candidates: int


@dataclass(frozen=True)
class ResultLine:
    """One candidate's count."""

    name: str
    department: str
    yes: int
    no: int
    base: int
    percent: Fraction
    outcome: str
    tie: bool
    warnings: tuple[Warning, ...]


@dataclass(frozen=True)
class Result:
    """A title's vote, closed and counted."""

    ballot_id: int
    meeting_id: int
    title: str
    secret: bool
    threshold: int
    base: str
    lines: tuple[ResultLine, ...]
    cap: int | None

    @property
    def passed(self) -> int:
        """How many passed."""
        return sum(1 for line in self.lines if line.outcome == Outcome.PASSED)


@dataclass(frozen=True)
class MeetingClosed:
    """The meeting ended: what was decided, and who gets the minutes."""

    meeting_id: int
    round_id: int
    results: tuple[tuple[str, int, int], ...]  # (title, passed, candidates) per title voted


async def present_member(session: AsyncSession, meeting: Meeting, who: Actor) -> Membership:
    """The presser as a member checked in at the meeting (else "judging.not_present")."""
    for member in await present_members(session, meeting):
        if who.person is not None and member.person_id == who.person.id:
            return member
    raise NotAllowed("judging.not_present")


async def chair_of(session: AsyncSession, tg_user_id: int) -> Actor:
    return await require_role(session, tg_user_id, {Role.CHAIR}, refusal="judging.chair_only")


async def meeting_of(session: AsyncSession, who: Actor, meeting_id: int) -> Meeting:
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None or meeting.org_id != who.org_id:
        raise NotFound("judging.no_meeting")
    return meeting


async def ballot_of(session: AsyncSession, who: Actor, ballot_id: int) -> tuple[Ballot, Meeting]:
    ballot = await session.get(Ballot, ballot_id)
    meeting = await session.get(Meeting, ballot.meeting_id) if ballot else None
    if ballot is None or meeting is None or meeting.org_id != who.org_id:
        raise NotFound("judging.no_ballot")
    return ballot, meeting


async def present_members(session: AsyncSession, meeting: Meeting) -> list[Membership]:
    """The council members checked in at the meeting (active members of its school)."""
    present = {
        p
        for (p,) in await session.execute(
            select(Attendance.person_id).where(
                Attendance.meeting_id == meeting.id, Attendance.present.is_(True)
            )
        )
    }
    return [m for m in await council_members(session, meeting.org_id) if m.person_id in present]


def conflicted(candidate: Candidate, member: Membership) -> bool:
    """The candidate names the member, or the member's own department (a collective title)."""
    if candidate.person_id is not None:
        return candidate.person_id == member.person_id
    return candidate.department_id is not None and candidate.department_id == member.department_id


async def proposed_of(session: AsyncSession, ballot: Ballot, round_id: int) -> Sequence[Candidate]:
    return (
        await session.scalars(
            select(Candidate)
            .options(joinedload(Candidate.person), joinedload(Candidate.department))
            .where(
                Candidate.round_id == round_id,
                Candidate.title == ballot.title,
                Candidate.dept_status == DeptStatus.PROPOSED,
            )
            .order_by(Candidate.id)
        )
    ).all()


def candidate_name(c: Candidate) -> str:
    if c.person is not None:
        return c.person.full_name
    return c.department.name if c.department else "?"


async def departments_of_people(session: AsyncSession, org_id: int) -> dict[int, str]:
    names = {
        d.id: d.name
        for d in await session.scalars(select(Department).where(Department.org_id == org_id))
    }
    rows = await session.execute(
        select(Membership.person_id, Membership.department_id).where(
            Membership.org_id == org_id, Membership.status == MemberStatus.ACTIVE
        )
    )
    return {person: names.get(dept, "") if dept else "" for person, dept in rows}


async def choices_of(
    session: AsyncSession, key: bytes, ballot: Ballot, person_id: int, ids: Sequence[int]
) -> dict[int, bool]:
    if ballot.secret:
        keys = {box_key(key, ballot.id, cid, person_id): cid for cid in ids}
        rows = await session.scalars(
            select(BallotBoxEntry).where(BallotBoxEntry.key.in_(list(keys)))
        )
        return {keys[row.key]: row.choice == "yes" for row in rows}
    rows2 = await session.scalars(
        select(Vote).where(Vote.ballot_id == ballot.id, Vote.person_id == person_id)
    )
    return {row.candidate_id: row.choice == "yes" for row in rows2}


async def sheet_of(
    session: AsyncSession,
    key: bytes,
    ballot: Ballot,
    meeting: Meeting,
    member: Membership,
    page: int,
) -> Sheet:
    candidates = await proposed_of(session, ballot, meeting.round_id)
    people_depts = await departments_of_people(session, meeting.org_id)
    pages = max(1, -(-len(candidates) // SHEET_SIZE))
    page = min(max(page, 0), pages - 1)
    chunk = candidates[page * SHEET_SIZE : (page + 1) * SHEET_SIZE]
    choices = await choices_of(session, key, ballot, member.person_id, [c.id for c in chunk])
    lines = tuple(
        SheetLine(
            candidate_id=c.id,
            number=page * SHEET_SIZE + i + 1,
            name=candidate_name(c),
            department=people_depts.get(c.person_id, "") if c.person_id else "",
            warnings=tuple(Warning.from_json(w) for w in c.warnings),
            choice=choices.get(c.id),
            own=conflicted(c, member),
        )
        for i, c in enumerate(chunk)
    )
    return Sheet(
        ballot.id,
        ballot.title,
        ballot.secret,
        ballot.status == BallotStatus.OPEN,
        lines,
        page,
        pages,
    )


def sheet_buttons(sheet: Sheet, texts: Texts, locale: str) -> list[list[tuple[str, str]]]:
    """Two buttons per candidate the member may vote on, the chosen one ticked."""
    rows: list[list[tuple[str, str]]] = []
    if not sheet.open:
        return rows
    for line in sheet.lines:
        if line.own:
            continue
        yes = texts.plain(locale, "judging.vote_yes", n=line.number, chosen=line.choice is True)
        no = texts.plain(locale, "judging.vote_no", n=line.number, chosen=line.choice is False)
        rows.append(
            [
                (yes, VoteCast(sheet.ballot_id, line.candidate_id, True).pack()),
                (no, VoteCast(sheet.ballot_id, line.candidate_id, False).pack()),
            ]
        )
    if any(line.choice is None and not line.own for line in sheet.lines):
        rest = texts.plain(locale, "judging.vote_rest")
        rows.append([(rest, VoteRest(sheet.ballot_id, sheet.page).pack())])
    return rows


def progress_buttons(p: Progress, texts: Texts, locale: str) -> list[list[tuple[str, str]]]:
    """The chair's controls of an open vote."""
    if not p.open:
        return []
    return [
        [
            (texts.plain(locale, "judging.progress_refresh"), VoteStatus(p.ballot_id).pack()),
            (texts.plain(locale, "judging.vote_close_button"), VoteClose(p.ballot_id).pack()),
        ]
    ]


async def progress_of(session: AsyncSession, ballot: Ballot, meeting: Meeting) -> Progress:
    voters = await present_members(session, meeting)
    candidates = await proposed_of(session, ballot, meeting.round_id)
    cast: dict[int, set[int]] = {}
    for person_id, candidate_id in await session.execute(
        select(Vote.person_id, Vote.candidate_id).where(Vote.ballot_id == ballot.id)
    ):
        cast.setdefault(person_id, set()).add(candidate_id)
    done, missing = 0, []
    for member in voters:
        owed = {c.id for c in candidates if not conflicted(c, member)}
        if owed <= cast.get(member.person_id, set()):
            done += 1
        else:
            missing.append(member.person.full_name)
    return Progress(
        ballot.id,
        meeting.id,
        ballot.title,
        ballot.secret,
        ballot.threshold,
        ballot.base,
        ballot.status == BallotStatus.OPEN,
        done,
        len(voters),
        tuple(missing),
        len(candidates),
    )


async def voted_on(session: AsyncSession, ballot_id: int, person_id: int) -> set[int]:
    """The candidates a member has voted on in a ballot."""
    return set(
        await session.scalars(
            select(Vote.candidate_id).where(
                Vote.ballot_id == ballot_id, Vote.person_id == person_id
            )
        )
    )


def progress_ref(ballot_id: int) -> str:
    return f"ballot:{ballot_id}:progress"


def sheet_ref(ballot_id: int, person_id: int, page: int) -> str:
    return f"ballot:{ballot_id}:sheet:{person_id}:{page}"
