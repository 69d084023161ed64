"""Tallies, exports and charts for the council: figures by GROUP BY, files built off the loop.

Every figure is an aggregate query (no story is loaded to be counted). Exports stream: the
workbook and the CSV are written in a worker thread that pulls rows, a partition at a time, from
a query running on the event loop, so memory stays flat and other users are not kept waiting.
"""

from __future__ import annotations

import asyncio
import tempfile
from collections.abc import AsyncGenerator, Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
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

from reports import periods
from reports.model import (
    Column,
    DepartmentCount,
    LabelCount,
    PersonCount,
    ProposalCount,
    ProposalLine,
    ReportInfo,
    Scope,
    Sheet,
    Tally,
)
from services import calendar
from services.base import UseCases
from services.errors import Invalid, NotAllowed, NotFound
from services.people import COUNCIL_ROLES, require_role
from storage.models import (
    AuditEntry,
    Campaign,
    Department,
    Membership,
    MemberStatus,
    NomineeKind,
    Org,
    Person,
    Proposal,
    ProposalStatus,
    Registration,
    Role,
    Story,
    StoryStatus,
    Title,
)

TOP = 5
CHUNK = 2000  # rows per partition pulled by the writer thread
SPOOL = 4 * 1024 * 1024  # exports larger than this go to a temporary file, not memory
EXCERPT = 150
NO_DEPARTMENT = "(chưa có tổ)"
STATUS_VI = {
    "pending": "Chờ xét",
    "approved": "Đã duyệt",
    "rejected": "Không duyệt",
    "changes_requested": "Yêu cầu bổ sung",
    "withdrawn": "Đã rút",
}
KIND_VI = {
    "self": "Chính người kể",
    "colleague": "Đồng nghiệp",
    "pupil": "Học sinh",
    "group": "Tập thể",
}
PROPOSAL_VI = {
    "proposed": "Chờ Chủ tịch xác nhận",
    "confirmed": "Đã xác nhận",
    "declined": "Không xác nhận",
}
ACTION_VI = {
    "story.approve": "Duyệt câu chuyện",
    "story.reject": "Không duyệt câu chuyện",
    "story.changes": "Yêu cầu bổ sung",
    "story.reopen": "Mở lại câu chuyện",
    "proposal.create": "Đề nghị khen thưởng",
    "proposal.confirm": "Xác nhận đề nghị",
    "proposal.decline": "Không xác nhận đề nghị",
}
ALIASES = {
    "m": "m",
    "month": "m",
    "thang": "m",
    "tháng": "m",
    "s": "s",
    "semester": "s",
    "hk": "s",
    "hocky": "s",
    "học kỳ": "s",
    "y": "y",
    "year": "y",
    "namhoc": "y",
    "năm học": "y",
}


@dataclass(frozen=True)
class CampaignChoice:
    """A campaign a tally can switch to."""

    id: int
    name: str


@dataclass(frozen=True)
class TallyResult:
    """A tally and the campaigns to offer as switches."""

    tally: Tally
    campaigns: list[CampaignChoice]


@dataclass
class ExportFile:
    """One document: its name and content (a file object at position 0; the caller closes)."""

    filename: str
    data: IO[bytes]
    rows: int


@dataclass
class ExportResult:
    """The documents of one export."""

    scope: Scope
    files: list[ExportFile]

    @property
    def rows(self) -> int:
        """Data rows written to the workbook."""
        return self.files[0].rows if self.files else 0

    def close(self) -> None:
        """Release the temporary files."""
        for file in self.files:
            file.data.close()


@dataclass(frozen=True)
class ChartResult:
    """A chart and what it covers."""

    scope: Scope
    png: bytes
    approved: int


# ---------------------------------------------------------------------------- who and what


async def _reader(session: AsyncSession, tg_user_id: int, chat_id: int) -> Org:
    """Council members read figures, in private or in their council group, nowhere else."""
    try:
        who = await require_role(session, tg_user_id, COUNCIL_ROLES)
    except NotAllowed as refusal:
        if refusal.key in ("errors.not_member", "errors.role_needed"):
            raise NotAllowed("reports.council_only") from None
        raise
    assert who.membership is not None
    org = who.membership.org
    if chat_id != tg_user_id and chat_id != org.council_chat_id:
        raise NotAllowed("reports.council_chat_only")
    return org


