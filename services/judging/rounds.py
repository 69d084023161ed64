"""A judging round: opened by the chair, its candidates gathered and listed with the conditions
they do not meet, its result list."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload

from services import audit, outbox
from services.base import UseCases
from services.calendar import school_year
from services.errors import AlreadyDone, NotAllowed, NotFound
from services.judging.achievements.asking import request_reports
from services.judging.common import (
    council_of,
    open_round,
    round_of,
    rules_of,
    school_rules,
    title_family,
)
from services.judging.facts import facts_for
from services.judging.rules import (
    Family,
    Warning,
    cap,
    check_collective,
    check_person,
    family,
)
from services.people import require_role
from storage.models import (
    Campaign,
    CampaignKind,
    Candidate,
    CandidateSource,
    Department,
    DeptStatus,
    JudgingRound,
    Meeting,
    MeetingStatus,
    Membership,
    MemberStatus,
    Org,
    Outcome,
    Proposal,
    ProposalStatus,
    Registration,
    Role,
    RoundStatus,
    Title,
)
from ui.buttons.departments import DeptReview


@dataclass(frozen=True)
class CandidateLine:
    """One candidate as the council sees it."""

    id: int
    name: str
    department: str
    person_id: int | None
    department_id: int | None
    source: str
    dept_status: str
    warnings: tuple[Warning, ...]
    outcome: str | None = None
    yes: int | None = None
    no: int | None = None
    base: int | None = None


@dataclass(frozen=True)
class TitleLines:
    """A title's candidates, with the title-wide notes (the cap on CSTĐCS)."""

    title: str
    family: str
    candidates: tuple[CandidateLine, ...]
    notes: tuple[Warning, ...] = ()

    @property
    def proposed(self) -> tuple[CandidateLine, ...]:
        """The candidates put to the council (their department proposed them, or no department
        needs to)."""
        return tuple(c for c in self.candidates if c.dept_status == DeptStatus.PROPOSED)

    @property
    def passed(self) -> tuple[CandidateLine, ...]:
        """Those the council's vote passed (đạt)."""
        return tuple(c for c in self.candidates if c.outcome == Outcome.PASSED)


@dataclass(frozen=True)
class RoundView:
    """A round as a council member sees it."""

    id: int
    name: str
    year_label: str
    status: str
    period_start: date
    period_end: date
    titles: tuple[TitleLines, ...]
    may_manage: bool  # the chair: schedule, close
    meeting_id: int | None = None
    meeting_status: str | None = None
    waiting_departments: tuple[str, ...] = field(default=())

    @property
    def last_day(self) -> date:
        """The period's last day (its end is the next school year's first)."""
        return self.period_end - timedelta(days=1)


async def _candidates(session: AsyncSession, round_id: int) -> Sequence[Candidate]:
    return (
        await session.scalars(
            select(Candidate)
            .options(joinedload(Candidate.person), joinedload(Candidate.department))
            .where(Candidate.round_id == round_id)
            .order_by(Candidate.title, Candidate.id)
        )
    ).all()


async def _departments_of(session: AsyncSession, org_id: int) -> dict[int, int | None]:
    """person_id → department_id of the school's active members."""
    rows = await session.execute(
        select(Membership.person_id, Membership.department_id).where(
            Membership.org_id == org_id, Membership.status == MemberStatus.ACTIVE
        )
    )
    return {person: dept for person, dept in rows}


