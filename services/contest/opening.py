"""Opening a contest: a leader's short dialogue (its name, the days entries are taken, one round or
two, how many go on to the final), then the contest on the review engine, its reminder planned,
all staff told; and its jury, chosen from the school's members."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from reports.periods import BadPeriod, parse_range
from services import audit, outbox
from services.calendar import school_year
from services.contest.common import active_people
from services.contest.rules import parse_tiers
from services.conversations import Drafts, Kind, NoDraft
from services.errors import AlreadyDone, Invalid
from services.people import Actor
from services.reviews.calls import (
    CHUNG_KHAO,
    SINGLE,
    SO_KHAO,
    current_call,
    open_call,
    relax_department_rule,
    school_settings,
)
from storage.models import (
    CallKind,
    Contest,
    Department,
    Membership,
    MemberStatus,
    Notice,
    NoticeStatus,
    Org,
    Person,
)
from ui.buttons.contest import ContestEnter
from ui.texts import Texts

OPENING = Drafts(Kind.CONTEST)
# The contests the plan names (DOMAIN.md); a leader may type another name.
TITLES = (
    "Viết về gương điển hình tiên tiến, người tốt, việc tốt",
    "Nhà giáo tâm huyết sáng tạo",
)
SUBJECTS = (
    "Viết về những tấm gương điển hình tiên tiến, người tốt, việc tốt trong nhà trường",
    "Viết về những thầy cô giáo tâm huyết, sáng tạo trong nhà trường",
)
TITLE_MAX = 200


@dataclass(frozen=True)
class Draft:
    """The contest being opened, as far as the leader got."""

    step: str  # title | subject | window | rounds | finalists | confirm
    title: str = ""
    subject: str = ""
    starts: str = ""  # dd/mm/yyyy
    ends: str = ""
    two: bool = False
    finalists: int = 0
    default_finalists: int = 0
    prizes: tuple[str, ...] = ()
    criteria: tuple[str, ...] = ()
    target: int = 0

    @property
    def subject_default(self) -> str:
        """What the contest is about unless the leader says otherwise."""
        return default_subject(self.title)


async def draft_of(session: AsyncSession, who: Actor, data: dict[str, Any], step: str) -> Draft:
    """The draft with what the school's settings add to the preview."""
    settings = await school_settings(session, who.org_id)
    return Draft(
        step=step,
        title=str(data.get("title", "")),
        subject=str(data.get("subject", "")),
        starts=str(data.get("starts", "")),
        ends=str(data.get("ends", "")),
        two=bool(data.get("two", False)),
        finalists=int(data.get("finalists", 0)),
        default_finalists=int(settings["rules.contest_finalists"]),
        prizes=tuple(settings["lists.contest_prizes"]),
        criteria=tuple(settings["lists.contest_criteria"]),
        target=int(settings["rules.contest_target_entries"]),
    )


async def begin(session: AsyncSession, who: Actor, now: datetime) -> None:
    """Start the dialogue (one open contest at a time)."""
    if await current_call(session, who.org_id, CallKind.CONTEST) is not None:
        raise AlreadyDone("contest.exists")
    assert who.person is not None
    await OPENING.save(session, who.person.tg_user_id, "title", {}, now)


async def load(session: AsyncSession, tg_user_id: int) -> tuple[str, dict[str, Any]]:
    """The leader's draft (step, data); Invalid when there is none."""
    try:
        convo = await OPENING.load(session, tg_user_id)
    except NoDraft:
        raise Invalid("errors.no_dialogue") from None
    return convo.step, dict(convo.data)


def default_subject(title: str) -> str:
    """What a contest is about when the leader does not say: the usual words for the usual
    contests, else its name."""
    return SUBJECTS[TITLES.index(title)] if title in TITLES else title


SUBJECT_MAX = 500


def subject_typed(raw: str) -> str:
    """What the contest is about, as typed."""
    text = " ".join(raw.split())
    if not text:
        raise Invalid("contest.title_empty")
    if len(text) > SUBJECT_MAX:
        raise Invalid("contest.title_too_long", limit=SUBJECT_MAX)
    return text


def title_typed(raw: str) -> str:
    """A contest's name as typed."""
    text = " ".join(raw.split())
    if not text:
        raise Invalid("contest.title_empty")
    if len(text) > TITLE_MAX:
        raise Invalid("contest.title_too_long", limit=TITLE_MAX)
    return text


def window_typed(raw: str, today: Any) -> tuple[str, str]:
    """The days entries are taken, 'dd/mm/yyyy-dd/mm/yyyy', ending today or later."""
    try:
        period = parse_range(raw)
    except BadPeriod:
        raise Invalid("contest.bad_window") from None
    if period.end < today:
        raise Invalid("contest.window_past")
    return period.start.strftime("%d/%m/%Y"), period.end.strftime("%d/%m/%Y")


