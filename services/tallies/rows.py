"""The rows of each exported sheet, pulled by SQL in the columns' order (reports/columns.py),
and streamed: a worker thread writing the file pulls them a partition at a time from a query
running on the event loop, so memory stays flat and other users are not kept waiting.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Iterable, Iterator, Sequence
from dataclasses import astuple
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    Date,
    Double,
    Integer,
    Select,
    String,
    and_,
    case,
    cast,
    func,
    or_,
    select,
    type_coerce,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from reports.columns import (
    ACTION_VI,
    AUDIT_COLUMNS,
    AUDIT_SHEET,
    CONSENT_GIVEN,
    CONSENT_MISSING,
    DEPARTMENT_COLUMNS,
    DEPARTMENTS_SHEET,
    HONOUR_COLUMNS,
    HONOURS_SHEET,
    INITIATIVE_COLUMNS,
    INITIATIVES_SHEET,
    JUDGING_COLUMNS,
    JUDGING_SHEET,
    KIND_VI,
    OUTCOMES,
    PEOPLE_SHEET,
    PERSON_COLUMNS,
    PROPOSAL_COLUMNS,
    PROPOSAL_VI,
    PROPOSALS_SHEET,
    REGISTRATION_COLUMNS,
    REGISTRATION_REF,
    REGISTRATIONS_SHEET,
    STATUS_VI,
    STORIES_SHEET,
    STORY_COLUMNS,
    STORY_REF,
    audit_row,
)
from reports.model import Scope, Sheet, Tally
from services.judging.decisions.honours import year_honours
from services.naming import sort_key
from services.tallies.figures import judging_round
from services.tallies.scope import proposals_in, registrations_in, stories_in, window
from storage.models import (
    AuditEntry,
    Campaign,
    Candidate,
    Department,
    DeptStatus,
    Membership,
    MemberStatus,
    NomineeKind,
    Org,
    Person,
    Proposal,
    Registration,
    Story,
    StoryStatus,
    Title,
)

CHUNK = 2000  # rows per partition pulled by the writer thread

# ---------------------------------------------------------------------------- moments

Moment = Callable[[Any], Any]  # what an export selects for a stored moment's column
DAY = 86_400
EXCEL_DAY_ZERO = date(1899, 12, 31)  # Excel's serial 0; it also counts 29/02/1900, hence +1


def as_stored(column: Any) -> Any:
    """The moment itself: an aware datetime, converted in Python (the CSV, the fallback)."""
    return column


def excel_serials(session: AsyncSession, scope: Scope, tz: ZoneInfo) -> Moment:
    """Stored moments as Excel serial numbers of the school's wall-clock time, made in SQL."""
    # No datetime is built per cell (the export's largest cost on SQLite was parsing, shifting
    # and converting them). The arithmetic is XlsxWriter's own (whole days since 31/12/1899, plus
    # seconds and microseconds over 86,400, plus one), in doubles, so each cell holds the very
    # number XlsxWriter writes for the datetime; the writer gives it the date format.
    if session.get_bind().dialect.name == "postgresql":
        zone = tz.key

        def postgresql(column: Any) -> Any:
            local = func.timezone(zone, column)
            second = func.extract("second", local)
            days = cast(local, Date) - EXCEL_DAY_ZERO
            seconds = (
                func.extract("hour", local) * 3600
                + func.extract("minute", local) * 60
                + func.floor(second)
            )
            micro = func.extract("microseconds", local) - func.floor(second) * 1_000_000
            return _serial(days, seconds, micro)

        return postgresql
    offset = _fixed_offset(scope, tz)
    if offset is None:  # SQLite stores naive UTC; a zone with summer time is left to Python
        return as_stored
    shift = offset + (date(1970, 1, 1) - EXCEL_DAY_ZERO).days * DAY

    def sqlite(column: Any) -> Any:
        # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff'; strftime would round the fraction to ms.
        local = cast(func.strftime("%s", func.substr(column, 1, 19)), Integer) + shift
        micro = cast(func.substr(column, 21, 6), Integer)
        return _serial(local // DAY, local % DAY, micro)

    return sqlite


def _serial(days: Any, seconds: Any, micro: Any) -> Any:
    """days + (seconds + micro / 1e6) / 86400 + 1, in doubles, in this order (as XlsxWriter)."""
    as_double = [cast(part, Double) for part in (days, seconds, micro)]
    return type_coerce(
        as_double[0] + (as_double[1] + as_double[2] / 1e6) / float(DAY) + 1, Double()
    )


def _fixed_offset(scope: Scope, tz: ZoneInfo) -> int | None:
    """The zone's UTC offset in seconds if constant a year around the scope, else None."""
    # Việt Nam's has been since 1975; a zone with summer time gets None (datetimes in Python).
    offsets = {
        datetime.combine(scope.start + timedelta(days=day), time(12), tz).utcoffset()
        for day in range(-366, (scope.end - scope.start).days + 367)
    }
    if len(offsets) != 1:
        return None
    offset = offsets.pop()
    return None if offset is None else int(offset.total_seconds())


# ---------------------------------------------------------------------------- the rows

Author, Nominee, Decider, Proposer = (aliased(Person) for _ in range(4))
AuthorDept = aliased(Department)


def story_rows(org_id: int, scope: Scope, tz: ZoneInfo, moment: Moment = as_stored) -> Select[Any]:
    """The stories sheet (and the CSV): one row per story in scope, labels in Vietnamese."""
    consent = case(
        (
            and_(
                Story.nominee_kind == NomineeKind.PUPIL,
                Story.pupil_consent.is_(True),
                or_(Story.child_consent.is_(None), Story.child_consent.is_(True)),
            ),
            CONSENT_GIVEN,
        ),
        (Story.nominee_kind == NomineeKind.PUPIL, CONSENT_MISSING),
        else_=None,
    )
    return (
        select(
            Story.id,
            moment(Story.submitted_at),
            Author.full_name,
            AuthorDept.name,
            func.coalesce(Nominee.full_name, Story.nominee_text),
            case(KIND_VI, value=Story.nominee_kind, else_=Story.nominee_kind),
            consent,
            Story.text,
            case(STATUS_VI, value=Story.status, else_=Story.status),
            Decider.full_name,
            moment(Story.decided_at),
            Story.reason,
            Campaign.name,
        )
        .select_from(Story)
        .join(Author, Author.id == Story.author_id)
        .outerjoin(AuthorDept, AuthorDept.id == Story.author_department_id)
        .outerjoin(Nominee, Nominee.id == Story.nominee_person_id)
        .outerjoin(Decider, Decider.id == Story.decided_by)
        .outerjoin(Campaign, Campaign.id == Story.campaign_id)
        .where(*stories_in(org_id, scope, tz))
        .order_by(Story.id)
    )


def registration_rows(
    org_id: int, scope: Scope, tz: ZoneInfo, moment: Moment = as_stored
) -> Select[Any]:
    """The registrations sheet: who registered for which title, and any withdrawal."""
    dept = (
        select(Department.name)
        .join(Membership, Membership.department_id == Department.id)
        .where(Membership.person_id == Person.id, Membership.org_id == org_id)
        .limit(1)
        .scalar_subquery()
    )
    return (
        select(
            Person.full_name,
            dept,
            Title.name,
            Campaign.name,
            moment(Registration.registered_at),
            moment(Registration.withdrawn_at),
        )
        .select_from(Registration)
        .join(Person, Person.id == Registration.person_id)
        .join(Title, Title.id == Registration.title_id)
        .join(Campaign, Campaign.id == Registration.campaign_id)
        .where(*registrations_in(org_id, scope, tz))
        .order_by(Title.name, Person.full_name, Registration.id)
    )


def proposal_rows(
    org_id: int, scope: Scope, tz: ZoneInfo, moment: Moment = as_stored
) -> Select[Any]:
    """The proposals sheet: every proposal in scope, where it stands and who decided."""
    nominee = aliased(Person)
    source = case(
        (Proposal.story_id.is_not(None), STORY_REF + cast(Proposal.story_id, String)),
        else_=REGISTRATION_REF,
    )
    return (
        select(
            Proposal.id,
            func.coalesce(nominee.full_name, Proposal.nominee_text),
            source,
            Proposal.form,
            Proposal.level,
            case(PROPOSAL_VI, value=Proposal.status, else_=Proposal.status),
            Proposer.full_name,
            moment(Proposal.proposed_at),
            Decider.full_name,
            moment(Proposal.decided_at),
            Proposal.reason,
        )
        .select_from(Proposal)
        .outerjoin(nominee, nominee.id == Proposal.person_id)
        .join(Proposer, Proposer.id == Proposal.proposed_by)
        .outerjoin(Decider, Decider.id == Proposal.decided_by)
        .where(*proposals_in(org_id, scope, tz))
        .order_by(Proposal.id)
    )


def audit_rows(org_id: int, scope: Scope, tz: ZoneInfo, moment: Moment = as_stored) -> Select[Any]:
    """The decisions log: approvals, rejections and proposals decided in the period (the
    transform `audit_row` labels them)."""
    since, until = window(scope, tz)
    return (
        select(
            moment(AuditEntry.at),
            Person.full_name,
            AuditEntry.action,
            AuditEntry.target,
            AuditEntry.details["reason"].as_string(),  # the database reads the JSON, not Python
        )
        .select_from(AuditEntry)
        .outerjoin(Person, Person.id == AuditEntry.actor_id)
        .where(
            AuditEntry.org_id == org_id,
            AuditEntry.action.in_(list(ACTION_VI)),
            AuditEntry.at >= since,
            AuditEntry.at < until,
        )
        .order_by(AuditEntry.at, AuditEntry.id)
    )


async def person_rows(
    session: AsyncSession, org_id: int, scope: Scope, tz: ZoneInfo
) -> list[tuple[Any, ...]]:
    """Per person: stories sent, approved, and times named as the doer (three GROUP BYs)."""
    where = stories_in(org_id, scope, tz)
    approved = case((Story.status == StoryStatus.APPROVED, 1), else_=0)
    written = {
        pid: (int(sent), int(ok or 0))
        for pid, sent, ok in (
            await session.execute(
                select(Story.author_id, func.count(), func.sum(approved))
                .where(*where)
                .group_by(Story.author_id)
            )
        ).all()
    }
    named = dict(
        (
            await session.execute(
                select(Story.nominee_person_id, func.count())
                .where(
                    *where,
                    Story.status == StoryStatus.APPROVED,
                    Story.nominee_person_id.is_not(None),
                )
                .group_by(Story.nominee_person_id)
            )
        ).all()
    )
    people = (
        await session.execute(
            select(
                Person.id, Person.full_name, Department.name, Membership.status, Department.position
            )
            .select_from(Membership)
            .join(Person, Person.id == Membership.person_id)
            .outerjoin(Department, Department.id == Membership.department_id)
            .where(Membership.org_id == org_id)
        )
    ).all()
    # Department by department in the school's order, then as schools list people: by given
    # name, in the Vietnamese alphabet (services/naming.py), not by the bytes of the full name.
    people = sorted(people, key=lambda p: (p[4] is None, p[4] or 0, p[2] or "", sort_key(p[1])))
    rows = []
    for pid, name, dept, status, _ in people:
        sent, ok = written.get(pid, (0, 0))
        nominated = int(named.get(pid, 0))
        if status == MemberStatus.ACTIVE or sent or nominated:
            rows.append((name, dept or "", sent, ok, nominated))
    return rows


class Pull(Iterable[Sequence[Any]]):
    """Rows of a query on the event loop, read from a worker thread one partition at a time."""

    def __init__(
        self,
        session: AsyncSession,
        statement: Select[Any],
        transform: Callable[[Sequence[Any]], Sequence[Any]] | None = None,
    ) -> None:
        self.loop = asyncio.get_running_loop()
        self.session = session
        self.statement = statement
        self.transform = transform

    async def _partitions(self) -> AsyncGenerator[Sequence[Sequence[Any]], None]:
        # Core rows (the session's connection, not the ORM's per-row loading): plain columns.
        connection = await self.session.connection()
        result = await connection.stream(self.statement.execution_options(yield_per=CHUNK))
        async for part in result.partitions(CHUNK):
            yield part if self.transform is None else [self.transform(r) for r in part]

    def __iter__(self) -> Iterator[Sequence[Any]]:
        partitions = self._partitions()

        async def following() -> Sequence[Sequence[Any]] | None:
            return await anext(partitions, None)

        try:
            while True:
                part = asyncio.run_coroutine_threadsafe(following(), self.loop).result()
                if part is None:
                    return
                yield from part
        finally:
            asyncio.run_coroutine_threadsafe(partitions.aclose(), self.loop).result()


async def sheets(
    session: AsyncSession,
    org: Org,
    scope: Scope,
    figures: Tally,
    tz: ZoneInfo,
    *,
    serials: bool = True,
) -> list[Sheet]:
    """The workbook's sheets: aggregates computed now, long tables streamed when written."""
    # Moments come as Excel serial numbers, or as datetimes when `serials` is false.
    people = await person_rows(session, org.id, scope, tz)
    moment = excel_serials(session, scope, tz) if serials else as_stored
    # A few rows a person (their titles): read at once, in the Vietnamese order of names.
    registrations = sorted(
        (await session.execute(registration_rows(org.id, scope, tz, moment))).all(),
        key=lambda r: (r[2], sort_key(r[0])),
    )
    return [
        Sheet(STORIES_SHEET, STORY_COLUMNS, Pull(session, story_rows(org.id, scope, tz, moment))),
        Sheet(
            DEPARTMENTS_SHEET,
            DEPARTMENT_COLUMNS,
            [(d.name, d.heads, d.approved, d.per_head) for d in figures.departments],
        ),
        Sheet(PEOPLE_SHEET, PERSON_COLUMNS, people),
        Sheet(REGISTRATIONS_SHEET, REGISTRATION_COLUMNS, registrations),
        Sheet(
            PROPOSALS_SHEET,
            PROPOSAL_COLUMNS,
            Pull(session, proposal_rows(org.id, scope, tz, moment)),
        ),
        Sheet(JUDGING_SHEET, JUDGING_COLUMNS, await judging_rows(session, org.id, scope)),
        Sheet(INITIATIVES_SHEET, INITIATIVE_COLUMNS, [astuple(c) for c in figures.initiatives]),
        Sheet(HONOURS_SHEET, HONOUR_COLUMNS, await honour_rows(session, org.id, scope)),
        Sheet(
            AUDIT_SHEET,
            AUDIT_COLUMNS,
            Pull(session, audit_rows(org.id, scope, tz, moment), audit_row),
        ),
    ]


async def judging_rows(session: AsyncSession, org_id: int, scope: Scope) -> list[tuple[Any, ...]]:
    """The school year's judging round: each candidate put to the council, with the count."""
    rnd = await judging_round(session, org_id, scope)
    if rnd is None:
        return []
    member_dept = aliased(Department)
    rows = (
        await session.execute(
            select(
                Candidate.title,
                func.coalesce(Person.full_name, Department.name),
                member_dept.name,
                Candidate.yes,
                Candidate.no,
                Candidate.base,
                Candidate.outcome,
            )
            .outerjoin(Person, Person.id == Candidate.person_id)
            .outerjoin(Department, Department.id == Candidate.department_id)
            .outerjoin(
                Membership,
                (Membership.person_id == Candidate.person_id) & (Membership.org_id == org_id),
            )
            .outerjoin(member_dept, member_dept.id == Membership.department_id)
            .where(Candidate.round_id == rnd.id, Candidate.dept_status == DeptStatus.PROPOSED)
        )
    ).all()
    order = {title: i for i, title in enumerate(rnd.titles)}
    return [
        (
            title,
            name,
            dept,
            yes,
            no,
            base,
            round(100 * yes / base, 2) if base and yes is not None else None,
            OUTCOMES.get(str(outcome), "") if outcome else "",
        )
        for title, name, dept, yes, no, base, outcome in sorted(
            rows, key=lambda r: (order.get(r[0], 99), sort_key(str(r[1])))
        )
    ]


async def honour_rows(session: AsyncSession, org_id: int, scope: Scope) -> list[tuple[Any, ...]]:
    """The school year's honours list: who got which title, by which decision."""
    rnd = await judging_round(session, org_id, scope)
    if rnd is None:
        return []
    return [
        (h.title, h.name, h.department, h.number, h.signed_on, h.signer)
        for h in await year_honours(session, org_id, rnd.year)
    ]