async def warnings_of(
    session: AsyncSession, rnd: JudgingRound, settings: dict[str, Any], today: date
) -> tuple[dict[int, list[Warning]], dict[str, list[Warning]]]:
    """The conditions each candidate of the round does not meet ({candidate_id: warnings}) and
    the notes per title (the CSTĐCS cap), from the facts entered and the school's rules; service
    is counted up to today (or the period's end, once past)."""
    rules = rules_of(settings)
    until = min(rnd.period_end, today)
    facts = await facts_for(session, rnd.org_id, rnd.year)
    candidates = await _candidates(session, rnd.id)
    departments = await _departments_of(session, rnd.org_id)
    families = {c.title: title_family(settings, c.title) for c in candidates}
    proposed = [c for c in candidates if c.dept_status == DeptStatus.PROPOSED]
    ldtt_people = {c.person_id for c in proposed if families[c.title] == Family.LDTT}
    ldtt_failed = {
        c.person_id
        for c in candidates
        if families[c.title] == Family.LDTT and c.outcome not in (None, Outcome.PASSED)
    }
    ldtt_passed = sum(
        1 for c in candidates if families[c.title] == Family.LDTT and c.outcome == Outcome.PASSED
    )
    found: dict[int, list[Warning]] = {}
    for c in candidates:
        kind = families[c.title]
        if c.person_id is not None:
            warns = check_person(kind, facts.get(c.person_id), rules, period_end=until)
            if kind == Family.CSTDCS and (
                c.person_id not in ldtt_people or c.person_id in ldtt_failed
            ):
                warns.insert(0, Warning("not_ldtt"))
        else:
            members = [p for p, d in departments.items() if d == c.department_id]
            ldtt = sum(1 for p in members if p in ldtt_people)
            warns = check_collective([facts.get(p) for p in members], ldtt, rules)
        found[c.id] = warns
    notes: dict[str, list[Warning]] = defaultdict(list)
    for title, kind in families.items():
        if kind != Family.CSTDCS:
            continue
        base = ldtt_passed if ldtt_passed else len(ldtt_people)
        most = cap(base, rules.cstdcs_share)
        wanted = sum(1 for c in proposed if c.title == title)
        if wanted > most:
            notes[title].append(Warning("over_cap", {"cap": most, "share": rules.cstdcs_share}))
    return found, dict(notes)


def _line(c: Candidate, warnings: list[Warning]) -> CandidateLine:
    name = c.person.full_name if c.person else (c.department.name if c.department else "?")
    return CandidateLine(
        id=c.id,
        name=name,
        department=c.department.name if c.department and c.person else "",
        person_id=c.person_id,
        department_id=c.department_id,
        source=str(c.source),
        dept_status=str(c.dept_status),
        warnings=tuple(warnings),
        outcome=str(c.outcome) if c.outcome else None,
        yes=c.yes,
        no=c.no,
        base=c.base,
    )


async def round_view(
    session: AsyncSession, rnd: JudgingRound, *, may_manage: bool, today: date
) -> RoundView:
    """The round with its candidates by title (in the round's order), warnings computed now."""
    org = await session.get(Org, rnd.org_id)
    assert org is not None
    settings = await school_rules(session, org)
    live, notes = await warnings_of(session, rnd, settings, today)
    candidates = await _candidates(session, rnd.id)
    departments = {
        d.id: d.name
        for d in await session.scalars(select(Department).where(Department.org_id == rnd.org_id))
    }
    # A person's department now (a candidate row keeps only who they are).
    member_dept = await _departments_of(session, rnd.org_id)
    by_title: dict[str, list[CandidateLine]] = defaultdict(list)
    waiting: set[str] = set()
    for c in candidates:
        # Once voted, the warnings kept when the vote opened are the ones the minutes show.
        warns = [Warning.from_json(w) for w in c.warnings] if c.outcome else live[c.id]
        line = _line(c, warns)
        if c.person_id is not None:
            dept = member_dept.get(c.person_id)
            line = CandidateLine(
                **{**line.__dict__, "department": departments.get(dept, "") if dept else ""}
            )
            if c.dept_status == DeptStatus.WAITING:
                waiting.add(departments.get(dept, "") if dept else "")
        by_title[c.title].append(line)
    meeting = await session.scalar(
        select(Meeting)
        .where(Meeting.round_id == rnd.id, Meeting.status != MeetingStatus.CANCELLED)
        .order_by(Meeting.id.desc())
        .limit(1)
    )
    titles = tuple(
        TitleLines(
            title,
            str(title_family(settings, title)),
            tuple(by_title.get(title, ())),
            tuple(notes.get(title, ())),
        )
        for title in rnd.titles
    )
    return RoundView(
        id=rnd.id,
        name=rnd.name,
        year_label=f"{rnd.year}-{rnd.year + 1}",
        status=str(rnd.status),
        period_start=rnd.period_start,
        period_end=rnd.period_end,
        titles=titles,
        may_manage=may_manage,
        meeting_id=meeting.id if meeting else None,
        meeting_status=str(meeting.status) if meeting else None,
        waiting_departments=tuple(sorted(waiting)),
    )


