"""Recording and counting votes (see the package's docstring for the secret ballot)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from services.judging.ballots.common import (
    Result,
    ResultLine,
    box_key,
    candidate_name,
    conflicted,
    departments_of_people,
    present_members,
    proposed_of,
)
from services.judging.common import (
    council_members,
    cstdcs_limit,
    rules_of,
    school_rules,
    title_family,
)
from services.judging.rules import Family, Warning, count
from storage.models import (
    Ballot,
    BallotBoxEntry,
    Candidate,
    JudgingRound,
    Meeting,
    Membership,
    Org,
    Outcome,
    Vote,
)


async def file_vote(
    session: AsyncSession,
    secret: bytes,
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
        key = box_key(secret, ballot.id, candidate.id, member.person_id)
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


async def count_ballot(session: AsyncSession, ballot: Ballot, meeting: Meeting) -> Result:
    """Count a closed ballot: each candidate on the rule's base, đạt or không đạt by the
    threshold (a tie never passes), the CSTĐCS cap applied; a secret box counted and emptied."""
    org = await session.get(Org, meeting.org_id)
    assert org is not None
    settings = await school_rules(session, org)
    candidates = await proposed_of(session, ballot, meeting.round_id)
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
        await session.execute(delete(BallotBoxEntry).where(BallotBoxEntry.ballot_id == ballot.id))
    else:
        rows = await session.execute(
            select(Vote.candidate_id, Vote.choice, func.count())
            .where(Vote.ballot_id == ballot.id)
            .group_by(Vote.candidate_id, Vote.choice)
        )
    for candidate_id, choice, n in rows:
        if candidate_id in tallies and choice in ("yes", "no"):
            tallies[candidate_id][choice] = n
    people_depts = await departments_of_people(session, meeting.org_id)
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
        rnd = await session.get_one(JudgingRound, meeting.round_id)
        most = await cstdcs_limit(session, rnd, settings)
        share = rules_of(settings).cstdcs_share
        ranked = sorted(
            (pair for pair in counted if pair[1].passed),
            key=lambda pair: (-pair[1].percent, pair[0].id),
        )
        for c, _ in ranked[most:]:
            c.outcome = Outcome.OVER_CAP
            c.warnings = [
                *c.warnings,
                Warning("over_cap", {"cap": most, "share": share}).as_json(),
            ]
    await session.flush()
    lines = tuple(
        ResultLine(
            name=candidate_name(c),
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