def scope_code(text: str) -> str:
    """What a person typed after /tally (tháng, học kỳ, năm học, or dates) as a scope code."""
    cleaned = " ".join(text.split()).lower()
    if not cleaned:
        return "y"
    if cleaned in ALIASES:
        return ALIASES[cleaned]
    try:
        return periods.parse_range(text).code
    except periods.BadPeriod:
        raise Invalid("reports.bad_period") from None


def _local_date(moment: datetime, tz: ZoneInfo) -> date:
    return moment.astimezone(tz).date()


async def _scope(session: AsyncSession, org: Org, code: str, tz: ZoneInfo, now: datetime) -> Scope:
    today = _local_date(now, tz)
    year = calendar.school_year(today, org.school_year_start)
    if code in ("m", "s", "y"):
        if code == "m":
            period, kind = calendar.month(today), "month"
        elif code == "s":
            period, kind = (
                calendar.semester(today, org.school_year_start, org.semester_boundary),
                "semester",
            )
        else:
            period, kind = year, "year"
        return Scope(
            code=code,
            kind=kind,
            start=period.start,
            end=period.end - timedelta(days=1),
            semester=(1 if period.start == year.start else 2) if kind == "semester" else 0,
            school_year=year.label,
        )
    if code.startswith("c") and code[1:].isdigit():
        campaign = await session.get(Campaign, int(code[1:]))
        if campaign is None or campaign.org_id != org.id:
            raise NotFound("errors.stale_button")
        start = _local_date(campaign.starts_at, tz)
        return Scope(
            code=code,
            kind="campaign",
            start=start,
            end=max(start, _local_date(campaign.ends_at, tz)),
            school_year=calendar.school_year(start, org.school_year_start).label,
            campaign_id=campaign.id,
            campaign_name=campaign.name,
            launched_by=campaign.launched_by,
        )
    try:
        typed = periods.from_code(code)
    except periods.BadPeriod:
        raise Invalid("reports.bad_period") from None
    return Scope(
        code=code,
        kind="range",
        start=typed.start,
        end=typed.end,
        school_year=calendar.school_year(typed.start, org.school_year_start).label,
    )


def _window(scope: Scope, tz: ZoneInfo) -> tuple[datetime, datetime]:
    start = datetime.combine(scope.start, time(), tz).astimezone(UTC)
    end = datetime.combine(scope.end + timedelta(days=1), time(), tz).astimezone(UTC)
    return start, end


def _stories_in(org_id: int, scope: Scope, tz: ZoneInfo) -> list[ColumnElement[bool]]:
    """The stories a scope covers: a campaign's, or those sent in the period (never superseded
    versions: the new version stands for them)."""
    where: list[ColumnElement[bool]] = [
        Story.org_id == org_id,
        Story.status != StoryStatus.SUPERSEDED,
    ]
    if scope.campaign_id is not None:
        where.append(Story.campaign_id == scope.campaign_id)
    else:
        since, until = _window(scope, tz)
        where += [Story.submitted_at >= since, Story.submitted_at < until]
    return where


def _registrations_in(org_id: int, scope: Scope, tz: ZoneInfo) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Campaign.org_id == org_id]
    if scope.campaign_id is not None:
        where.append(Registration.campaign_id == scope.campaign_id)
    else:
        since, until = _window(scope, tz)
        where += [Registration.registered_at >= since, Registration.registered_at < until]
    return where


def _proposals_in(org_id: int, scope: Scope, tz: ZoneInfo) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = [Proposal.org_id == org_id]
    if scope.campaign_id is not None:
        where.append(
            or_(
                Proposal.story_id.in_(
                    select(Story.id).where(Story.campaign_id == scope.campaign_id)
                ),
                Proposal.registration_id.in_(
                    select(Registration.id).where(Registration.campaign_id == scope.campaign_id)
                ),
            )
        )
    else:
        since, until = _window(scope, tz)
        where += [Proposal.proposed_at >= since, Proposal.proposed_at < until]
    return where


