"""The minutes' content from the database: who was there, each title's vote and its
candidates, the conclusions; written as a new version (see the package for the use cases)."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from reports.minutes import (
    CandidateLine,
    Conclusion,
    MemberLine,
    MinutesData,
    TitleVote,
    ballot_kind_text,
    base_text,
    count_docx,
    default_agenda,
    minutes_docx,
    not_voted_note,
    percent_text,
    result_text,
    role_label,
)
from services.conversations import Drafts, Kind
from services.judging.common import council_members, school_rules, vote_rule
from services.judging.rules import quorum_needed
from storage.models import (
    Attendance,
    Ballot,
    Candidate,
    Department,
    DeptStatus,
    JudgingRound,
    Meeting,
    Membership,
    MinutesKind,
    MinutesVersion,
    Org,
    Outcome,
    Person,
    Role,
    Vote,
)
from ui.buttons.minutes import MinutesDocument, MinutesFinalize, MinutesRemark
from ui.texts import Texts

REMARK_MAX = 1500  # characters in one remark: a paragraph of the minutes, not a report
UNKNOWN = "………………"  # a name the minutes lack (no secretary chosen): filled in by hand
REMARKS = Drafts(Kind.REMARKS)


def school_year(year: int) -> str:
    """'2026-2027' for a round of the school year starting in 2026."""
    return f"{year}-{year + 1}"


def agenda_lines(text: str) -> tuple[str, ...]:
    """The agenda's items, without the numbers or dashes typed before them (the minutes list
    them with their own dashes)."""
    items = (_NUMBERED.sub("", line.strip()) for line in text.splitlines())
    return tuple(item for item in items if item)


_NUMBERED = re.compile(r"^(?:\d+[.)]|[-–•*])\s*")


def _warning(texts: Texts, warning: dict[str, Any]) -> str:
    """A condition's warning in the minutes' Vietnamese (judging.warn_<key>), as plain text."""
    params = {k: v for k, v in warning.items() if k != "key"}
    return texts.plain("vi", f"judging.warn_{warning['key']}", **params)


@dataclass(frozen=True)
class _Votes:
    """Who voted on what in one ballot (Vote rows: in a secret ballot, only that they voted)."""

    by_candidate: dict[int, set[int]]
    voters: set[int]


async def _votes(session: AsyncSession, ballot_ids: Iterable[int]) -> dict[int, _Votes]:
    rows = (
        await session.execute(
            select(Vote.ballot_id, Vote.candidate_id, Vote.person_id).where(
                Vote.ballot_id.in_(list(ballot_ids))
            )
        )
    ).all()
    found: dict[int, _Votes] = defaultdict(lambda: _Votes(defaultdict(set), set()))
    for ballot_id, candidate_id, person_id in rows:
        found[ballot_id].by_candidate[candidate_id].add(person_id)
        found[ballot_id].voters.add(person_id)
    return found


async def _departments(session: AsyncSession, org_id: int, people: set[int]) -> dict[int, str]:
    """Each person's department name at this school."""
    if not people:
        return {}
    rows = await session.execute(
        select(Membership.person_id, Department.name)
        .join(Department, Department.id == Membership.department_id)
        .where(Membership.org_id == org_id, Membership.person_id.in_(people))
    )
    return {person_id: name for person_id, name in rows.all()}


@dataclass(frozen=True)
class _Member:
    person_id: int
    name: str
    role: str
    department_id: int | None


async def _council(
    session: AsyncSession, meeting: Meeting, attendance: dict[int, Attendance]
) -> list[_Member]:
    """The council as the minutes list it: today's members (chair first), then anyone who took
    part in the meeting and has since left the council."""
    members = [
        _Member(m.person_id, m.person.full_name, str(m.role), m.department_id)
        for m in await council_members(session, meeting.org_id)
    ]
    known = {m.person_id for m in members}
    others = [pid for pid in attendance if pid not in known]
    if others:
        rows = await session.execute(
            select(Person.id, Person.full_name, Membership.role, Membership.department_id)
            .outerjoin(
                Membership,
                (Membership.person_id == Person.id) & (Membership.org_id == meeting.org_id),
            )
            .where(Person.id.in_(others))
        )
        members += [
            _Member(pid, name, str(role or Role.COUNCIL), dept) for pid, name, role, dept in rows
        ]
    return members


async def _name(session: AsyncSession, person_id: int | None) -> str:
    if person_id is None:
        return UNKNOWN
    person = await session.get(Person, person_id)
    return person.full_name if person else UNKNOWN