def finalists_typed(raw: str) -> int:
    """How many go on to the final: 1..99."""
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or not 1 <= int(text) <= 99:
        raise Invalid("contest.bad_finalists")
    return int(text)


def _moment(day: str, tz: ZoneInfo, *, next_day: bool = False) -> datetime:
    parsed = datetime.strptime(day, "%d/%m/%Y").date()
    if next_day:
        parsed += timedelta(days=1)
    return datetime.combine(parsed, time(), tz).astimezone(UTC)


async def open_contest(
    session: AsyncSession, who: Actor, data: dict[str, Any], texts: Texts, now: datetime
) -> Contest:
    """Open the contest the draft describes: the review call (anonymous judging), the contest's
    own figures from the school's settings, the reminder before entries close, all staff told."""
    assert who.person is not None and who.membership is not None
    if not data.get("title") or not data.get("ends"):
        raise Invalid("errors.no_dialogue")
    settings = await school_settings(session, who.org_id)
    tz = texts.tz
    opens_at = _moment(str(data["starts"]), tz)  # may be later: entries wait for it
    closes_at = _moment(str(data["ends"]), tz, next_day=True)
    if closes_at <= now:
        raise Invalid("contest.window_past")
    org = await session.get_one(Org, who.org_id)
    year = school_year(now.astimezone(tz).date(), org.school_year_start or "09-05")
    two = bool(data.get("two"))
    call = await open_call(
        session,
        org_id=who.org_id,
        kind=CallKind.CONTEST,
        year=year.start.year,
        title=str(data["title"]),
        opens_at=opens_at,
        closes_at=closes_at,
        submit_by=closes_at,
        created_by=who.person.id,
        now=now,
        stages=(SO_KHAO, CHUNG_KHAO) if two else (SINGLE,),
        anonymous=True,
    )
    # The judges read codes, never names: a judge of the author's department is no conflict.
    await relax_department_rule(
        session,
        call=call,
        allowed=True,
        by=who.person.id,
        reason="contest: entries judged anonymously",
        now=now,
    )
    title = str(data["title"])
    subject = str(data.get("subject") or default_subject(title))
    contest = Contest(
        call_id=call.id,
        org_id=who.org_id,
        subject=subject,
        finalists=int(data.get("finalists") or 0) if two else 0,
        prizes=[[t.name, t.count] for t in parse_tiers(settings["lists.contest_prizes"])],
        min_score=int(settings["rules.contest_pass"]),
        target_entries=int(settings["rules.contest_target_entries"]),
        target_share=int(settings["rules.contest_target_share"]),
    )
    session.add(contest)
    await session.flush()
    remind_at = closes_at - timedelta(days=int(settings["rules.contest_remind_days"]))
    if remind_at > now:
        session.add(
            Notice(
                key=f"contest:{contest.id}:remind",
                org_id=who.org_id,
                kind="contest",
                due_at=remind_at,
                stale_after=closes_at,
                status=NoticeStatus.PENDING,
                payload={"contest_id": contest.id},
            )
        )
    for person in await active_people(session, who.org_id):
        outbox.enqueue_message(
            session,
            chat_id=person.tg_user_id,
            now=now,
            ref=f"contest:{contest.id}:launch",
            text=texts.render(
                person.locale,
                "contest.launch_notice",
                title=title,
                subject=subject,
                ends=(closes_at - timedelta(seconds=1)),
            ),
            buttons=[
                [
                    (
                        texts.plain(person.locale, "contest.enter_button"),
                        ContestEnter(contest.id).pack(),
                    )
                ]
            ],
        )
    await audit.record(
        session,
        org_id=who.org_id,
        actor_id=who.person.id,
        action="contest.open",
        target=f"contest:{contest.id}",
        now=now,
        call_id=call.id,
        two_rounds=two,
    )
    return contest


async def member_page(
    session: AsyncSession, org_id: int, page: int, size: int = 8
) -> tuple[list[tuple[int, str, str]], int]:
    """A page of the school's active members to choose judges from: (person id, name,
    department), by name; and the number of pages."""
    rows = (
        await session.execute(
            select(Person.id, Person.full_name, Department.name)
            .join(Membership, Membership.person_id == Person.id)
            .outerjoin(Department, Department.id == Membership.department_id)
            .where(Membership.org_id == org_id, Membership.status == MemberStatus.ACTIVE)
            .order_by(Person.full_name, Person.id)
        )
    ).all()
    pages = max(1, (len(rows) + size - 1) // size)
    page = min(max(page, 0), pages - 1)
    return [(p, n, d or "") for p, n, d in rows[page * size : (page + 1) * size]], pages