def _month_of(session: AsyncSession, column: Any, tz: ZoneInfo, at: datetime) -> Any:
    """'YYYY-MM' of a stored moment, in the school's zone, computed by the database."""
    if session.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone(tz.key, column), "YYYY-MM")
    # SQLite stores naive UTC: shift by the zone's offset (fixed for Việt Nam: no summer time).
    offset = at.astimezone(tz).utcoffset() or timedelta()
    return func.strftime("%Y-%m", column, f"{int(offset.total_seconds() // 60):+d} minutes")


Moment = Callable[[Any], Any]  # what an export selects for a stored moment's column
DAY = 86_400
EXCEL_DAY_ZERO = date(1899, 12, 31)  # Excel's serial 0; it also counts 29/02/1900, hence +1


def _as_stored(column: Any) -> Any:
    """The moment itself: an aware datetime, converted in Python (the CSV, the fallback)."""
    return column


def _excel_serials(session: AsyncSession, scope: Scope, tz: ZoneInfo) -> Moment:
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
        return _as_stored
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


# ---------------------------------------------------------------------------- the tally


async def _compute(
    session: AsyncSession, org: Org, scope: Scope, tz: ZoneInfo, now: datetime
) -> Tally:
    stories = _stories_in(org.id, scope, tz)
    approved = [*stories, Story.status == StoryStatus.APPROVED]

    by_status = {
        str(status): int(count)
        for status, count in (
            await session.execute(
                select(Story.status, func.count()).where(*stories).group_by(Story.status)
            )
        ).all()
    }

    heads = dict(
        (
            await session.execute(
                select(Membership.department_id, func.count())
                .where(Membership.org_id == org.id, Membership.status == MemberStatus.ACTIVE)
                .group_by(Membership.department_id)
            )
        ).all()
    )
    per_department = dict(
        (
            await session.execute(
                select(Story.author_department_id, func.count())
                .where(*approved)
                .group_by(Story.author_department_id)
            )
        ).all()
    )
    departments = [
        DepartmentCount(name, int(heads.get(dept_id, 0)), int(per_department.get(dept_id, 0)))
        for dept_id, name in (
            await session.execute(
                select(Department.id, Department.name)
                .where(Department.org_id == org.id)
                .order_by(Department.position, Department.name)
            )
        ).all()
    ]
    if per_department.get(None):
        departments.append(DepartmentCount(NO_DEPARTMENT, 0, int(per_department[None])))

    top_authors = await _top(session, org.id, Story.author_id, approved)
    top_nominees = await _top(
        session, org.id, Story.nominee_person_id, [*approved, Story.nominee_person_id.is_not(None)]
    )

    registrations = [
        LabelCount(name, int(count))
        for name, count in (
            await session.execute(
                select(Title.name, func.count())
                .select_from(Registration)
                .join(Title, Title.id == Registration.title_id)
                .join(Campaign, Campaign.id == Registration.campaign_id)
                .where(*_registrations_in(org.id, scope, tz), Registration.withdrawn_at.is_(None))
                .group_by(Title.name)
                .order_by(func.count().desc(), Title.name)
            )
        ).all()
    ]

    pivot: dict[tuple[str, str], dict[str, int]] = {}
    for form, level, status, count in (
        await session.execute(
            select(Proposal.form, Proposal.level, Proposal.status, func.count())
            .where(*_proposals_in(org.id, scope, tz))
            .group_by(Proposal.form, Proposal.level, Proposal.status)
        )
    ).all():
        pivot.setdefault((form, level), {})[str(status)] = int(count)
    proposals = [
        ProposalCount(
            form,
            level,
            counts.get(ProposalStatus.PROPOSED, 0),
            counts.get(ProposalStatus.CONFIRMED, 0),
            counts.get(ProposalStatus.DECLINED, 0),
        )
        for (form, level), counts in sorted(pivot.items())
    ]

    month = _month_of(session, Story.submitted_at, tz, now).label("month")
    months: dict[Any, Any] = dict(
        (await session.execute(select(month, func.count()).where(*approved).group_by(month))).all()
    )
    return Tally(
        org_name=org.name,
        scope=scope,
        by_status=by_status,
        departments=departments,
        top_authors=top_authors,
        top_nominees=top_nominees,
        registrations=registrations,
        proposals=proposals,
        by_month=_month_series(scope, {str(k): int(v) for k, v in months.items()}),
    )


