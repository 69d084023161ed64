"""What a tally holds: plain data the services compute in SQL and the reports turn into files."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

# Statuses shown in tallies, in this order (a superseded version is not a story of its own).
STATUSES = ("pending", "approved", "rejected", "changes_requested", "withdrawn")


@dataclass(frozen=True)
class Scope:
    """What a tally covers: one campaign, or a period of the school calendar."""

    code: str  # m | s | y | r20240901-20250115 | c<id>
    kind: str  # month | semester | year | range | campaign
    start: date
    end: date
    semester: int = 0
    school_year: str = ""
    campaign_id: int | None = None
    campaign_name: str = ""
    launched_by: str = ""


@dataclass(frozen=True)
class DepartmentCount:
    """Approved stories of one department, absolute and per head."""

    name: str
    heads: int
    approved: int

    @property
    def per_head(self) -> float | None:
        """Approved stories per active member (None for a department with nobody in it)."""
        return self.approved / self.heads if self.heads else None


@dataclass(frozen=True)
class PersonCount:
    """A person and a count (stories written, or times named as the doer)."""

    name: str
    department: str
    count: int


@dataclass(frozen=True)
class LabelCount:
    """A label (a title, a month) and a count."""

    label: str
    count: int


@dataclass(frozen=True)
class JudgingCount:
    """One title of the school year's judging round: proposed to the council, passed."""

    title: str
    proposed: int
    passed: int
    final: bool  # the round's results are final


@dataclass(frozen=True)
class ReviewCount:
    """Initiatives (or contest entries) of one department in the school year's call."""

    department: str
    registered: int
    submitted: int  # the write-up is in (sent to review or further)
    scored: int  # every reviewer has scored (confirmed or not)
    recognised: int


@dataclass(frozen=True)
class PublicationCount:
    """The round's công khai: read receipts, objections, the window (None in a tally: not
    published)."""

    recipients: int
    read: int
    open: int  # objections waiting for an answer
    answered: int
    closes_on: date
    window_open: bool


@dataclass(frozen=True)
class HonourCount:
    """One title of the school year's honours list: how many were granted, by which decisions."""

    title: str
    granted: int
    decisions: tuple[str, ...]  # "125/QĐ-UBND (20/06/2027)"


@dataclass(frozen=True)
class ProposalCount:
    """Proposals of one form and level, by where they stand."""

    form: str
    level: str
    proposed: int
    confirmed: int
    declined: int


@dataclass(frozen=True)
class ProposalLine:
    """One commendation proposal, as the formal report lists it."""

    number: int
    nominee: str
    department: str
    achievement: str
    form: str
    level: str
    status: str
    proposed_by: str
    decided_at: datetime | None = None


@dataclass(frozen=True)
class Tally:
    """Every figure of one tally, computed by GROUP BY queries."""

    org_name: str
    scope: Scope
    by_status: dict[str, int]
    departments: list[DepartmentCount]
    top_authors: list[PersonCount]
    top_nominees: list[PersonCount]
    registrations: list[LabelCount]
    proposals: list[ProposalCount]
    by_month: list[LabelCount] = field(default_factory=list)
    judging: list[JudgingCount] = field(default_factory=list)
    initiatives: list[ReviewCount] = field(default_factory=list)  # by department
    publication: PublicationCount | None = None
    honours: list[HonourCount] = field(default_factory=list)

    @property
    def total(self) -> int:
        """All stories in scope (every status shown)."""
        return sum(self.by_status.get(s, 0) for s in STATUSES)

    @property
    def approved(self) -> int:
        """Approved stories in scope."""
        return self.by_status.get("approved", 0)


@dataclass(frozen=True)
class Column:
    """A column of an exported table: its Vietnamese header, its type, its width."""

    header: str
    kind: str = "text"  # text | user (user-supplied text) | int | float | datetime | date
    width: float = 14


@dataclass(frozen=True)
class Sheet:
    """One table to export: columns and rows (an iterable, so it can stream)."""

    name: str
    columns: Sequence[Column]
    rows: Iterable[Sequence[Any]]


@dataclass(frozen=True)
class ReportInfo:
    """What the formal report needs besides the tally."""

    org_name: str
    parent_name: str
    place: str
    chair_name: str
    today: date
    proposals: list[ProposalLine]
    pending_proposals: int
    recipients: list[str] = field(default_factory=list)
    signer_name: str = ""  # the school's setting; the chair's name when not set
