"""The council's votes, title by title: open or secret, changed until closed, counted.

Open ballot: each vote is a row with the member and the direction. Secret ballot: the `votes` row
says only that the member voted on the candidate (choice left empty); the direction sits in
`ballot_box` under a keyed hash of (ballot, candidate, member) whose key is kept outside the
database (Settings.ballot_key), with no time and no row number; when the vote closes the box is
counted into the candidate's figures and emptied. So the database never links a member to a
direction without that key, and after the close it holds only counts.

Races: a vote and the close both start by updating the ballot's row (`status` must still be
open), so they are serialised on it: a vote committed first is counted, a vote arriving after the
close is refused, and of two closes at the same moment one counts and the other is told.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from fractions import Fraction
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from services import audit, outbox
from services.base import UseCases
from services.errors import AlreadyDone, Invalid, NotAllowed, NotFound
from services.judging.common import (
    council_members,
    rules_of,
    school_rules,
    title_family,
    vote_rule,
)
from services.judging.meetings import quorum, refresh_panel
from services.judging.minutes import minutes_buttons, write_version
from services.judging.rounds import warnings_of
from services.judging.rules import Family, Warning, cap, count
from services.people import COUNCIL_ROLES, Actor, require_role
from storage.models import (
    Attendance,
    Ballot,
    BallotBoxEntry,
    BallotStatus,
    Candidate,
    Department,
    DeptStatus,
    JudgingRound,
    Meeting,
    MeetingStatus,
    Membership,
    MemberStatus,
    Org,
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


async def _council(session: AsyncSession, tg_user_id: int) -> Actor:
    try:
        return await require_role(session, tg_user_id, COUNCIL_ROLES)
    except NotAllowed as refusal:
        if refusal.key in ("errors.not_member", "errors.role_needed"):
            raise NotAllowed("judging.council_only") from None
        raise


async def _chair(session: AsyncSession, tg_user_id: int) -> Actor:
    return await require_role(session, tg_user_id, {Role.CHAIR}, refusal="judging.chair_only")


async def _meeting(session: AsyncSession, who: Actor, meeting_id: int) -> Meeting:
    meeting = await session.get(Meeting, meeting_id)
    if meeting is None or meeting.org_id != who.org_id:
        raise NotFound("judging.no_meeting")
    return meeting


async def _ballot(session: AsyncSession, who: Actor, ballot_id: int) -> tuple[Ballot, Meeting]:
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


async def _proposed(session: AsyncSession, ballot: Ballot, round_id: int) -> Sequence[Candidate]:
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


def _name(c: Candidate) -> str:
    if c.person is not None:
        return c.person.full_name
    return c.department.name if c.department else "?"


async def _departments(session: AsyncSession, org_id: int) -> dict[int, str]:
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


async def _choices(
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


async def _sheet(
    session: AsyncSession,
    key: bytes,
    ballot: Ballot,
    meeting: Meeting,
    member: Membership,
    page: int,
) -> Sheet:
    candidates = await _proposed(session, ballot, meeting.round_id)
    people_depts = await _departments(session, meeting.org_id)
    pages = max(1, -(-len(candidates) // SHEET_SIZE))
    page = min(max(page, 0), pages - 1)
    chunk = candidates[page * SHEET_SIZE : (page + 1) * SHEET_SIZE]
    choices = await _choices(session, key, ballot, member.person_id, [c.id for c in chunk])
    lines = tuple(
        SheetLine(
            candidate_id=c.id,
            number=page * SHEET_SIZE + i + 1,
            name=_name(c),
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


async def _progress(session: AsyncSession, ballot: Ballot, meeting: Meeting) -> Progress:
    voters = await present_members(session, meeting)
    candidates = await _proposed(session, ballot, meeting.round_id)
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


async def _voted_on(session: AsyncSession, ballot_id: int, person_id: int) -> set[int]:
    """The candidates a member has voted on in a ballot."""
    return set(
        await session.scalars(
            select(Vote.candidate_id).where(
                Vote.ballot_id == ballot_id, Vote.person_id == person_id
            )
        )
    )


def _progress_ref(ballot_id: int) -> str:
    return f"ballot:{ballot_id}:progress"


def _sheet_ref(ballot_id: int, person_id: int, page: int) -> str:
    return f"ballot:{ballot_id}:sheet:{person_id}:{page}"


class Ballots(UseCases):
    """The chair opens and closes each title's vote; members vote in their private chat."""

    @property
    def _key(self) -> bytes:
        return self.env.ballot_key

    async def open_vote(self, *, tg_user_id: int, meeting_id: int, title: int) -> Progress:
        """The chair opens the vote on one title of the round, once the quorum is there; each
        member present gets a ballot in the private chat."""
        now = self.now()
        async with self.env.sessions() as session:
            who = await _chair(session, tg_user_id)
            meeting = await _meeting(session, who, meeting_id)
            if meeting.status != MeetingStatus.OPEN:
                raise Invalid("judging.meeting_not_open")
            rnd = await session.get(JudgingRound, meeting.round_id)
            assert rnd is not None
            if not 0 <= title < len(rnd.titles):
                raise Invalid("errors.stale_button")
            name = rnd.titles[title]
            org = await session.get(Org, meeting.org_id)
            assert org is not None
            settings = await school_rules(session, org)
            present = await present_members(session, meeting)
            counted = await quorum(session, meeting)
            if not counted.ok:
                raise Invalid(
                    "judging.no_quorum",
                    present=counted.present,
                    size=counted.size,
                    needed=counted.needed,
                )
            if await session.scalar(
                select(Ballot.id).where(Ballot.meeting_id == meeting.id, Ballot.title == name)
            ):
                raise AlreadyDone("judging.vote_exists", title=name)
            kind = title_family(settings, name)
            if kind == Family.CSTDCS:
                await self._require_ldtt_closed(session, rnd, meeting, settings)
            secret, threshold, base = vote_rule(settings, name)
            ballot = Ballot(
                meeting_id=meeting.id,
                title=name,
                secret=secret,
                threshold=threshold,
                base=base,
                present=len(present),
                status=BallotStatus.OPEN,
                opened_at=now,
            )
            session.add(ballot)
            await session.flush()
            # The conditions as they stand when the vote opens: kept for the minutes.
            warns, _ = await warnings_of(session, rnd, settings, now.astimezone(self.env.tz).date())
            candidates = await _proposed(session, ballot, rnd.id)
            if not candidates:
                raise Invalid("judging.no_candidates", title=name)
            for c in candidates:
                c.warnings = [w.as_json() for w in warns.get(c.id, [])]
            await session.flush()
            # The chair's progress first, then each member's ballot (hers too).
            progress = await _progress(session, ballot, meeting)
            locale = self.texts.locale(who.locale)
            outbox.enqueue_message(
                session,
                chat_id=tg_user_id,
                text=self.texts.render(locale, "judging.progress", p=progress),
                buttons=progress_buttons(progress, self.texts, locale),
                now=now,
                ref=_progress_ref(ballot.id),
            )
            for member in present:
                locale = self.texts.locale(member.person.locale)
                first = await _sheet(session, self._key, ballot, meeting, member, 0)
                for page in range(first.pages):
                    sheet = (
                        first
                        if page == 0
                        else await _sheet(session, self._key, ballot, meeting, member, page)
                    )
                    outbox.enqueue_message(
                        session,
                        chat_id=member.person.tg_user_id,
                        text=self.texts.render(locale, "judging.sheet", sheet=sheet),
                        buttons=sheet_buttons(sheet, self.texts, locale),
                        now=now,
                        ref=_sheet_ref(ballot.id, member.person_id, page),
                    )
            assert who.person is not None
            await audit.record(
                session,
                org_id=org.id,
                actor_id=who.person.id,
                action="vote.open",
                target=f"ballot:{ballot.id}",
                now=now,
                title=name,
                secret=secret,
                present=len(present),
                candidates=len(candidates),
            )
            await session.commit()
            return progress

    async def _require_ldtt_closed(
        self, session: AsyncSession, rnd: JudgingRound, meeting: Meeting, settings: dict[str, Any]
    ) -> None:
        """CSTĐCS needs LĐTT and a cap on its share of LĐTT: LĐTT is voted first."""
        ldtt = [t for t in rnd.titles if title_family(settings, t) == Family.LDTT]
        if not ldtt:
            return
        closed = set(
            await session.scalars(
                select(Ballot.title).where(
                    Ballot.meeting_id == meeting.id, Ballot.status == BallotStatus.CLOSED
                )
            )
        )
        if not set(ldtt) <= closed:
            raise Invalid("judging.ldtt_first", title=ldtt[0])

    async def cast(self, *, tg_user_id: int, ballot_id: int, candidate_id: int, yes: bool) -> Sheet:
        """A member present at the meeting votes on a candidate (or changes the vote) while the
        vote is open; nobody votes on themselves or their own department."""
        return await self._record(tg_user_id, ballot_id, yes, candidate_id=candidate_id)

    async def cast_rest(self, *, tg_user_id: int, ballot_id: int, page: int) -> Sheet:
        """A member agrees with every candidate of a ballot page not voted on yet (a long list is
        mostly agreed: the few "Không đồng ý" first, then this)."""
        return await self._record(tg_user_id, ballot_id, True, page=page)

    async def _record(
        self,
        tg_user_id: int,
        ballot_id: int,
        yes: bool,
        *,
        candidate_id: int | None = None,
        page: int = 0,
    ) -> Sheet:
        now = self.now()
        async with self.env.sessions() as session:
            who = await _council(session, tg_user_id)
            ballot, meeting = await _ballot(session, who, ballot_id)
            # Serialises with the close (and other votes) on the ballot's row; see the module.
            still_open = await session.execute(
                update(Ballot)
                .where(Ballot.id == ballot.id, Ballot.status == BallotStatus.OPEN)
                .values(status=BallotStatus.OPEN)
            )
            if still_open.rowcount == 0:  # type: ignore[attr-defined]
                raise AlreadyDone("judging.vote_closed", title=ballot.title)
            member = next(
                (
                    m
                    for m in await present_members(session, meeting)
                    if who.person is not None and m.person_id == who.person.id
                ),
                None,
            )
            if member is None:
                raise NotAllowed("judging.not_present")
            candidates = list(await _proposed(session, ballot, meeting.round_id))
            owed = {c.id for c in candidates if not conflicted(c, member)}
            voted = await _voted_on(session, ballot.id, member.person_id)
            if candidate_id is not None:
                candidate = next((c for c in candidates if c.id == candidate_id), None)
                if candidate is None:
                    raise NotFound("errors.stale_button")
                if conflicted(candidate, member):
                    raise NotAllowed("judging.own_vote")
                chosen = [candidate]
                page = candidates.index(candidate) // SHEET_SIZE
            else:
                on_page = candidates[page * SHEET_SIZE : (page + 1) * SHEET_SIZE]
                chosen = [c for c in on_page if c.id in owed and c.id not in voted]
            for candidate in chosen:
                await self._file(session, ballot, candidate, member, yes, now)
            await session.flush()
            if not owed <= voted and owed <= await _voted_on(session, ballot.id, member.person_id):
                # One more member has voted on everyone: the chair's "đã bỏ phiếu" moves.
                progress = await _progress(session, ballot, meeting)
                await self._show_progress(session, ballot, meeting, progress, now)
            sheet = await _sheet(session, self._key, ballot, meeting, member, page)
            await session.commit()
            return sheet

    async def _file(
        self,
        session: AsyncSession,
        ballot: Ballot,
        candidate: Candidate,
        member: Membership,
        yes: bool,
        now: datetime,
    ) -> None:
        """One vote recorded: by name in an open ballot; in a secret one, the name apart from
        the direction (the ballot box, under a keyed hash)."""
        choice = "yes" if yes else "no"
        row = await session.scalar(
            select(Vote).where(
                Vote.ballot_id == ballot.id,
                Vote.candidate_id == candidate.id,
                Vote.person_id == member.person_id,
            )
        )
        if row is None:
            row = Vote(
                ballot_id=ballot.id, candidate_id=candidate.id, person_id=member.person_id, at=now
            )
            session.add(row)
        if ballot.secret:
            key = box_key(self._key, ballot.id, candidate.id, member.person_id)
            entry = await session.get(BallotBoxEntry, key)
            if entry is None:
                session.add(
                    BallotBoxEntry(
                        key=key, ballot_id=ballot.id, candidate_id=candidate.id, choice=choice
                    )
                )
            else:
                entry.choice = choice
            row.choice = None
        else:
            row.choice = choice
        row.at = now

    async def _show_progress(
        self, session: AsyncSession, ballot: Ballot, meeting: Meeting, p: Progress, now: datetime
    ) -> None:
        chair = next(
            (
                m
                for m in await council_members(session, meeting.org_id)
                if m.person_id == meeting.chair_id
            ),
            None,
        )
        locale = self.texts.locale(chair.person.locale if chair else None)
        await outbox.enqueue_edits(
            session,
            ref=_progress_ref(ballot.id),
            text=self.texts.render(locale, "judging.progress", p=p),
            buttons=progress_buttons(p, self.texts, locale),
            now=now,
        )

    async def sheet(self, *, tg_user_id: int, ballot_id: int, page: int = 0) -> Sheet:
        """A member's ballot again (their own choices; in a secret ballot, only they see them)."""
        async with self.env.sessions() as session:
            who = await _council(session, tg_user_id)
            ballot, meeting = await _ballot(session, who, ballot_id)
            member = next(
                (
                    m
                    for m in await present_members(session, meeting)
                    if who.person is not None and m.person_id == who.person.id
                ),
                None,
            )
            if member is None:
                raise NotAllowed("judging.not_present")
            return await _sheet(session, self._key, ballot, meeting, member, page)

    async def progress(self, *, tg_user_id: int, ballot_id: int) -> Progress:
        """How far a vote is ("đã bỏ phiếu 7/9"), never which way in a secret ballot."""
        async with self.env.sessions() as session:
            who = await _chair(session, tg_user_id)
            ballot, meeting = await _ballot(session, who, ballot_id)
            return await _progress(session, ballot, meeting)

    async def close_vote(self, *, tg_user_id: int, ballot_id: int) -> Result:
        """The chair closes a title's vote: each candidate counted on the rule's base, đạt or
        không đạt by the threshold (a tie never passes), the CSTĐCS cap applied; the secret box
        counted and emptied; members told."""
        now = self.now()
        async with self.env.sessions() as session:
            who = await _chair(session, tg_user_id)
            ballot, meeting = await _ballot(session, who, ballot_id)
            closing = await session.execute(
                update(Ballot)
                .where(Ballot.id == ballot.id, Ballot.status == BallotStatus.OPEN)
                .values(status=BallotStatus.CLOSED, closed_at=now)
            )
            if closing.rowcount == 0:  # type: ignore[attr-defined]
                raise AlreadyDone("judging.vote_closed", title=ballot.title)
            await session.refresh(ballot)
            result = await self._count(session, ballot, meeting)
            assert who.person is not None
            await audit.record(
                session,
                org_id=meeting.org_id,
                actor_id=who.person.id,
                action="vote.close",
                target=f"ballot:{ballot.id}",
                now=now,
                title=ballot.title,
                passed=result.passed,
                candidates=len(result.lines),
            )
            # Ballots end: the members' sheets lose their buttons; the chair's progress too.
            present = await present_members(session, meeting)
            for member in present:
                locale = self.texts.locale(member.person.locale)
                closed_text = self.texts.render(locale, "judging.sheet_closed", result=result)
                pages = -(-len(result.lines) // SHEET_SIZE) or 1
                for page in range(pages):
                    await outbox.enqueue_edits(
                        session,
                        ref=_sheet_ref(ballot.id, member.person_id, page),
                        text=closed_text,
                        now=now,
                    )
            p = await _progress(session, ballot, meeting)
            await self._show_progress(session, ballot, meeting, p, now)
            await refresh_panel(session, meeting, self.texts, now)
            await session.commit()
            return result

    async def _count(self, session: AsyncSession, ballot: Ballot, meeting: Meeting) -> Result:
        org = await session.get(Org, meeting.org_id)
        assert org is not None
        settings = await school_rules(session, org)
        candidates = await _proposed(session, ballot, meeting.round_id)
        council = await council_members(session, meeting.org_id)
        present = await present_members(session, meeting)
        size = meeting.council_size or len(council)
        tallies: dict[int, dict[str, int]] = {c.id: {"yes": 0, "no": 0} for c in candidates}
        if ballot.secret:
            rows = await session.execute(
                select(BallotBoxEntry.candidate_id, BallotBoxEntry.choice, func.count())
                .where(BallotBoxEntry.ballot_id == ballot.id)
                .group_by(BallotBoxEntry.candidate_id, BallotBoxEntry.choice)
            )
            await session.execute(
                delete(BallotBoxEntry).where(BallotBoxEntry.ballot_id == ballot.id)
            )
        else:
            rows = await session.execute(
                select(Vote.candidate_id, Vote.choice, func.count())
                .where(Vote.ballot_id == ballot.id)
                .group_by(Vote.candidate_id, Vote.choice)
            )
        for candidate_id, choice, n in rows:
            if candidate_id in tallies and choice in ("yes", "no"):
                tallies[candidate_id][choice] = n
        people_depts = await _departments(session, meeting.org_id)
        counted = []
        for c in candidates:
            if ballot.base == "present":
                base = len(present) - sum(1 for m in present if conflicted(c, m))
            else:
                base = size - sum(1 for m in council if conflicted(c, m))
            figures = count(
                tallies[c.id]["yes"], tallies[c.id]["no"], base=base, threshold=ballot.threshold
            )
            c.yes, c.no, c.base = figures.yes, figures.no, figures.base
            c.outcome = Outcome.PASSED if figures.passed else Outcome.FAILED
            counted.append((c, figures))
        most: int | None = None
        if title_family(settings, ballot.title) == Family.CSTDCS:
            rules = rules_of(settings)
            rnd = await session.get(JudgingRound, meeting.round_id)
            assert rnd is not None
            ldtt_titles = [t for t in rnd.titles if title_family(settings, t) == Family.LDTT]
            ldtt = await session.scalar(
                select(func.count(Candidate.id)).where(
                    Candidate.round_id == rnd.id,
                    Candidate.title.in_(ldtt_titles),
                    Candidate.outcome == Outcome.PASSED,
                )
            )
            most = cap(int(ldtt or 0), rules.cstdcs_share)
            ranked = sorted(
                (pair for pair in counted if pair[1].passed),
                key=lambda pair: (-pair[1].percent, pair[0].id),
            )
            for c, _ in ranked[most:]:
                c.outcome = Outcome.OVER_CAP
                c.warnings = [
                    *c.warnings,
                    Warning("over_cap", {"cap": most, "share": rules.cstdcs_share}).as_json(),
                ]
        await session.flush()
        lines = tuple(
            ResultLine(
                name=_name(c),
                department=people_depts.get(c.person_id, "") if c.person_id else "",
                yes=f.yes,
                no=f.no,
                base=f.base,
                percent=f.percent,
                outcome=str(c.outcome),
                tie=f.tie,
                warnings=tuple(Warning.from_json(w) for w in c.warnings),
            )
            for c, f in counted
        )
        return Result(
            ballot.id,
            meeting.id,
            ballot.title,
            ballot.secret,
            ballot.threshold,
            ballot.base,
            lines,
            most,
        )

    async def result(self, *, tg_user_id: int, ballot_id: int) -> Result:
        """A closed vote's count, for any council member of the school."""
        async with self.env.sessions() as session:
            who = await _council(session, tg_user_id)
            ballot, meeting = await _ballot(session, who, ballot_id)
            if ballot.status != BallotStatus.CLOSED:
                raise Invalid("judging.vote_still_open", title=ballot.title)
            candidates = await _proposed(session, ballot, meeting.round_id)
            people_depts = await _departments(session, meeting.org_id)
            lines = tuple(
                ResultLine(
                    name=_name(c),
                    department=people_depts.get(c.person_id, "") if c.person_id else "",
                    yes=c.yes or 0,
                    no=c.no or 0,
                    base=c.base or 0,
                    percent=Fraction((c.yes or 0) * 100, c.base) if c.base else Fraction(0),
                    outcome=str(c.outcome),
                    tie=(c.yes or 0) == (c.no or 0) and bool(c.yes),
                    warnings=tuple(Warning.from_json(w) for w in c.warnings),
                )
                for c in candidates
            )
            return Result(
                ballot.id,
                meeting.id,
                ballot.title,
                ballot.secret,
                ballot.threshold,
                ballot.base,
                lines,
                None,
            )

    async def close_meeting(self, *, tg_user_id: int, meeting_id: int) -> MeetingClosed:
        """The chair ends the meeting once no vote is open; the minutes are written."""
        now = self.now()
        async with self.env.sessions() as session:
            who = await _chair(session, tg_user_id)
            meeting = await _meeting(session, who, meeting_id)
            if await session.scalar(
                select(Ballot.title).where(
                    Ballot.meeting_id == meeting.id, Ballot.status == BallotStatus.OPEN
                )
            ):
                raise Invalid("judging.votes_open")
            closing = await session.execute(
                update(Meeting)
                .where(Meeting.id == meeting.id, Meeting.status == MeetingStatus.OPEN)
                .values(status=MeetingStatus.CLOSED, closed_at=now)
            )
            if closing.rowcount == 0:  # type: ignore[attr-defined]
                raise AlreadyDone("judging.meeting_closed")
            results = []
            for ballot in await session.scalars(
                select(Ballot).where(Ballot.meeting_id == meeting.id).order_by(Ballot.id)
            ):
                cands = await _proposed(session, ballot, meeting.round_id)
                passed = sum(1 for c in cands if c.outcome == Outcome.PASSED)
                results.append((ballot.title, passed, len(cands)))
            assert who.person is not None
            await audit.record(
                session,
                org_id=meeting.org_id,
                actor_id=who.person.id,
                action="meeting.close",
                target=f"meeting:{meeting.id}",
                now=now,
            )
            await session.refresh(meeting)
            await write_version(
                session,
                meeting=meeting,
                texts=self.texts,
                tz=self.env.tz,
                actor_id=who.person.id,
                now=now,
            )
            closed = MeetingClosed(meeting.id, meeting.round_id, tuple(results))
            await refresh_panel(session, meeting, self.texts, now)
            # Every council member is told, with the minutes; the secretary and the chair may
            # add remarks and make them final (the chair who pressed gets the reply itself).
            for member in await council_members(session, meeting.org_id):
                if member.person_id == who.person.id:
                    continue
                locale = self.texts.locale(member.person.locale)
                editor = member.person_id in (meeting.secretary_id, meeting.chair_id)
                outbox.enqueue_message(
                    session,
                    chat_id=member.person.tg_user_id,
                    text=self.texts.render(locale, "judging.meeting_ended", closed=closed),
                    buttons=minutes_buttons(self.texts, meeting.id, may_edit=editor, locale=locale),
                    now=now,
                    ref=f"meeting:{meeting.id}:closed",
                )
            await session.commit()
            return closed