@dataclass(frozen=True)
class _Meeting:
    """What every title's lines need to know about the meeting."""

    texts: Texts
    council: list[_Member]
    present: set[int]
    size: int
    quorum_ok: bool
    departments: dict[int, str]  # person id -> department name


def _candidate_line(
    at: _Meeting, c: Candidate, ballot: Ballot | None, threshold: int, votes: _Votes
) -> CandidateLine:
    """One candidate's row: the counts kept when the vote closed, the checks' warnings, and the
    present members who did not vote on a candidate that names them or their department."""
    if c.person is not None:
        name, department = c.person.full_name, at.departments.get(c.person.id, "")
    else:  # a collective title: the department is the candidate
        name, department = (c.department.name if c.department else ""), ""
    yes = no = on = None
    if ballot is not None and c.outcome not in (None, Outcome.NOT_VOTED):
        yes, no = c.yes or 0, c.no or 0
        on = c.base if c.base is not None else (at.size if ballot.base == "all" else ballot.present)
    voters = votes.by_candidate.get(c.id, set())
    conflicted = tuple(
        m.name
        for m in at.council
        if ballot is not None
        and m.person_id in at.present
        and m.person_id not in voters
        and (m.person_id == c.person_id or (c.department_id and m.department_id == c.department_id))
    )
    return CandidateLine(
        name=name,
        department=department,
        yes=yes,
        no=no,
        base=on,
        percent=percent_text(yes, on, threshold) if yes is not None and on else "–",
        result=result_text(
            str(c.outcome) if yes is not None else None, tie=yes == no and bool(yes)
        ),
        warnings=tuple(_warning(at.texts, w) for w in c.warnings or ()),
        conflicted=conflicted,
        cast=len(voters),
    )


def _title_vote(
    at: _Meeting,
    title: str,
    ballot: Ballot | None,
    settings: dict[str, Any],
    candidates: Sequence[Candidate],
    votes: _Votes,
) -> tuple[TitleVote, Conclusion]:
    """One title's part of the minutes: its rule, its candidates' lines, who passed."""
    if ballot is not None:
        secret, threshold, base = ballot.secret, ballot.threshold, ballot.base
    else:
        secret, threshold, base = vote_rule(settings, title)
    # Those put to the vote, or proposed by their department (listed as not voted, if not).
    chosen = [
        c
        for c in candidates
        if c.title == title
        and (
            c.outcome is not None
            or c.dept_status == DeptStatus.PROPOSED
            or c.id in votes.by_candidate
        )
    ]
    rows = tuple(_candidate_line(at, c, ballot, threshold, votes) for c in chosen)
    line = TitleVote(
        title=title,
        secret=secret,
        ballot_kind=ballot_kind_text(secret),
        threshold=threshold,
        base=base_text(base),
        voted=ballot is not None,
        note="" if ballot is not None else not_voted_note(at.quorum_ok),
        candidates=rows,
        issued=ballot.present if ballot is not None else 0,
        returned=len(votes.voters),
    )
    passed = tuple(
        r.name
        for r, c in zip(rows, chosen, strict=True)
        if ballot is not None and c.outcome == Outcome.PASSED
    )
    return line, Conclusion(title, passed)


