"""The contest's judging: entries given to the judges (every judge but an author scores every
entry), a judge reads an entry anonymised, the first round closed with the best going on to the
final, the prizes by tier and the results announced to all staff."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from services import audit, outbox
from services.contest.common import (
    CLOSED,
    DONE,
    ENTRIES,
    FINAL,
    SCORING,
    active_people,
    contest_of,
    departments_with_staff,
    entries,
    phase,
    scores,
    sheets,
    staff_names,
    tiers_of,
)
from services.contest.rules import (
    Names,
    allocate,
    anonymise,
    finalists,
    leaks,
    score_text,
    short_lines,
)
from services.errors import Invalid, NotAllowed, NotFound
from services.people import Actor
from services.reviews.calls import active_member_ids, jury, rubric
from services.reviews.scoring import advance, assign, suggestions
from storage.models import (
    CallStatus,
    Contest,
    Department,
    EntryStatus,
    Person,
    ReviewAssignment,
    ReviewCall,
    ReviewEntry,
)
from ui.buttons.contest import ContestJudging
from ui.texts import Texts


async def _give_to_judges(
    session: AsyncSession,
    contest: Contest,
    call: ReviewCall,
    chosen: Sequence[ReviewEntry],
    by: int,
    texts: Texts,
    now: datetime,
) -> int:
    """Assign each entry to the judges the engine suggests (never an author), as many as the
    rubric asks; tell each judge what they have to score. Returns the sheets made."""
    made = 0
    per_judge: dict[int, int] = {}
    for entry in chosen:
        for candidate in await suggestions(session, call, entry, count=rubric(call).reviewers):
            await assign(
                session, call=call, entry=entry, reviewer_id=candidate.person_id, by=by, now=now
            )
            per_judge[candidate.person_id] = per_judge.get(candidate.person_id, 0) + 1
            made += 1
    people = {
        p.id: p for p in await session.scalars(select(Person).where(Person.id.in_(list(per_judge))))
    }
    for person_id, count in per_judge.items():
        person = people[person_id]
        outbox.enqueue_message(
            session,
            chat_id=person.tg_user_id,
            now=now,
            ref=f"contest:{contest.id}:judge:{call.stage}",
            text=texts.render(
                person.locale,
                "contest.judge_notice",
                title=call.title,
                stage=call.stage,
                count=count,
            ),
            buttons=[
                [
                    (
                        texts.plain(person.locale, "contest.judging_button"),
                        ContestJudging(contest.id).pack(),
                    )
                ]
            ],
        )
    return made


async def start_scoring(
    session: AsyncSession, who: Actor, contest_id: int, texts: Texts, now: datetime
) -> int:
    """Close the entries and give them to the judges (the first, or only, round)."""
    assert who.person is not None
    contest, call = await contest_of(session, who.org_id, contest_id)
    if phase(contest, call, now) not in (ENTRIES, CLOSED):
        raise Invalid("contest.already_scoring")
    panel = await jury(session, call.id)
    if len(panel) < 1:
        raise Invalid("contest.no_jury")
    sent = [e for e in await entries(session, call.id) if e.status == EntryStatus.SUBMITTED]
    if not sent:
        raise Invalid("contest.no_entries")
    contest.scoring_at = now
    if call.closes_at > now:
        call.closes_at = call.submit_by = now
    made = await _give_to_judges(session, contest, call, sent, who.person.id, texts, now)
    await audit.record(
        session,
        org_id=who.org_id,
        actor_id=who.person.id,
        action="contest.scoring",
        target=f"contest:{contest.id}",
        now=now,
        entries=len(sent),
        sheets=made,
    )
    return made


@dataclass(frozen=True)
class JudgeItem:
    """One entry on a judge's list: its code, the judge's sheet, whether it is sent."""

    entry_id: int
    code: str
    sheet_id: int
    sent: bool


async def judge_list(
    session: AsyncSession, who: Actor, contest_id: int
) -> tuple[str, str, tuple[JudgeItem, ...]]:
    """A judge's entries in the round under way: (contest title, stage, items)."""
    assert who.person is not None
    _, call = await contest_of(session, who.org_id, contest_id)
    rows = await session.execute(
        select(ReviewAssignment, ReviewEntry)
        .join(ReviewEntry, ReviewEntry.id == ReviewAssignment.entry_id)
        .where(
            ReviewEntry.call_id == call.id,
            ReviewAssignment.stage == call.stage,
            ReviewAssignment.reviewer_id == who.person.id,
        )
        .order_by(ReviewEntry.code)
    )
    items = tuple(JudgeItem(e.id, e.code, a.id, a.submitted_at is not None) for a, e in rows.all())
    if not items and not any(j.person_id == who.person.id for j in await jury(session, call.id)):
        raise NotAllowed("contest.judges_only")
    return call.title, call.stage, items


@dataclass(frozen=True)
class Reading:
    """An entry as a judge reads it: its code, whom it is about, its title and text with the
    author's (and colleagues') names hidden, and the judge's own sheet."""

    code: str
    subject: str
    title: str
    text: str
    stage: str
    sheet_id: int
    sent: bool