async def _top(
    session: AsyncSession, org_id: int, who: Any, where: Sequence[ColumnElement[bool]]
) -> list[PersonCount]:
    """The people with the most approved stories by `who`, most first (ties by name)."""
    count = func.count().label("n")
    rows = (
        await session.execute(
            select(Person.id, Person.full_name, count)
            .select_from(Story)
            .join(Person, Person.id == who)
            .where(*where)
            .group_by(Person.id, Person.full_name)
            .order_by(count.desc(), Person.full_name, Person.id)
            .limit(TOP)
        )
    ).all()
    departments = await _departments_of(session, org_id, [r[0] for r in rows])
    return [PersonCount(name, departments.get(pid, ""), int(n)) for pid, name, n in rows]


async def _departments_of(
    session: AsyncSession, org_id: int, person_ids: Sequence[int]
) -> dict[int, str]:
    if not person_ids:
        return {}
    return dict(
        (
            await session.execute(
                select(Membership.person_id, Department.name)
                .join(Department, Department.id == Membership.department_id)
                .where(Membership.org_id == org_id, Membership.person_id.in_(person_ids))
            )
        ).all()
    )


def _month_series(scope: Scope, counts: dict[str, int]) -> list[LabelCount]:
    """Every month of the scope (zeros included), labelled mm/yyyy."""
    keys = set(counts)
    cursor = scope.start.replace(day=1)
    while cursor <= scope.end:
        keys.add(f"{cursor:%Y-%m}")
        cursor = (cursor + timedelta(days=32)).replace(day=1)
    return [LabelCount(f"{k[5:7]}/{k[:4]}", counts.get(k, 0)) for k in sorted(keys)]


async def _campaigns(
    session: AsyncSession, org_id: int, now: datetime, limit: int = 4
) -> list[CampaignChoice]:
    """The latest campaigns that have started (an upcoming one has nothing to count yet)."""
    rows = (
        await session.execute(
            select(Campaign.id, Campaign.name)
            .where(Campaign.org_id == org_id, Campaign.starts_at <= now)
            .order_by(Campaign.starts_at.desc(), Campaign.id.desc())
            .limit(limit)
        )
    ).all()
    return [CampaignChoice(int(i), name) for i, name in rows]


async def tally(
    session: AsyncSession,
    *,
    tg_user_id: int,
    chat_id: int,
    code: str,
    tz: ZoneInfo,
    now: datetime,
) -> TallyResult:
    """The council's figures for a campaign or a period (council, chair, vice-chair)."""
    org = await _reader(session, tg_user_id, chat_id)
    scope = await _scope(session, org, code, tz, now)
    return TallyResult(
        await _compute(session, org, scope, tz, now), await _campaigns(session, org.id, now)
    )


# ---------------------------------------------------------------------------- the exports

Author, Nominee, Decider, Proposer = (aliased(Person) for _ in range(4))
AuthorDept = aliased(Department)

STORY_COLUMNS = (
    Column("Mã", "int", 7),
    Column("Ngày gửi", "datetime", 16),
    Column("Người gửi", "user", 24),
    Column("Tổ", "user", 14),
    Column("Người, tập thể được nêu gương", "user", 28),
    Column("Đối tượng", "text", 14),
    Column("CMHS đồng ý công khai", "text", 12),
    Column("Nội dung", "user", 80),
    Column("Trạng thái", "text", 16),
    Column("Người xét", "user", 22),
    Column("Ngày xét", "datetime", 16),
    Column("Lý do", "user", 30),
    Column("Phong trào", "user", 30),
)


def _story_rows(
    org_id: int, scope: Scope, tz: ZoneInfo, moment: Moment = _as_stored
) -> Select[Any]:
    consent = case(
        (and_(Story.nominee_kind == NomineeKind.PUPIL, Story.pupil_consent.is_(True)), "Có"),
        (Story.nominee_kind == NomineeKind.PUPIL, "Chưa"),
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
        .where(*_stories_in(org_id, scope, tz))
        .order_by(Story.id)
    )


