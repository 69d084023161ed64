"""The data model: organisations, people, memberships, conversations, audit, outbox."""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every engine (SQLite has no time zones, so store naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; pass an aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    """Declarative base with one naming convention, so Alembic names constraints predictably."""

    type_annotation_map: ClassVar[dict[Any, Any]] = {
        datetime: UTCDateTime(),
        dict[str, Any]: JSON(),
    }


Base.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Role(StrEnum):
    """A member's role in one organisation's council work."""

    CHAIR = "chair"
    VICE_CHAIR = "vice_chair"
    COUNCIL = "council"
    STAFF = "staff"


class MemberStatus(StrEnum):
    """Where a membership stands."""

    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"
    LEFT = "left"


class OutboxStatus(StrEnum):
    """Where one outgoing message stands."""

    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"  # gave up after retries, or Telegram refused the content
    UNREACHABLE = "unreachable"  # blocked, chat not found, kicked: never retried
    CANCELLED = "cancelled"  # its broadcast was stopped before it was sent


# Forms of commendation a council proposes, each with the level that usually awards it: the
# sample plan's list, with the district's certificate moved to the ward/commune (two-tier local
# government since 1/7/2025). A school setting: the chair edits it, code never relies on it.
DEFAULT_FORMS: tuple[dict[str, str], ...] = (
    {"name": "Giấy khen của Hiệu trưởng", "level": "Trường"},
    {"name": "Giấy khen của Chủ tịch UBND phường/xã", "level": "Phường/Xã"},
    {"name": "Bằng khen của Chủ tịch UBND thành phố", "level": "Thành phố"},
)


def default_forms() -> list[dict[str, str]]:
    """A fresh copy of the default commendation forms (a new school starts with these)."""
    return [dict(form) for form in DEFAULT_FORMS]


class Org(Base):
    """An organisation: a school, or a level above schools (ward, city department)."""

    __tablename__ = "orgs"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"))
    invite_code: Mapped[str] = mapped_column(String(40), unique=True)
    chair_code: Mapped[str | None] = mapped_column(String(40), unique=True)
    council_chat_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    created_at: Mapped[datetime]
    # School settings (labelled defaults, editable; never constants in code).
    place: Mapped[str | None] = mapped_column(String(80))  # "Long Biên" in report dates
    parent_name: Mapped[str | None] = mapped_column(String(200))  # body above, in reports
    school_year_start: Mapped[str] = mapped_column(String(5), default="09-05")  # mm-dd
    semester_boundary: Mapped[str] = mapped_column(String(5), default="01-15")  # mm-dd
    levels: Mapped[list[str]] = mapped_column(JSON, default=list)  # who launches movements
    channel_chat_id: Mapped[int | None] = mapped_column(BigInteger)  # where stories are published
    pending_reminder_days: Mapped[int] = mapped_column(Integer, default=3)
    # [{"name": "Giấy khen của Hiệu trưởng", "level": "Trường"}, ...]: see DEFAULT_FORMS.
    commendation_forms: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=default_forms)

    parent: Mapped[Org | None] = relationship(remote_side="Org.id")


class Department(Base):
    """A department (tổ chuyên môn) of an organisation; tallies go by department."""

    __tablename__ = "departments"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    position: Mapped[int] = mapped_column(Integer, default=0)


class Address(StrEnum):
    """How the school addresses a person: "thầy" (a man) or "cô" (a woman)."""

    THAY = "thay"
    CO = "co"


class Person(Base):
    """A human known by their Telegram account."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    tg_user_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    full_name: Mapped[str] = mapped_column(String(120))
    # Asked at joining; None (not asked yet): greeted neutrally as "Thầy/Cô <full name>".
    address: Mapped[Address | None] = mapped_column(String(8))
    locale: Mapped[str | None] = mapped_column(String(8))
    current_org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"))
    created_at: Mapped[datetime]


class Membership(Base):
    """A person's place in an organisation: role, department, status."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("org_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    role: Mapped[Role] = mapped_column(String(16), default=Role.STAFF)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    status: Mapped[MemberStatus] = mapped_column(String(16), default=MemberStatus.PENDING)
    heads_department: Mapped[bool] = mapped_column(default=False)  # tổ trưởng of department_id
    requested_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    org: Mapped[Org] = relationship()
    department: Mapped[Department | None] = relationship()