async def gather(session: AsyncSession, rnd: JudgingRound, now: datetime) -> int:
    """Add the round's candidates from the title registrations of its school year and from the
    council's proposals of a title (thành tích đột xuất); returns how many were added."""
    start = datetime.combine(rnd.period_start, datetime.min.time()).replace(tzinfo=now.tzinfo)
    active = {
        p
        for (p,) in await session.execute(
            select(Membership.person_id).where(
                Membership.org_id == rnd.org_id, Membership.status == MemberStatus.ACTIVE
            )
        )
    }
    have = {
        (c.title, c.person_id, c.department_id)
        for c in await session.scalars(select(Candidate).where(Candidate.round_id == rnd.id))
    }
    titles = set(rnd.titles)
    added = 0

    def add(title: str, person_id: int, source: CandidateSource, source_id: int, st: str) -> None:
        nonlocal added
        if title not in titles or person_id not in active or (title, person_id, None) in have:
            return
        have.add((title, person_id, None))
        session.add(
            Candidate(
                round_id=rnd.id,
                title=title,
                person_id=person_id,
                source=source,
                source_id=source_id,
                dept_status=st,
                added_at=now,
                warnings=[],
            )
        )
        added += 1

    registrations = await session.execute(
        select(Registration.id, Registration.person_id, Title.name)
        .join(Campaign, Campaign.id == Registration.campaign_id)
        .join(Title, Title.id == Registration.title_id)
        .where(
            Campaign.org_id == rnd.org_id,
            Campaign.kind == CampaignKind.REGISTRATION,
            Campaign.ends_at >= start,
            Registration.withdrawn_at.is_(None),
        )
        .order_by(Registration.id)
    )
    # Chiến sĩ thi đua cơ sở is chosen among Lao động tiên tiến: who registers the first is a
    # candidate for the second too.
    ldtt = next((t for t in rnd.titles if family(t, ()) == Family.LDTT), None)
    for reg_id, person_id, title in registrations:
        if ldtt is not None and family(title, ()) == Family.CSTDCS:
            add(ldtt, person_id, CandidateSource.REGISTRATION, reg_id, DeptStatus.WAITING)
        add(title, person_id, CandidateSource.REGISTRATION, reg_id, DeptStatus.WAITING)
    proposals = await session.execute(
        select(Proposal.id, Proposal.person_id, Proposal.form)
        .where(
            Proposal.org_id == rnd.org_id,
            Proposal.person_id.is_not(None),
            Proposal.status.in_([ProposalStatus.PROPOSED, ProposalStatus.CONFIRMED]),
            Proposal.proposed_at >= start,
        )
        .order_by(Proposal.id)
    )
    for proposal_id, nominee, form in proposals:
        assert nominee is not None
        add(form, nominee, CandidateSource.PROPOSAL, proposal_id, DeptStatus.PROPOSED)
    await session.flush()
    return added


@dataclass(frozen=True)
class Opened:
    """A round just opened, and who was told."""

    view: RoundView
    added: int
    heads_told: int