REGISTRATION_COLUMNS = (
    Column("Họ và tên", "user", 26),
    Column("Tổ", "user", 14),
    Column("Danh hiệu đăng ký", "user", 26),
    Column("Phong trào", "user", 34),
    Column("Ngày đăng ký", "datetime", 16),
    Column("Ngày rút", "datetime", 16),
)


def _registration_rows(
    org_id: int, scope: Scope, tz: ZoneInfo, moment: Moment = _as_stored
) -> Select[Any]:
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
        .where(*_registrations_in(org_id, scope, tz))
        .order_by(Title.name, Person.full_name, Registration.id)
    )


PROPOSAL_COLUMNS = (
    Column("Mã", "int", 7),
    Column("Cá nhân, tập thể", "user", 28),
    Column("Căn cứ", "user", 24),
    Column("Hình thức", "user", 30),
    Column("Cấp khen", "user", 14),
    Column("Trạng thái", "text", 20),
    Column("Người đề nghị", "user", 22),
    Column("Ngày đề nghị", "datetime", 16),
    Column("Người quyết định", "user", 22),
    Column("Ngày quyết định", "datetime", 16),
    Column("Lý do", "user", 30),
)


def _proposal_rows(
    org_id: int, scope: Scope, tz: ZoneInfo, moment: Moment = _as_stored
) -> Select[Any]:
    nominee = aliased(Person)
    source = case(
        (Proposal.story_id.is_not(None), "Câu chuyện #" + cast(Proposal.story_id, String)),
        else_="Đăng ký danh hiệu",
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
        .where(*_proposals_in(org_id, scope, tz))
        .order_by(Proposal.id)
    )


AUDIT_COLUMNS = (
    Column("Thời điểm", "datetime", 16),
    Column("Người thực hiện", "user", 24),
    Column("Việc", "text", 24),
    Column("Đối tượng", "text", 16),
    Column("Lý do", "user", 40),
)


def _audit_rows(
    org_id: int, scope: Scope, tz: ZoneInfo, moment: Moment = _as_stored
) -> Select[Any]:
    since, until = _window(scope, tz)
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


def _audit_row(row: Sequence[Any]) -> tuple[Any, ...]:
    at, actor_name, action, target, reason = row
    kind, _, number = str(target).partition(":")
    label = {"story": "Câu chuyện", "proposal": "Đề nghị"}.get(kind, kind)
    return (at, actor_name, ACTION_VI.get(action, action), f"{label} #{number}", reason)


PERSON_COLUMNS = (
    Column("Họ và tên", "user", 26),
    Column("Tổ", "user", 14),
    Column("Câu chuyện đã gửi", "int", 12),
    Column("Đã duyệt", "int", 10),
    Column("Được nêu gương (đã duyệt)", "int", 14),
)
DEPARTMENT_COLUMNS = (
    Column("Tổ chuyên môn", "user", 24),
    Column("Số người", "int", 10),
    Column("Câu chuyện đã duyệt", "int", 14),
    Column("Bình quân/người", "float", 14),
)


async def _person_rows(
    session: AsyncSession, org_id: int, scope: Scope, tz: ZoneInfo
) -> list[tuple[Any, ...]]:
    """Per person: stories sent, approved, and times named as the doer (three GROUP BYs)."""
    where = _stories_in(org_id, scope, tz)
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
            select(Person.id, Person.full_name, Department.name, Membership.status)
            .select_from(Membership)
            .join(Person, Person.id == Membership.person_id)
            .outerjoin(Department, Department.id == Membership.department_id)
            .where(Membership.org_id == org_id)
            .order_by(Department.position, Person.full_name, Person.id)
        )
    ).all()
    rows = []
    for pid, name, dept, status in people:
        sent, ok = written.get(pid, (0, 0))
        nominated = int(named.get(pid, 0))
        if status == MemberStatus.ACTIVE or sent or nominated:
            rows.append((name, dept or "", sent, ok, nominated))
    return rows


class _Pull(Iterable[Sequence[Any]]):
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


def _slug(scope: Scope) -> str:
    if scope.kind == "campaign":
        return f"phong-trao-{scope.campaign_id}"
    if scope.kind == "year":
        return f"nam-hoc-{scope.school_year}"
    if scope.kind == "semester":
        return f"hoc-ky-{scope.semester}-{scope.school_year}"
    if scope.kind == "month":
        return f"thang-{scope.start:%m-%Y}"
    return f"{scope.start:%Y%m%d}-{scope.end:%Y%m%d}"