class OrgSetting(Base):
    """One of a school's settings that has no column of its own (services/school/defaults.toml
    lists them all, with their defaults); a row exists once the school changed the default."""

    __tablename__ = "org_settings"
    __table_args__ = (UniqueConstraint("org_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    key: Mapped[str] = mapped_column(String(64))
    value: Mapped[Any] = mapped_column(JSON, nullable=True)
    updated_at: Mapped[datetime]


class Conversation(Base):
    """The step a user is at in a guided dialogue, and its draft; one row per chat and user."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("chat_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    user_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    step: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]


class AuditEntry(Base):
    """Who did what, when, to what: the public, fair record the plan asks for."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int | None] = mapped_column(ForeignKey("orgs.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    action: Mapped[str] = mapped_column(String(40))
    target: Mapped[str] = mapped_column(String(80))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime]


class OutboxMessage(Base):
    """One message to deliver (or edit), written in the transaction that decided to send it."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "not_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    # send_message | edit_message_text
    method: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # A label to find this message again, e.g. "join:12" for the notices about join request 12.
    ref: Mapped[str | None] = mapped_column(String(80), index=True)
    status: Mapped[OutboxStatus] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime]
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    claimed_until: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    tg_message_id: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class StoryStatus(StrEnum):
    """Where a good-deed story stands."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CHANGES = "changes_requested"
    WITHDRAWN = "withdrawn"
    SUPERSEDED = "superseded"  # the author sent an edited version after "ask for changes"


class NomineeKind(StrEnum):
    """Who did the good deed."""

    SELF = "self"
    COLLEAGUE = "colleague"
    PUPIL = "pupil"
    GROUP = "group"


class Story(Base):
    """A good-deed story (người tốt, việc tốt) sent to the council."""

    __tablename__ = "stories"
    __table_args__ = (
        Index("ix_stories_org_status", "org_id", "status"),
        Index("ix_stories_org_submitted", "org_id", "submitted_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    author_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    text: Mapped[str] = mapped_column(Text)
    nominee_kind: Mapped[NomineeKind] = mapped_column(String(16))
    nominee_person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    nominee_text: Mapped[str | None] = mapped_column(String(200))
    pupil_consent: Mapped[bool] = mapped_column(default=False)  # the pupil's parents agreed
    # The pupil's own consent, asked when they are at or above the school's consent age
    # (rules.pupil_consent_age); None: not asked (younger, or not a pupil).
    child_consent: Mapped[bool | None] = mapped_column()
    status: Mapped[StoryStatus] = mapped_column(String(20), default=StoryStatus.PENDING)
    previous_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id"))
    submitted_at: Mapped[datetime]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)
    council_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    published_at: Mapped[datetime | None]

    author: Mapped[Person] = relationship(foreign_keys=[author_id])
    nominee: Mapped[Person | None] = relationship(foreign_keys=[nominee_person_id])
    decider: Mapped[Person | None] = relationship(foreign_keys=[decided_by])
    department: Mapped[Department | None] = relationship()
    photos: Mapped[list[StoryPhoto]] = relationship(order_by="StoryPhoto.position")


class StoryPhoto(Base):
    """A photo of a story, kept as Telegram's file id (the bot re-sends it by id)."""

    __tablename__ = "story_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    story_id: Mapped[int] = mapped_column(ForeignKey("stories.id"), index=True)
    file_id: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)


DEFAULT_LEVELS = ("Trung ương", "Thành phố", "Sở GD&ĐT", "Phường/Xã", "Công đoàn", "Trường")


class CampaignKind(StrEnum):
    """Who takes part in a campaign and what counts as done."""

    GOOD_DEEDS = "good_deeds"  # all active staff; done = at least one story attached
    REGISTRATION = "registration"  # staff register a title; done = registered
    OPT_IN = "opt_in"  # staff join with a button; done = at least one story attached


class CampaignStatus(StrEnum):
    """Where a campaign stands."""

    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"


class Campaign(Base):
    """An emulation movement (phong trào thi đua) or drive, with its period and reminders."""

    __tablename__ = "campaigns"
    __table_args__ = (Index("ix_campaigns_org_status", "org_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    launched_by: Mapped[str] = mapped_column(String(80))
    kind: Mapped[CampaignKind] = mapped_column(String(16))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    reminder_days: Mapped[list[int]] = mapped_column(JSON, default=list)
    status: Mapped[CampaignStatus] = mapped_column(String(16), default=CampaignStatus.SCHEDULED)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class Title(Base):
    """An emulation title a school offers (e.g. Lao động tiên tiến); the chair edits the list."""

    __tablename__ = "titles"
    __table_args__ = (UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    for_department: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)


class Registration(Base):
    """A staff member's registration for a title in a registration campaign."""

    __tablename__ = "registrations"
    __table_args__ = (UniqueConstraint("campaign_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    title_id: Mapped[int] = mapped_column(ForeignKey("titles.id"))
    registered_at: Mapped[datetime]
    withdrawn_at: Mapped[datetime | None]


class Participation(Base):
    """A staff member who joined an opt-in campaign."""

    __tablename__ = "participations"
    __table_args__ = (UniqueConstraint("campaign_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    joined_at: Mapped[datetime]
    left_at: Mapped[datetime | None]


class NoticeStatus(StrEnum):
    """Where a scheduled notice stands."""

    PENDING = "pending"
    DONE = "done"  # fanned out into the outbox, in the same transaction as this status
    SKIPPED = "skipped"  # fell due while the bot was down and is no longer meaningful
    CANCELLED = "cancelled"  # its campaign was closed or changed


class Notice(Base):
    """A scheduled notice; the database, not the scheduler's memory, is the truth of what is due."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_due", "status", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(120), unique=True)  # e.g. "campaign:5:reminder:7"
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    campaign_id: Mapped[int | None] = mapped_column(ForeignKey("campaigns.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # launch | reminder | closing | digest | stale
    due_at: Mapped[datetime]
    stale_after: Mapped[datetime | None]  # past this, skip rather than send late
    status: Mapped[NoticeStatus] = mapped_column(String(16), default=NoticeStatus.PENDING)
    sent_at: Mapped[datetime | None]
    recipients: Mapped[int | None] = mapped_column(Integer)
    payload: Mapped[dict[str, Any]] = mapped_column(default=dict)


class BroadcastStatus(StrEnum):
    """Where a broadcast stands."""

    SENDING = "sending"
    DONE = "done"
    CANCELLED = "cancelled"


class Broadcast(Base):
    """An announcement to an audience; one outbox row per recipient (ref "bc:<id>")."""

    __tablename__ = "broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    sender_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    audience: Mapped[str] = mapped_column(
        String(40)
    )  # all | department:<id> | campaign:<id> | council
    text: Mapped[str] = mapped_column(Text)  # HTML, rendered from the sender's entities
    media_kind: Mapped[str | None] = mapped_column(String(16))  # photo | document
    media_file_id: Mapped[str | None] = mapped_column(String(200))
    total: Mapped[int] = mapped_column(Integer, default=0)
    status: Mapped[BroadcastStatus] = mapped_column(String(16), default=BroadcastStatus.SENDING)
    progress_chat_id: Mapped[int | None] = mapped_column(BigInteger)
    progress_message_id: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class Receipt(Base):
    """A recipient confirmed they read a broadcast ("Đã xem")."""

    __tablename__ = "receipts"
    __table_args__ = (UniqueConstraint("broadcast_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    broadcast_id: Mapped[int] = mapped_column(ForeignKey("broadcasts.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    seen_at: Mapped[datetime]


class ProposalStatus(StrEnum):
    """Where a commendation proposal stands."""

    PROPOSED = "proposed"
    CONFIRMED = "confirmed"
    DECLINED = "declined"


class Proposal(Base):
    """A commendation proposal (đề nghị khen thưởng): from a story or a title registration."""

    __tablename__ = "proposals"
    __table_args__ = (Index("ix_proposals_story_id", "story_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    story_id: Mapped[int | None] = mapped_column(ForeignKey("stories.id"))
    registration_id: Mapped[int | None] = mapped_column(ForeignKey("registrations.id"))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # who is commended
    nominee_text: Mapped[str | None] = mapped_column(String(200))  # a pupil, a group
    form: Mapped[str] = mapped_column(String(120))  # Giấy khen, Bằng khen, a title
    level: Mapped[str] = mapped_column(String(80))  # the level that should award it
    status: Mapped[ProposalStatus] = mapped_column(String(16), default=ProposalStatus.PROPOSED)
    proposed_by: Mapped[int] = mapped_column(ForeignKey("people.id"))
    proposed_at: Mapped[datetime]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None]
    reason: Mapped[str | None] = mapped_column(Text)


class Lease(Base):
    """Which process is active; the fencing token grows with every takeover."""

    __tablename__ = "leases"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(80))
    token: Mapped[int] = mapped_column(BigInteger)
    expires_at: Mapped[datetime]


# --- The end-of-year judging round (bình xét) -------------------------------------------------


class Rating(StrEnum):
    """A staff member's annual rating (mức độ hoàn thành nhiệm vụ), best first."""

    EXCELLENT = "excellent"  # hoàn thành xuất sắc nhiệm vụ
    GOOD = "good"  # hoàn thành tốt nhiệm vụ
    DONE = "done"  # hoàn thành nhiệm vụ
    NOT_DONE = "not_done"  # không hoàn thành nhiệm vụ


class PersonYear(Base):
    """What a title's conditions need about one person in one school year, entered once a year
    (from the XLSX the bot hands out, or person by person in chat)."""

    __tablename__ = "person_years"
    __table_args__ = (UniqueConstraint("org_id", "person_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    year: Mapped[int]  # the school year's first calendar year: 2026 for 2026-2027
    rating: Mapped[Rating | None] = mapped_column(String(16))
    started_on: Mapped[date | None] = mapped_column(Date)  # start of service here (min. months)
    discipline: Mapped[str | None] = mapped_column(String(200))  # e.g. "Khiển trách", None: none
    initiative: Mapped[str | None] = mapped_column(String(300))  # a recognised initiative's name
    updated_at: Mapped[datetime]
    updated_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class RoundStatus(StrEnum):
    """Where a judging round stands."""

    OPEN = "open"  # candidates gathered, departments propose, facts entered, the meeting held
    CLOSED = "closed"  # the result list is final (the next step: công khai)


class JudgingRound(Base):
    """A judging round (đợt bình xét) for a period and a set of titles."""

    __tablename__ = "rounds"
    __table_args__ = (Index("ix_rounds_org_status", "org_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int]  # the school year's first calendar year
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    titles: Mapped[list[str]] = mapped_column(JSON, default=list)
    status: Mapped[RoundStatus] = mapped_column(String(16), default=RoundStatus.OPEN)
    created_by: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class CandidateSource(StrEnum):
    """Where a candidate came from."""

    REGISTRATION = "registration"  # a title registration (the department proposes it or not)
    PROPOSAL = "proposal"  # a council proposal (thành tích đột xuất from a story)
    DEPARTMENT = "department"  # a department registered for a collective title
    CHAIR = "chair"  # added by the chair


class DeptStatus(StrEnum):
    """What the candidate's department said (registrations only)."""

    WAITING = "waiting"
    PROPOSED = "proposed"
    NOT_PROPOSED = "not_proposed"


class Outcome(StrEnum):
    """A candidate's result in the council's vote."""

    PASSED = "passed"  # đạt
    FAILED = "failed"  # không đạt: below the threshold (or a tie)
    OVER_CAP = "over_cap"  # enough votes, beyond the title's cap on its share
    NOT_VOTED = "not_voted"  # the meeting had no quorum, or the title was not put to the vote


class Candidate(Base):
    """One nominee (a person, or a department for a collective title) for one title in a round."""

    __tablename__ = "candidates"
    __table_args__ = (
        UniqueConstraint("round_id", "title", "person_id", "department_id"),
        Index("ix_candidates_round", "round_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"))
    title: Mapped[str] = mapped_column(String(120))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    source: Mapped[CandidateSource] = mapped_column(String(16))
    source_id: Mapped[int | None]
    dept_status: Mapped[DeptStatus] = mapped_column(String(16), default=DeptStatus.PROPOSED)
    added_at: Mapped[datetime]
    # The checks' warnings when the vote opened ({"key": ..., params}), kept for the minutes.
    warnings: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    outcome: Mapped[Outcome | None] = mapped_column(String(16))
    yes: Mapped[int | None]
    no: Mapped[int | None]
    base: Mapped[int | None]  # the number the percentage is computed on

    person: Mapped[Person | None] = relationship(foreign_keys=[person_id])
    department: Mapped[Department | None] = relationship()


class DepartmentReview(Base):
    """A department head's confirmation of the department's proposals, after its own meeting."""

    __tablename__ = "department_reviews"
    __table_args__ = (UniqueConstraint("round_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    head_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    note: Mapped[str] = mapped_column(Text, default="")
    confirmed_at: Mapped[datetime]


class MeetingStatus(StrEnum):
    """Where the council's judging meeting stands."""

    SCHEDULED = "scheduled"
    OPEN = "open"  # members check in; the chair opens and closes votes
    CLOSED = "closed"
    CANCELLED = "cancelled"


class Meeting(Base):
    """The council's judging meeting (phiên họp bình xét)."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    starts_at: Mapped[datetime]
    place: Mapped[str] = mapped_column(String(200))
    agenda: Mapped[str] = mapped_column(Text, default="")
    chair_id: Mapped[int] = mapped_column(ForeignKey("people.id"))  # who presides
    secretary_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    status: Mapped[MeetingStatus] = mapped_column(String(16), default=MeetingStatus.SCHEDULED)
    council_size: Mapped[int | None]  # members of the council when the meeting opened
    opened_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    remarks: Mapped[str] = mapped_column(Text, default="")  # the secretary's, for the minutes
    conclusions: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]


class Attendance(Base):
    """A council member at the meeting: checked in, or absent (with the reason they gave)."""

    __tablename__ = "attendance"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    present: Mapped[bool] = mapped_column(default=False)
    reason: Mapped[str | None] = mapped_column(String(300))  # for an absence
    at: Mapped[datetime]


class BallotStatus(StrEnum):
    """Where one title's vote stands."""

    OPEN = "open"
    CLOSED = "closed"


class Ballot(Base):
    """The vote on one title at the meeting, with the rule it follows (copied when it opened)."""

    __tablename__ = "ballots"
    __table_args__ = (UniqueConstraint("meeting_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    secret: Mapped[bool] = mapped_column(default=False)
    threshold: Mapped[int]  # percent of yes votes needed
    base: Mapped[str] = mapped_column(String(16))  # "all" members | members "present"
    present: Mapped[int]  # members checked in when it opened
    status: Mapped[BallotStatus] = mapped_column(String(16), default=BallotStatus.OPEN)
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class Vote(Base):
    """A member's vote on a candidate. In a secret ballot `choice` stays empty: the row says only
    that the member voted; the direction is in `ballot_box`, under a key not derived from the
    member without a secret kept outside the database (see README, "Secret ballots")."""

    __tablename__ = "votes"
    __table_args__ = (UniqueConstraint("ballot_id", "candidate_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    choice: Mapped[str | None] = mapped_column(String(8))  # yes | no (open ballots only)
    at: Mapped[datetime]


class BallotBoxEntry(Base):
    """A secret ballot's direction for one candidate: no member, no time, no row number (the key is
    a keyed hash); emptied into the candidate's counts when the vote closes."""

    __tablename__ = "ballot_box"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    ballot_id: Mapped[int] = mapped_column(ForeignKey("ballots.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"))
    choice: Mapped[str] = mapped_column(String(8))


class MinutesKind(StrEnum):
    """The documents a meeting produces."""

    MINUTES = "minutes"  # biên bản họp
    COUNT = "count"  # biên bản kiểm phiếu (secret ballots)


class MinutesVersion(Base):
    """One rendered version of a meeting's minutes; every version is kept."""

    __tablename__ = "minutes_versions"
    __table_args__ = (UniqueConstraint("meeting_id", "kind", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meetings.id"), index=True)
    kind: Mapped[MinutesKind] = mapped_column(String(16))
    version: Mapped[int]
    final: Mapped[bool] = mapped_column(default=False)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]


# ---- stored files ----
class StoredFile(Base):
    """A file kept by the bot (evidence photos, write-ups, objections' attachments).

    The bytes live on disk under the file store's root, named by their SHA-256 (storage/files.py);
    two rows with the same bytes share one file. The row says what the file was called and where it
    came from (Telegram's file id, and its unique id, which stays the same across bots and time).
    """

    __tablename__ = "stored_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    name: Mapped[str | None] = mapped_column(String(255))
    mime: Mapped[str | None] = mapped_column(String(100))
    tg_file_id: Mapped[str | None] = mapped_column(String(200))
    tg_unique_id: Mapped[str | None] = mapped_column(String(100), index=True)
    created_at: Mapped[datetime]


# ---- dossier ----
class EvidenceFile(Base):
    """A story's photo fetched for the dossier: the kept file, or why it could not be had
    ("gone": Telegram no longer serves it; "too_large": beyond what a bot may download)."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    photo_id: Mapped[int] = mapped_column(ForeignKey("story_photos.id"), unique=True)
    stored_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    problem: Mapped[str | None] = mapped_column(String(16))
    checked_at: Mapped[datetime]


class DossierVersion(Base):
    """One built dossier (hồ sơ đề nghị khen thưởng) of a round for one deciding level; every
    version is kept, its ZIP in the file store."""

    __tablename__ = "dossier_versions"
    __table_args__ = (UniqueConstraint("round_id", "level", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    level: Mapped[str] = mapped_column(String(80))
    version: Mapped[int]
    name: Mapped[str] = mapped_column(String(160))  # the ZIP's file name
    stored_file_id: Mapped[int] = mapped_column(ForeignKey("stored_files.id"))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    # A digest of what went in (not of when): asked again with nothing changed, the same version.
    inputs: Mapped[str] = mapped_column(String(64))
    nominees: Mapped[int] = mapped_column(Integer, default=0)
    photos: Mapped[int] = mapped_column(Integer, default=0)
    missing: Mapped[int] = mapped_column(Integer, default=0)  # photos that could not be had
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]


# ---- achievements ----


class ReportStatus(StrEnum):
    """Where a nominee's achievement report (báo cáo thành tích) stands."""

    REQUESTED = "requested"  # asked for; the nominee is writing it (or has not started)
    SUBMITTED = "submitted"  # the nominee confirmed it; waiting for the department head
    RETURNED = "returned"  # the head sent it back with a note; the nominee edits it
    CONFIRMED = "confirmed"  # the head (or the chair) confirmed it: it goes in the dossier


class AchievementReport(Base):
    """A passed candidate's achievement report, where the title needs one; the answers of the
    guided form are kept here at every step (besides the Drafts row)."""

    __tablename__ = "achievement_reports"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)  # who writes it
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))  # collective
    title: Mapped[str] = mapped_column(String(120))
    status: Mapped[ReportStatus] = mapped_column(String(16), default=ReportStatus.REQUESTED)
    # {"position": ..., "tasks": ..., "results": ..., "initiatives": ..., "deeds": ...}
    answers: Mapped[dict[str, Any]] = mapped_column(default=dict)
    note: Mapped[str | None] = mapped_column(Text)  # the head's note when sent back
    requested_at: Mapped[datetime]
    due_on: Mapped[date] = mapped_column(Date)
    submitted_at: Mapped[datetime | None]
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # who confirms
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    confirmed_at: Mapped[datetime | None]

    person: Mapped[Person] = relationship(foreign_keys=[person_id])


# ---- decisions ----


class Decision(Base):
    """The deciding level's decision (quyết định khen thưởng) recorded by the chair."""

    __tablename__ = "decisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    number: Mapped[str] = mapped_column(String(60))  # "125/QĐ-UBND"
    signed_on: Mapped[date] = mapped_column(Date)
    signer: Mapped[str] = mapped_column(String(160))  # who signed, as written on it
    created_by: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]


class Honour(Base):
    """A title granted by a decision: the year's honours list, and next years' history."""

    __tablename__ = "honours"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    decision_id: Mapped[int] = mapped_column(ForeignKey("decisions.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), unique=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    title: Mapped[str] = mapped_column(String(120))
    year: Mapped[int]  # the school year's first calendar year

    decision: Mapped[Decision] = relationship()


# ---- reviews (the review engine: initiatives, the writing contest) ----


class CallKind(StrEnum):
    """What a review call (đợt) collects."""

    INITIATIVE = "initiative"  # sáng kiến: recognised by the head of the school
    CONTEST = "contest"  # the writing contest about exemplary people


class CallStatus(StrEnum):
    """Where a review call stands."""

    OPEN = "open"  # entries registered and submitted, reviewers score
    CLOSED = "closed"  # results confirmed; nothing changes any more


class ReviewCall(Base):
    """A call (đợt) for entries judged by a jury on a rubric: a year's initiatives, a contest."""

    __tablename__ = "review_calls"
    __table_args__ = (Index("ix_review_calls_org_kind", "org_id", "kind", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    kind: Mapped[CallKind] = mapped_column(String(16))
    year: Mapped[int]  # the school year's first calendar year
    title: Mapped[str] = mapped_column(String(200))
    opens_at: Mapped[datetime]  # registration opens
    closes_at: Mapped[datetime]  # registration closes
    submit_by: Mapped[datetime]  # the write-ups' deadline
    review_by: Mapped[datetime | None]  # the jury's deadline
    # The rounds ("single", or "so_khao" then "chung_khao"), and the one under way.
    stages: Mapped[list[str]] = mapped_column(JSON, default=list)
    stage: Mapped[str] = mapped_column(String(16))
    status: Mapped[CallStatus] = mapped_column(String(16), default=CallStatus.OPEN)
    # The rubric as it was when the call opened (services/reviews/rubric.py, Rubric.as_json).
    rubric: Mapped[dict[str, Any]] = mapped_column(default=dict)
    anonymous: Mapped[bool] = mapped_column(default=False)  # judges see entry codes, not names
    # The chair let reviewers score entries of their own department (audited when set).
    same_department_ok: Mapped[bool] = mapped_column(default=False)
    created_by: Mapped[int] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]


class JuryRole(StrEnum):
    """A jury member's place."""

    CHAIR = "chair"  # assigns reviewers, confirms results
    MEMBER = "member"


class JuryMember(Base):
    """A member of a call's jury (Hội đồng Sáng kiến, Ban giám khảo); may sit on the council too."""

    __tablename__ = "jury_members"
    __table_args__ = (UniqueConstraint("call_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("review_calls.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    role: Mapped[JuryRole] = mapped_column(String(16), default=JuryRole.MEMBER)
    added_by: Mapped[int] = mapped_column(ForeignKey("people.id"))
    added_at: Mapped[datetime]

    person: Mapped[Person] = relationship(foreign_keys=[person_id])


class EntryStatus(StrEnum):
    """Where an entry stands."""

    REGISTERED = "registered"  # announced (title, field, the problem it solves), not yet sent
    SUBMITTED = "submitted"  # the write-up is in
    REVIEWING = "reviewing"  # reviewers assigned, not all have scored
    NEEDS_THIRD = "needs_third"  # two reviewers' totals differ too much: a third is needed
    SCORED = "scored"  # every assigned reviewer scored; waiting for the jury chair
    ACCEPTED = "accepted"  # recognised (an initiative) or through/awarded (a contest entry)
    REJECTED = "rejected"  # confirmed below the pass mark
    WITHDRAWN = "withdrawn"


class ReviewEntry(Base):
    """An entry of a call: an initiative or a contest piece, with its author(s) and department."""

    __tablename__ = "review_entries"
    __table_args__ = (
        UniqueConstraint("call_id", "code"),
        Index("ix_review_entries_call_status", "call_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(ForeignKey("review_calls.id"))
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    code: Mapped[str] = mapped_column(String(16))  # what an anonymous jury sees, e.g. "SK-482"
    author_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    coauthor_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    title: Mapped[str] = mapped_column(String(300))
    field: Mapped[str] = mapped_column(String(120), default="")  # lĩnh vực
    summary: Mapped[str] = mapped_column(Text, default="")  # the problem it solves / about whom
    subject: Mapped[str | None] = mapped_column(String(200))  # the exemplary person (contest)
    text: Mapped[str | None] = mapped_column(Text)  # an entry written in chat
    status: Mapped[EntryStatus] = mapped_column(String(16), default=EntryStatus.REGISTERED)
    stage: Mapped[str] = mapped_column(String(16))  # the round it is in
    registered_at: Mapped[datetime]
    submitted_at: Mapped[datetime | None]
    total: Mapped[float | None] = mapped_column(Float)  # mean of the reviewers' totals
    passed: Mapped[bool | None]
    tier: Mapped[str | None] = mapped_column(String(80))
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    decided_at: Mapped[datetime | None]

    author: Mapped[Person] = relationship(foreign_keys=[author_id])
    department: Mapped[Department | None] = relationship()


class EntryFile(Base):
    """A file of an entry: the write-up (DOCX/PDF) or a photo, kept by the file store."""

    __tablename__ = "review_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("review_entries.id"), index=True)
    role: Mapped[str] = mapped_column(String(16))  # writeup | photo
    stored_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    tg_file_id: Mapped[str] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(String(200))
    mime: Mapped[str | None] = mapped_column(String(120))
    size: Mapped[int | None] = mapped_column(Integer)
    added_at: Mapped[datetime]


class ReviewAssignment(Base):
    """A reviewer assigned to an entry in one round, and their score sheet (filled criterion by
    criterion: a half-filled sheet is kept; `submitted_at` set once it is complete and sent)."""

    __tablename__ = "review_assignments"
    __table_args__ = (UniqueConstraint("entry_id", "stage", "reviewer_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("review_entries.id"), index=True)
    stage: Mapped[str] = mapped_column(String(16))
    reviewer_id: Mapped[int] = mapped_column(ForeignKey("people.id"), index=True)
    third: Mapped[bool] = mapped_column(default=False)  # added because of a wide gap
    same_department: Mapped[bool] = mapped_column(default=False)  # allowed by a relaxed rule
    assigned_by: Mapped[int] = mapped_column(ForeignKey("people.id"))
    assigned_at: Mapped[datetime]
    scores: Mapped[dict[str, Any]] = mapped_column(default=dict)  # {"0": 8, "1": 7, ...}
    comment: Mapped[str | None] = mapped_column(Text)
    total: Mapped[float | None] = mapped_column(Float)
    submitted_at: Mapped[datetime | None]

    entry: Mapped[ReviewEntry] = relationship()
    reviewer: Mapped[Person] = relationship(foreign_keys=[reviewer_id])


# ---- publication ----------------------------------------------------------------------------
# Công khai: the round's result list published to every member, read receipts, the objection
# window; objections (kiến nghị), their answers and the re-votes that change a result.


class Publication(Base):
    """The round's result list made public (công khai), once per round, with its objection
    window (working days; objections are taken until the end of `closes_on`, school time)."""

    __tablename__ = "publications"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), unique=True)
    published_by: Mapped[int] = mapped_column(ForeignKey("people.id"))
    published_at: Mapped[datetime]
    window_days: Mapped[int]
    closes_on: Mapped[date] = mapped_column(Date)  # the window's last day
    closes_at: Mapped[datetime]  # the moment after it (midnight, school time)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    # The list as published: [{"title", "name", "department"}], kept as it was shown.
    listed: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)


class PublicationReceipt(Base):
    """A member confirmed reading the published list ("Đã đọc")."""

    __tablename__ = "publication_receipts"
    __table_args__ = (UniqueConstraint("publication_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    seen_at: Mapped[datetime]


class ObjectionStatus(StrEnum):
    """Where an objection stands."""

    OPEN = "open"
    ANSWERED = "answered"


class Objection(Base):
    """An objection (kiến nghị) to the published list: about one candidate or the whole list,
    numbered per round; the council sees the filer's name only if the filer agreed."""

    __tablename__ = "objections"
    __table_args__ = (UniqueConstraint("round_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"), index=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("rounds.id"), index=True)
    publication_id: Mapped[int] = mapped_column(ForeignKey("publications.id"))
    number: Mapped[int]
    filer_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    candidate_id: Mapped[int | None] = mapped_column(ForeignKey("candidates.id"))  # None: all
    text: Mapped[str] = mapped_column(Text)
    show_name: Mapped[bool] = mapped_column(default=False)
    attachment_kind: Mapped[str | None] = mapped_column(String(16))  # photo | document
    attachment_file_id: Mapped[str | None] = mapped_column(String(200))
    attachment_name: Mapped[str | None] = mapped_column(String(200))
    stored_file_id: Mapped[int | None] = mapped_column(ForeignKey("stored_files.id"))
    filed_at: Mapped[datetime]
    answer_due: Mapped[date] = mapped_column(Date)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    status: Mapped[ObjectionStatus] = mapped_column(String(16), default=ObjectionStatus.OPEN)
    answer: Mapped[str | None] = mapped_column(Text)
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    answered_at: Mapped[datetime | None]


class Revote(Base):
    """A recorded re-vote of the council on one candidate, opened from an objection; its count
    replaces the candidate's outcome. Every active council member may vote except on themselves
    (or their own department); the count needs the quorum of the council to have voted."""

    __tablename__ = "revotes"

    id: Mapped[int] = mapped_column(primary_key=True)
    objection_id: Mapped[int] = mapped_column(ForeignKey("objections.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"))
    secret: Mapped[bool] = mapped_column(default=False)
    threshold: Mapped[int]
    base: Mapped[str] = mapped_column(String(16))  # "all" | "present" (here: who voted)
    council_size: Mapped[int]
    needed: Mapped[int]  # the quorum: members who must vote
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | closed
    opened_by: Mapped[int] = mapped_column(ForeignKey("people.id"))
    opened_at: Mapped[datetime]
    closed_at: Mapped[datetime | None]
    yes: Mapped[int | None]
    no: Mapped[int | None]
    voters: Mapped[int | None]
    outcome_before: Mapped[str | None] = mapped_column(String(16))
    outcome_after: Mapped[str | None] = mapped_column(String(16))


class RevoteVote(Base):
    """A member voted in a re-vote; `choice` stays empty when it is secret (see RevoteBox)."""

    __tablename__ = "revote_votes"
    __table_args__ = (UniqueConstraint("revote_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    revote_id: Mapped[int] = mapped_column(ForeignKey("revotes.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    choice: Mapped[str | None] = mapped_column(String(8))
    at: Mapped[datetime]


class RevoteBox(Base):
    """A secret re-vote's direction under a keyed hash (like BallotBoxEntry), emptied at the
    count."""

    __tablename__ = "revote_box"

    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    revote_id: Mapped[int] = mapped_column(ForeignKey("revotes.id"), index=True)
    choice: Mapped[str] = mapped_column(String(8))