class Rounds(UseCases):
    """The chair opens a round; the council sees its candidates; the chair closes it."""

    def _today(self) -> date:
        return self.now().astimezone(self.env.tz).date()

    async def open(self, *, tg_user_id: int) -> Opened:
        """The chair opens the judging round of the current school year, for the school's
        titles; candidates come from the year's registrations and title proposals; department
        heads are asked to propose theirs."""
        now = self.now()
        async with self.env.sessions() as session:
            who = await require_role(
                session, tg_user_id, {Role.CHAIR}, refusal="judging.chair_only"
            )
            org = await session.get(Org, who.org_id)
            assert org is not None and who.person is not None
            if await open_round(session, org.id) is not None:
                raise AlreadyDone("judging.round_exists")
            settings = await school_rules(session, org)
            period = school_year(now.astimezone(self.env.tz).date(), org.school_year_start)
            titles = [
                t.name
                for t in await session.scalars(
                    select(Title)
                    .where(Title.org_id == org.id, Title.active.is_(True))
                    .order_by(Title.for_department, Title.id)
                )
            ] or list(settings["lists.titles_individual"]) + list(
                settings["lists.titles_collective"]
            )
            rnd = JudgingRound(
                org_id=org.id,
                name=self.texts.plain("vi", "judging.round_name", year=period.label),
                year=period.start.year,
                period_start=period.start,
                period_end=period.end,
                titles=titles,
                status=RoundStatus.OPEN,
                created_by=who.person.id,
                created_at=now,
            )
            session.add(rnd)
            await session.flush()
            added = await gather(session, rnd, now)
            heads = (
                await session.scalars(
                    select(Membership)
                    .options(joinedload(Membership.person), joinedload(Membership.department))
                    .where(
                        Membership.org_id == org.id,
                        Membership.status == MemberStatus.ACTIVE,
                        Membership.heads_department.is_(True),
                        Membership.department_id.is_not(None),
                    )
                )
            ).all()
            for head in heads:
                locale = self.texts.locale(head.person.locale)
                outbox.enqueue_message(
                    session,
                    chat_id=head.person.tg_user_id,
                    text=self.texts.render(
                        locale,
                        "judging.heads_asked",
                        round=rnd.name,
                        department=head.department.name if head.department else "",
                    ),
                    buttons=[
                        [
                            (
                                self.texts.plain(locale, "judging.heads_button"),
                                DeptReview(rnd.id).pack(),
                            )
                        ]
                    ],
                    now=now,
                    ref=f"round:{rnd.id}:heads",
                )
            await audit.record(
                session,
                org_id=org.id,
                actor_id=who.person.id,
                action="round.open",
                target=f"round:{rnd.id}",
                now=now,
                titles=titles,
                candidates=added,
            )
            await session.commit()
            view = await round_view(session, rnd, may_manage=True, today=self._today())
            return Opened(view, added, len(heads))

    async def view(self, *, tg_user_id: int, round_id: int | None = None) -> RoundView:
        """A round of the member's school (None: the open one, else the newest)."""
        async with self.env.reading() as session:
            who = await council_of(session, tg_user_id)
            if round_id is not None:
                rnd = await round_of(session, who.org_id, round_id)
            else:
                found = await open_round(session, who.org_id) or await session.scalar(
                    select(JudgingRound)
                    .where(JudgingRound.org_id == who.org_id)
                    .order_by(JudgingRound.id.desc())
                    .limit(1)
                )
                if found is None:
                    raise NotFound("judging.no_round", may_open=who.role == Role.CHAIR)
                rnd = found
            return await round_view(
                session, rnd, may_manage=who.role == Role.CHAIR, today=self._today()
            )

    async def close(self, *, tg_user_id: int, round_id: int) -> RoundView:
        """The chair closes the round once its meeting has closed: the result list is final."""
        now = self.now()
        async with self.env.sessions() as session:
            who = await require_role(
                session, tg_user_id, {Role.CHAIR}, refusal="judging.chair_only"
            )
            rnd = await round_of(session, who.org_id, round_id)
            if rnd.status == RoundStatus.CLOSED:
                raise AlreadyDone("judging.round_closed")
            held = await session.scalar(
                select(Meeting.id).where(
                    Meeting.round_id == rnd.id, Meeting.status == MeetingStatus.CLOSED
                )
            )
            if held is None:
                raise NotAllowed("judging.close_needs_meeting")
            rnd.status, rnd.closed_at = RoundStatus.CLOSED, now
            for c in await session.scalars(
                select(Candidate).where(
                    Candidate.round_id == rnd.id,
                    Candidate.outcome.is_(None),
                    Candidate.dept_status == DeptStatus.PROPOSED,
                )
            ):
                c.outcome = Outcome.NOT_VOTED
            # The result is final: the nominees whose title needs a report are asked for it.
            await request_reports(session, rnd, self.texts, now)
            assert who.person is not None
            await audit.record(
                session,
                org_id=rnd.org_id,
                actor_id=who.person.id,
                action="round.close",
                target=f"round:{rnd.id}",
                now=now,
            )
            await session.commit()
            return await round_view(session, rnd, may_manage=True, today=self._today())