async def report_info(
    session: AsyncSession, org: Org, scope: Scope, tz: ZoneInfo, now: datetime
) -> ReportInfo:
    """What the formal report needs beyond the figures: the chair, the confirmed proposals."""
    chair = await session.scalar(
        select(Person.full_name)
        .join(Membership, Membership.person_id == Person.id)
        .where(
            Membership.org_id == org.id,
            Membership.role == Role.CHAIR,
            Membership.status == MemberStatus.ACTIVE,
        )
        .limit(1)
    )
    nominee, author_dept, nominee_dept = aliased(Person), aliased(Department), aliased(Department)
    nominee_membership = aliased(Membership)
    rows = (
        await session.execute(
            select(
                Proposal.id,
                nominee.full_name,
                Proposal.nominee_text,
                nominee_dept.name,
                author_dept.name,
                Story.id,
                Story.text,
                Story.nominee_kind,
                Story.pupil_consent,
                Title.name,
                Proposal.form,
                Proposal.level,
                Proposal.status,
                Proposer.full_name,
                Proposal.decided_at,
            )
            .select_from(Proposal)
            .outerjoin(nominee, nominee.id == Proposal.person_id)
            .outerjoin(
                nominee_membership,
                and_(
                    nominee_membership.person_id == Proposal.person_id,
                    nominee_membership.org_id == org.id,
                ),
            )
            .outerjoin(nominee_dept, nominee_dept.id == nominee_membership.department_id)
            .outerjoin(Story, Story.id == Proposal.story_id)
            .outerjoin(author_dept, author_dept.id == Story.author_department_id)
            .outerjoin(Registration, Registration.id == Proposal.registration_id)
            .outerjoin(Title, Title.id == Registration.title_id)
            .join(Proposer, Proposer.id == Proposal.proposed_by)
            .where(
                *_proposals_in(org.id, scope, tz),
                Proposal.status.in_([ProposalStatus.CONFIRMED, ProposalStatus.PROPOSED]),
            )
            .order_by(Proposal.id)
        )
    ).all()
    confirmed: list[ProposalLine] = []
    pending = 0
    for row in rows:
        (_, person, nominee_text, person_dept, story_dept, story_id, text, kind, consent) = row[:9]
        title, form, level, status, proposer, decided_at = row[9:]
        if status != ProposalStatus.CONFIRMED:
            pending += 1
            continue
        hidden = kind == NomineeKind.PUPIL and not consent
        if story_id is not None:
            excerpt = text if len(text) <= EXCERPT else text[: EXCERPT - 1] + "…"
            achievement = f"Câu chuyện #{story_id}" + ("" if hidden else f": {excerpt}")
        else:
            achievement = f"Đăng ký danh hiệu {title or ''}".strip()
        name = person or nominee_text or ""
        if hidden:
            # Nghị định 13/2023: a pupil's details leave the council only with consent.
            name = "Học sinh (ẩn danh: chưa có đồng ý của CMHS)"
        confirmed.append(
            ProposalLine(
                number=len(confirmed) + 1,
                nominee=name,
                department=person_dept or story_dept or "",
                achievement=achievement,
                form=form,
                level=level,
                status=str(status),
                proposed_by=proposer,
                decided_at=decided_at,
            )
        )
    return ReportInfo(
        org_name=org.name,
        parent_name=org.parent_name or "",
        place=org.place or "",
        chair_name=chair or "",
        today=_local_date(now, tz),
        proposals=confirmed,
        pending_proposals=pending,
        recipients=[org.parent_name] if org.parent_name else [],
    )


async def check(
    session: AsyncSession,
    *,
    tg_user_id: int,
    chat_id: int,
    code: str,
    tz: ZoneInfo,
    now: datetime,
) -> Scope:
    """Refuse early (before a progress message is shown); the scope an export would cover."""
    org = await _reader(session, tg_user_id, chat_id)
    return await _scope(session, org, code, tz, now)


def _spool() -> IO[bytes]:
    return tempfile.SpooledTemporaryFile(max_size=SPOOL)  # the caller closes it