async def read(session: AsyncSession, who: Actor, entry_id: int) -> Reading:
    """An entry for a judge who has to score it (anyone else: not found)."""
    assert who.person is not None
    entry = await session.get(ReviewEntry, entry_id)
    if entry is None or entry.org_id != who.org_id:
        raise NotFound("contest.no_entry")
    call = await session.get_one(ReviewCall, entry.call_id)
    sheet = await session.scalar(
        select(ReviewAssignment).where(
            ReviewAssignment.entry_id == entry.id,
            ReviewAssignment.reviewer_id == who.person.id,
            ReviewAssignment.stage == call.stage,
        )
    )
    if sheet is None:
        raise NotFound("contest.no_entry")
    author = await session.get_one(Person, entry.author_id)
    department = await session.get(Department, entry.department_id) if entry.department_id else None
    names = Names(
        author.full_name,
        tuple(await staff_names(session, who.org_id)),
        (entry.subject or "",),
        department.name if department else "",
    )
    text = short_lines(anonymise(entry.text or "", names))
    title = anonymise(entry.title, names)
    # Whom the entry is about stays named, unless it names its author ("tổ của Phạm Thị Lan").
    subject = anonymise(entry.subject or "", Names(author.full_name))
    if leaks(text + title + subject, [author.full_name]):  # never: every full name is replaced
        raise NotFound("contest.no_entry")
    return Reading(
        entry.code,
        subject,
        title,
        text,
        call.stage,
        sheet.id,
        sheet.submitted_at is not None,
    )


async def _all_sent(session: AsyncSession, call: ReviewCall) -> None:
    """Every sheet of the round is sent, but those of a judge who has left the school (the round
    goes on with the others' marks)."""
    active = await active_member_ids(session, call.org_id)
    missing = sum(
        1
        for s in await sheets(session, call.id, call.stage)
        if s.submitted_at is None and s.reviewer_id in active
    )
    if missing:
        raise Invalid("contest.sheets_missing", missing=missing)


async def close_first_round(
    session: AsyncSession, who: Actor, contest_id: int, texts: Texts, now: datetime
) -> tuple[str, ...]:
    """The first round is over: the best go on to the final and the judges get them again.
    Returns the finalists' codes, best first."""
    assert who.person is not None
    contest, call = await contest_of(session, who.org_id, contest_id)
    if phase(contest, call, now) != SCORING or call.stage != "so_khao":
        raise Invalid("contest.no_first_round")
    await _all_sent(session, call)
    first = await scores(session, call.id, call.stage)
    kept = finalists(first, contest.finalists)
    await advance(session, call=call, keep=kept, by=who.person.id, now=now)
    chosen = [await session.get_one(ReviewEntry, entry_id) for entry_id in kept]
    await _give_to_judges(session, contest, call, chosen, who.person.id, texts, now)
    return tuple(e.code for e in chosen)


@dataclass(frozen=True)
class Finished:
    """The contest's results: the prize list (tier, code, author, department, whom about,
    score)."""

    title: str
    prizes: tuple[tuple[str, str, str, str, str, str], ...]
    entries: int


async def finish(
    session: AsyncSession, who: Actor, contest_id: int, texts: Texts, now: datetime
) -> Finished:
    """The last round is over: prizes by tier from its scores, the entries decided, the call
    closed, the results announced to all staff."""
    assert who.person is not None
    contest, call = await contest_of(session, who.org_id, contest_id)
    if phase(contest, call, now) not in (SCORING, FINAL) or call.stage == "so_khao":
        raise Invalid("contest.not_last_round")
    await _all_sent(session, call)
    last = await scores(session, call.id, call.stage)
    prizes = {p.entry_id: p for p in allocate(last, tiers_of(contest), min_score=contest.min_score)}
    sent = await entries(session, call.id)
    authors = {
        p.id: p.full_name
        for p in await session.scalars(
            select(Person).where(Person.id.in_([e.author_id for e in sent]))
        )
    }
    departments = {d: n for d, n, _ in await departments_with_staff(session, who.org_id)}
    for entry in sent:
        prize = prizes.get(entry.id)
        entry.total = prize.score if prize else entry.total
        entry.tier = prize.tier if prize else None
        entry.passed = bool(prize and prize.tier)
        entry.status = EntryStatus.ACCEPTED if entry.passed else EntryStatus.REJECTED
        entry.decided_by, entry.decided_at = who.person.id, now
    contest.finished_at = now
    call.status, call.closed_at = CallStatus.CLOSED, now
    won = sorted(
        (e for e in sent if e.tier),
        key=lambda e: (prizes[e.id].rank, e.code),
    )
    rows = tuple(
        (
            str(e.tier),
            e.code,
            authors.get(e.author_id, ""),
            departments.get(e.department_id, "") if e.department_id else "",
            e.subject or "",
            score_text(e.total),
        )
        for e in won
    )
    for person in await active_people(session, who.org_id):
        outbox.enqueue_message(
            session,
            chat_id=person.tg_user_id,
            now=now,
            ref=f"contest:{contest.id}:results",
            text=texts.render(
                person.locale,
                "contest.results_notice",
                title=call.title,
                prizes=rows,
                entries=len(sent),
            ),
        )
    await audit.record(
        session,
        org_id=who.org_id,
        actor_id=who.person.id,
        action="contest.finish",
        target=f"contest:{contest.id}",
        now=now,
        prizes=[[r[0], r[1]] for r in rows],
    )
    return Finished(call.title, rows, len(sent))


def over(contest: Contest, call: ReviewCall, now: datetime) -> bool:
    """The results are out."""
    return phase(contest, call, now) == DONE


__all__ = ["DONE", "FINAL", "Finished", "JudgeItem", "Reading", "over"]