async def minutes_data(
    session: AsyncSession,
    *,
    meeting: Meeting,
    texts: Texts,
    tz: ZoneInfo,
    version: int,
    final: bool,
) -> MinutesData:
    """What the minutes say, read from the meeting, its attendance, ballots, votes and
    candidates, and the school's rules."""
    org = await session.get(Org, meeting.org_id)
    judging = await session.get(JudgingRound, meeting.round_id)
    assert org is not None and judging is not None
    settings = await school_rules(session, org)
    year = school_year(judging.year)
    attendance = {
        a.person_id: a
        for a in await session.scalars(
            select(Attendance).where(Attendance.meeting_id == meeting.id)
        )
    }
    council = await _council(session, meeting, attendance)
    present = {pid for pid, a in attendance.items() if a.present}
    size = meeting.council_size or len(council)
    rule = str(settings["rules.quorum"])
    needed = quorum_needed(size, rule)
    ballots = {
        b.title: b
        for b in await session.scalars(select(Ballot).where(Ballot.meeting_id == meeting.id))
    }
    votes = await _votes(session, [b.id for b in ballots.values()])
    candidates = (
        await session.scalars(
            select(Candidate)
            .options(joinedload(Candidate.person), joinedload(Candidate.department))
            .where(Candidate.round_id == judging.id)
            .order_by(Candidate.id)
        )
    ).all()
    people = {c.person_id for c in candidates if c.person_id is not None}
    at = _Meeting(
        texts,
        council,
        present,
        size,
        len(present) >= needed,
        await _departments(session, org.id, people),
    )
    titles = list(judging.titles) + [t for t in ballots if t not in judging.titles]
    voted = [
        _title_vote(
            at,
            title,
            ballots.get(title),
            settings,
            candidates,
            votes[ballots[title].id] if title in ballots else _Votes({}, set()),
        )
        for title in titles
    ]
    roles = {m.person_id: m.role for m in council}
    return MinutesData(
        school=org.name,
        parent_body=org.parent_name or "",
        place=org.place or "",
        round_name=judging.name,
        school_year=year,
        started=(meeting.opened_at or meeting.starts_at).astimezone(tz),
        ended=meeting.closed_at.astimezone(tz) if meeting.closed_at else None,
        venue=meeting.place,
        chair=await _name(session, meeting.chair_id),
        chair_role=role_label(roles.get(meeting.chair_id, str(Role.CHAIR))),
        secretary=await _name(session, meeting.secretary_id),
        members=tuple(
            MemberLine(
                m.name,
                role_label(m.role),
                m.person_id in present,
                (attendance[m.person_id].reason or "") if m.person_id in attendance else "",
            )
            for m in council
        ),
        council_size=size,
        present=len(present),
        quorum_needed=needed,
        quorum_rule=rule,
        quorum_ok=at.quorum_ok,
        agenda=agenda_lines(meeting.agenda) or default_agenda(titles, year),
        titles=tuple(line for line, _ in voted),
        remarks=agenda_lines(meeting.remarks),
        conclusions=tuple(conclusion for _, conclusion in voted),
        extra_conclusions=agenda_lines(meeting.conclusions),
        version=version,
        final=final,
    )


async def _next_version(session: AsyncSession, meeting_id: int, kind: MinutesKind) -> int:
    latest = await session.scalar(
        select(func.max(MinutesVersion.version)).where(
            MinutesVersion.meeting_id == meeting_id, MinutesVersion.kind == kind
        )
    )
    return (latest or 0) + 1


async def write_version(
    session: AsyncSession,
    *,
    meeting: Meeting,
    texts: Texts,
    tz: ZoneInfo,
    actor_id: int | None,
    now: datetime,
    final: bool = False,
) -> list[MinutesVersion]:
    """Render the minutes (and the count record when a title was voted by secret ballot) from
    the database and store each as a new version (part of the caller's transaction)."""
    # One writer at a time per meeting: two remarks saved at once get versions n and n+1.
    await session.execute(select(Meeting.id).where(Meeting.id == meeting.id).with_for_update())
    version = await _next_version(session, meeting.id, MinutesKind.MINUTES)
    data = await minutes_data(
        session, meeting=meeting, texts=texts, tz=tz, version=version, final=final
    )
    written = [(MinutesKind.MINUTES, version, await asyncio.to_thread(minutes_docx, data))]
    if data.secret_titles:
        counted = await _next_version(session, meeting.id, MinutesKind.COUNT)
        document = await asyncio.to_thread(count_docx, dataclasses.replace(data, version=counted))
        written.append((MinutesKind.COUNT, counted, document))
    rows = [
        MinutesVersion(
            meeting_id=meeting.id,
            kind=kind,
            version=number,
            final=final,
            content=content,
            created_by=actor_id,
            created_at=now,
        )
        for kind, number, content in written
    ]
    session.add_all(rows)
    await session.flush()
    return rows


def minutes_buttons(
    texts: Texts, meeting_id: int, *, may_edit: bool = True, locale: str | None = None
) -> list[list[tuple[str, str]]]:
    """The buttons under the meeting's closing notice: the minutes for every council member;
    remarks and the final version for the secretary and the chair (`may_edit`)."""
    plain = texts.plain
    rows = [[(plain(locale, "minutes.document_button"), MinutesDocument(meeting_id).pack())]]
    if may_edit:
        rows.append([(plain(locale, "minutes.remark_button"), MinutesRemark(meeting_id).pack())])
        rows.append(
            [(plain(locale, "minutes.finalize_button"), MinutesFinalize(meeting_id, "ask").pack())]
        )
    return rows


# ------------------------------------------------------------------------------ use cases