async def _sheets(
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
    people = await _person_rows(session, org.id, scope, tz)
    moment = _excel_serials(session, scope, tz) if serials else _as_stored
    return [
        Sheet("Câu chuyện", STORY_COLUMNS, _Pull(session, _story_rows(org.id, scope, tz, moment))),
        Sheet(
            "Theo tổ",
            DEPARTMENT_COLUMNS,
            [(d.name, d.heads, d.approved, d.per_head) for d in figures.departments],
        ),
        Sheet("Theo cá nhân", PERSON_COLUMNS, people),
        Sheet(
            "Đăng ký danh hiệu",
            REGISTRATION_COLUMNS,
            _Pull(session, _registration_rows(org.id, scope, tz, moment)),
        ),
        Sheet(
            "Đề nghị khen thưởng",
            PROPOSAL_COLUMNS,
            _Pull(session, _proposal_rows(org.id, scope, tz, moment)),
        ),
        Sheet(
            "Nhật ký quyết định",
            AUDIT_COLUMNS,
            _Pull(session, _audit_rows(org.id, scope, tz, moment), _audit_row),
        ),
    ]


async def workbook(
    session: AsyncSession,
    *,
    tg_user_id: int,
    chat_id: int,
    code: str,
    tz: ZoneInfo,
    now: datetime,
    out: IO[bytes],
) -> int:
    """Only the XLSX workbook, written to `out` off the loop; returns its data rows."""
    from reports.xlsx import write_xlsx

    org = await _reader(session, tg_user_id, chat_id)
    scope = await _scope(session, org, code, tz, now)
    figures = await _compute(session, org, scope, tz, now)
    sheets = await _sheets(session, org, scope, figures, tz)
    return await asyncio.to_thread(write_xlsx, out, sheets, tz)


async def export(
    session: AsyncSession,
    *,
    tg_user_id: int,
    chat_id: int,
    code: str,
    tz: ZoneInfo,
    now: datetime,
    template: Any = None,
) -> ExportResult:
    """The XLSX workbook, the CSV of stories and the formal report, for a campaign or period."""
    from reports.csv_export import write_csv
    from reports.docx_report import render_docx
    from reports.xlsx import write_xlsx

    org = await _reader(session, tg_user_id, chat_id)
    scope = await _scope(session, org, code, tz, now)
    figures = await _compute(session, org, scope, tz, now)
    info = await report_info(session, org, scope, tz, now)
    sheets = await _sheets(session, org, scope, figures, tz)
    stories_csv = Sheet("Câu chuyện", STORY_COLUMNS, _Pull(session, _story_rows(org.id, scope, tz)))
    slug = _slug(scope)

    def build() -> list[ExportFile]:
        files: list[ExportFile] = []
        try:
            book = _spool()
            files.append(ExportFile(f"thi-dua-{slug}.xlsx", book, 0))
            files[-1].rows = write_xlsx(book, sheets, tz)
            table = _spool()
            files.append(ExportFile(f"cau-chuyen-{slug}.csv", table, 0))
            files[-1].rows = write_csv(table, stories_csv, tz)
            document = _spool()
            files.append(ExportFile(f"bao-cao-{slug}.docx", document, 1))
            document.write(render_docx(figures, info, template))
        except BaseException:
            for file in files:
                file.data.close()
            raise
        for file in files:
            file.data.seek(0)
        return files

    return ExportResult(scope, await asyncio.to_thread(build))


async def chart(
    session: AsyncSession,
    *,
    tg_user_id: int,
    chat_id: int,
    code: str,
    tz: ZoneInfo,
    now: datetime,
    title: Callable[[Scope], str],
    labels: dict[str, str] | None = None,
) -> ChartResult:
    """Approved stories per department and per month, as a PNG."""
    from reports.charts import chart_png

    org = await _reader(session, tg_user_id, chat_id)
    scope = await _scope(session, org, code, tz, now)
    figures = await _compute(session, org, scope, tz, now)
    png = await asyncio.to_thread(
        chart_png, figures.departments, figures.by_month, title=title(scope), **(labels or {})
    )
    return ChartResult(scope, png, figures.approved)


class Tallies(UseCases):
    """Tallies, exports and charts."""
