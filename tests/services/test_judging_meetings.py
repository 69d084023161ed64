"""The judging meeting against a real database: the chair's scheduling dialogue (and a restart
in the middle of it), moving and cancelling, absences with a reason, the reminders the scheduler
fires, opening, checking in, and the quorum by the school's rule."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from runtime.config import load_settings
from runtime.context import Deps
from scheduler.jobs import fire_due
from services.base import Env
from services.errors import AlreadyDone, Invalid, NotFound
from services.judging import Meetings
from services.judging.meetings import Card, parse_start, quorum
from services.planner import meeting_notices
from services.school import SchoolSettings
from storage.db import SessionFactory
from storage.models import (
    Attendance,
    Conversation,
    JudgingRound,
    Meeting,
    MeetingStatus,
    Membership,
    MemberStatus,
    Notice,
    NoticeStatus,
    OutboxMessage,
    OutboxStatus,
    Person,
    Role,
    RoundStatus,
)
from tests.factories import CHAIR, COUNCIL, TEACHER, VICE, School
from ui.buttons.judging import MeetingClose, VoteOpen
from ui.buttons.meetings import MeetingAbsent, MeetingCheckIn, MeetingOpen
from ui.texts import Texts

HN = ZoneInfo("Asia/Ho_Chi_Minh")
TITLES = ["Lao động tiên tiến", "Chiến sĩ thi đua cơ sở"]
STARTS = datetime(2024, 3, 15, 14, 0, tzinfo=HN)  # "15/3 14h", three weeks after `now`
EXTRA = 2001  # the Telegram ids of the council members added beyond the factory's three


class Clock:
    """A clock the test moves."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class Council:
    """The school with an open round, the use cases on a clock the test moves."""

    sessions: SessionFactory
    texts: Texts
    clock: Clock
    school: School
    round_id: int

    def meetings(self) -> Meetings:
        """The use cases, as a freshly started bot builds them."""
        env = Env(sessions=self.sessions, texts=self.texts, clock=self.clock, tz=HN)
        return Meetings(env)

    def deps(self) -> Deps:
        """What the scheduler runs with, on the same clock."""
        return Deps(
            settings=load_settings(), texts=self.texts, sessions=self.sessions, clock=self.clock
        )

    async def person(self, tg: int) -> int:
        """The person id of a Telegram user."""
        async with self.sessions() as s:
            found = await s.scalar(select(Person.id).where(Person.tg_user_id == tg))
        assert found is not None
        return found


async def open_round(sessions: SessionFactory, org_id: int, now: datetime) -> int:
    """The school's judging round for 2023-2024 (the lead's /round opens it in the bot)."""
    async with sessions() as s:
        chair = await s.scalar(select(Person.id).where(Person.tg_user_id == CHAIR))
        assert chair is not None
        row = JudgingRound(
            org_id=org_id,
            name="Bình xét thi đua năm học 2023-2024",
            year=2023,
            period_start=date(2023, 9, 5),
            period_end=date(2024, 5, 31),
            titles=TITLES,
            status=RoundStatus.OPEN,
            created_by=chair,
            created_at=now,
        )
        s.add(row)
        await s.commit()
        return row.id


def name(tg: int) -> str:
    """The name of an added council member."""
    return f"Ủy viên {tg - EXTRA:02d}"


async def add_council(council: Council, count: int, *, role: Role = Role.COUNCIL) -> list[int]:
    """More active council members (Telegram ids from EXTRA on)."""
    tgs = []
    async with council.sessions() as s:
        taken = await s.scalar(select(Person.id).order_by(Person.id.desc()).limit(1)) or 0
        for i in range(count):
            tg = EXTRA + taken + i
            person = Person(tg_user_id=tg, full_name=name(tg), created_at=council.clock())
            s.add(person)
            await s.flush()
            s.add(
                Membership(
                    org_id=council.school.org_id,
                    person_id=person.id,
                    role=role,
                    status=MemberStatus.ACTIVE,
                    requested_at=council.clock(),
                )
            )
            tgs.append(tg)
        await s.commit()
    return tgs


@pytest.fixture
async def council(sessions: SessionFactory, school: School, texts: Texts, now: datetime) -> Council:
    """The factory school (chair, vice-chair, one member, a teacher) with its round open."""
    return Council(
        sessions, texts, Clock(now), school, await open_round(sessions, school.org_id, now)
    )


async def to_preview(council: Council, when: str = "15/3 14h", place: str = "Phòng họp") -> None:
    """The chair walks the dialogue to its preview: the default agenda, the last member listed
    (the council member) as secretary."""
    meetings = council.meetings()
    await meetings.begin(tg_user_id=CHAIR)
    await meetings.answer(tg_user_id=CHAIR, text=when)
    await meetings.answer(tg_user_id=CHAIR, text=place)
    step = await meetings.use_default_agenda(tg_user_id=CHAIR)
    await meetings.choose_secretary(tg_user_id=CHAIR, person_id=step.members[-1][0])


async def schedule(council: Council, when: str = "15/3 14h", place: str = "Phòng họp") -> Meeting:
    """The chair walks the dialogue and schedules the meeting."""
    await to_preview(council, when, place)
    view = await council.meetings().create(tg_user_id=CHAIR)
    async with council.sessions() as s:
        return await s.get_one(Meeting, view.id)


async def absent(council: Council, tg: int, meeting_id: int, reason: str) -> None:
    """A member presses "Báo vắng" and gives the reason."""
    await council.meetings().ask_absence(tg_user_id=tg, meeting_id=meeting_id)
    await council.meetings().give_absence(tg_user_id=tg, text=reason)


async def outbox(sessions: SessionFactory, ref: str | None = None) -> list[OutboxMessage]:
    """The queued messages (with `ref`: only those), oldest first."""
    async with sessions() as s:
        query = select(OutboxMessage).order_by(OutboxMessage.id)
        if ref is not None:
            query = query.where(OutboxMessage.ref == ref)
        return list((await s.scalars(query)).all())


def labels(row: OutboxMessage) -> list[str]:
    """The button labels of a queued message."""
    return [label for line in row.payload.get("buttons") or [] for label, _ in line]


def datas(row: OutboxMessage) -> list[str]:
    """The button data of a queued message."""
    return [data for line in row.payload.get("buttons") or [] for _, data in line]


async def notices(sessions: SessionFactory, meeting_id: int) -> dict[str, Notice]:
    """A meeting's reminders by key."""
    async with sessions() as s:
        rows = await s.scalars(
            select(Notice).where(Notice.key.startswith(f"meeting:{meeting_id}:"))
        )
        return {n.key: n for n in rows}


# ---------------------------------------------------------------------------- scheduling


async def test_the_chair_schedules_the_meeting_in_a_dialogue_that_survives_a_restart(
    council: Council,
) -> None:
    step = await council.meetings().begin(tg_user_id=CHAIR)
    assert step.step == "when" and step.replaces is None
    step = await council.meetings().answer(tg_user_id=CHAIR, text="15/3 14h")
    assert step.step == "place"

    restarted = council.meetings()  # a new process: only the database remembers the draft
    step = await restarted.answer(tg_user_id=CHAIR, text="  Phòng họp   tầng 2 <A> ")
    assert step.step == "agenda"
    assert step.default_agenda == [
        "1. Báo cáo kết quả thi đua năm học 2023-2024",
        "2. Xét điều kiện các danh hiệu",
        "3. Biểu quyết",
        "4. Thông qua biên bản",
    ]
    step = await restarted.use_default_agenda(tg_user_id=CHAIR)
    assert step.step == "secretary"
    vice, member = await council.person(VICE), await council.person(COUNCIL)
    assert step.members == [(vice, "Lê Minh Tuấn"), (member, "Phạm Thị Lan")]  # not the chair
    step = await restarted.choose_secretary(tg_user_id=CHAIR, person_id=member)
    assert step.preview is not None
    assert step.preview.starts_at == STARTS and step.preview.secretary == "Phạm Thị Lan"
    assert step.preview.place == "Phòng họp tầng 2 <A>"
    view = await restarted.create(tg_user_id=CHAIR)

    chair = await council.person(CHAIR)
    async with council.sessions() as s:
        meeting = await s.get_one(Meeting, view.id)
        assert (meeting.starts_at, meeting.status) == (STARTS, "scheduled")
        assert (meeting.chair_id, meeting.secretary_id) == (chair, member)
        assert meeting.agenda.splitlines()[0] == "1. Báo cáo kết quả thi đua năm học 2023-2024"
        assert await s.scalar(select(Conversation)) is None  # the dialogue is over
    told = {row.chat_id: row for row in await outbox(council.sessions)}
    assert set(told) == {VICE, COUNCIL}  # the council but the chair (who scheduled it)
    invitation = told[COUNCIL].payload["text"]
    assert "Giấy mời họp Hội đồng Thi đua – Khen thưởng" in invitation
    assert "14:00 thứ Sáu, 15/03/2024" in invitation
    assert "Phòng họp tầng 2 &lt;A&gt;" in invitation
    assert "Thư ký: Phạm Thị Lan" in invitation and "3. Biểu quyết" in invitation
    assert labels(told[COUNCIL]) == ["🙋 Báo vắng"]
    assert datas(told[COUNCIL]) == [MeetingAbsent(meeting_id=view.id).pack()]
    planned = await notices(council.sessions, view.id)
    assert {k: n.due_at for k, n in planned.items()} == {
        f"meeting:{view.id}:reminder:24h": STARTS - timedelta(days=1),
        f"meeting:{view.id}:reminder:1h": STARTS - timedelta(hours=1),
    }
    assert all(n.stale_after == STARTS for n in planned.values())


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("15/05/2027 14:00", datetime(2027, 5, 15, 14, 0, tzinfo=HN)),
        ("15/5 14h", datetime(2024, 5, 15, 14, 0, tzinfo=HN)),
        ("15/05/2027 14g30", datetime(2027, 5, 15, 14, 30, tzinfo=HN)),
        ("14h30 ngày 15/5/2027", datetime(2027, 5, 15, 14, 30, tzinfo=HN)),
        ("15-05-2027, 8:05", datetime(2027, 5, 15, 8, 5, tzinfo=HN)),
        ("15/5/2027 lúc 2 giờ chiều", datetime(2027, 5, 15, 14, 0, tzinfo=HN)),
        ("15/5/2027 lúc 14 giờ 15 phút", datetime(2027, 5, 15, 14, 15, tzinfo=HN)),
        ("2/1 7h", datetime(2025, 1, 2, 7, 0, tzinfo=HN)),  # the next 2 January
        ("Lúc 7h30 sáng thứ Sáu 15/3.", datetime(2024, 3, 15, 7, 30, tzinfo=HN)),
    ],
)
def test_the_time_of_the_meeting_is_read_as_people_write_it(typed: str, expected: datetime) -> None:
    assert parse_start(typed, HN, today=date(2024, 2, 23)) == expected


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("15/05/2027", "meetings.bad_when"),  # no time
        ("14:00", "meetings.bad_when"),  # no date
        ("15/05/2027 14:00 15h", "meetings.bad_when"),  # two times
        ("mai 14h", "meetings.bad_when"),
        ("15/5 14hx", "meetings.bad_when"),
        ("31/02/2027 14:00", "campaigns.no_such_date"),
        ("15/05/2027 25:00", "meetings.no_such_time"),
        ("15/05/2027 14:75", "meetings.no_such_time"),
    ],
)
def test_a_time_that_is_not_one_is_refused_with_the_reason(typed: str, key: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse_start(typed, HN, today=date(2024, 2, 23))
    assert refused.value.key == key


async def test_a_meeting_in_the_past_is_refused_and_the_chair_types_the_time_again(
    council: Council, texts: Texts
) -> None:
    meetings = council.meetings()
    await meetings.begin(tg_user_id=CHAIR)
    for typed in ("22/02/2024 14:00", "23/02/2024 07:59", "23/2/2025 14h"):
        with pytest.raises(Invalid) as refused:
            await meetings.answer(tg_user_id=CHAIR, text=typed)
        assert refused.value.key in ("meetings.in_past", "meetings.too_far")
    assert texts.render("vi", "meetings.in_past") == (
        "Thời điểm này đã qua. Thầy/Cô chọn một thời điểm sắp tới."
    )
    step = await meetings.answer(tg_user_id=CHAIR, text="23/02/2024 16:00")  # today, later on
    assert step.step == "place"


async def test_a_preview_left_until_the_time_passed_asks_for_the_time_again(
    council: Council,
) -> None:
    meetings = council.meetings()
    await to_preview(council, "23/02/2024 09:00")
    council.clock.now += timedelta(hours=2)
    with pytest.raises(Invalid) as refused:
        await meetings.create(tg_user_id=CHAIR)
    assert refused.value.key == "meetings.in_past_again"
    assert (await meetings.answer(tg_user_id=CHAIR, text="24/2 9h")).step == "place"
    async with council.sessions() as s:
        assert await s.scalar(select(Meeting)) is None


async def test_typed_agenda_lines_are_kept_and_a_forged_secretary_is_refused(
    council: Council,
) -> None:
    meetings = council.meetings()
    await meetings.begin(tg_user_id=CHAIR)
    await meetings.answer(tg_user_id=CHAIR, text="15/3 14h")
    await meetings.answer(tg_user_id=CHAIR, text="Phòng họp")
    step = await meetings.answer(
        tg_user_id=CHAIR, text="Xét danh hiệu Lao động tiên tiến\n\n  Biểu quyết  \n"
    )
    assert step.step == "secretary"
    with pytest.raises(Invalid):
        await meetings.choose_secretary(tg_user_id=CHAIR, person_id=await council.person(CHAIR))
    with pytest.raises(Invalid):
        await meetings.choose_secretary(tg_user_id=CHAIR, person_id=await council.person(TEACHER))
    step = await meetings.choose_secretary(tg_user_id=CHAIR, person_id=await council.person(VICE))
    assert step.preview is not None
    assert step.preview.agenda == ["Xét danh hiệu Lao động tiên tiến", "Biểu quyết"]


async def test_without_an_open_round_the_chair_is_told_so_politely(
    council: Council, texts: Texts
) -> None:
    async with council.sessions() as s:
        (await s.get_one(JudgingRound, council.round_id)).status = RoundStatus.CLOSED
        await s.commit()
    with pytest.raises(NotFound) as refused:
        await council.meetings().command(tg_user_id=CHAIR)
    assert "chưa mở đợt bình xét" in texts.render("vi", refused.value.key)
    card = await council.meetings().command(tg_user_id=COUNCIL)  # a member: nothing to see
    assert isinstance(card, Card) and card.meeting is None


async def test_rescheduling_cancels_the_old_meeting_and_its_reminders_and_members_are_told(
    council: Council,
) -> None:
    old = await schedule(council, "15/3 14h")
    step = await council.meetings().begin(tg_user_id=CHAIR)
    assert step.replaces is not None and step.replaces.id == old.id
    new = await schedule(council, "18/3 15:30", "Thư viện")

    async with council.sessions() as s:
        statuses = {m.id: m.status for m in await s.scalars(select(Meeting))}
    assert statuses == {old.id: "cancelled", new.id: "scheduled"}
    assert {n.status for n in (await notices(council.sessions, old.id)).values()} == {"cancelled"}
    assert {n.status for n in (await notices(council.sessions, new.id)).values()} == {"pending"}
    # The old invitation (still unsent here) now says it is cancelled, without its button; the
    # new one says what it replaces.
    old_notice = await outbox(council.sessions, f"meeting:{old.id}:notice")
    assert {r.chat_id for r in old_notice} == {VICE, COUNCIL}
    for row in old_notice:
        assert row.payload["text"].startswith("❌ <b>Cuộc họp bình xét lúc 14:00 thứ Sáu, 15/03")
        assert labels(row) == []
    new_notice = await outbox(council.sessions, f"meeting:{new.id}:notice")
    assert {r.chat_id for r in new_notice} == {VICE, COUNCIL}
    assert (
        "Đổi lịch: thay cho cuộc họp lúc 14:00 thứ Sáu, 15/03/2024" in new_notice[0].payload["text"]
    )
    assert "15:30 thứ Hai, 18/03/2024" in new_notice[0].payload["text"]

    # The old meeting's reminder time comes: nothing is sent for it.
    council.clock.now = STARTS - timedelta(days=1)
    assert await fire_due(council.deps()) == 0


async def test_the_chair_cancels_the_meeting_and_members_are_told(council: Council) -> None:
    meeting = await schedule(council)
    view = await council.meetings().cancel(tg_user_id=CHAIR, meeting_id=meeting.id)
    assert view.status == "cancelled"
    told = [r for r in await outbox(council.sessions) if r.ref is None]
    assert {r.chat_id for r in told} == {VICE, COUNCIL}
    assert "đã hủy" in told[0].payload["text"]
    with pytest.raises(AlreadyDone):
        await council.meetings().cancel(tg_user_id=CHAIR, meeting_id=meeting.id)
    with pytest.raises(AlreadyDone) as refused:
        await council.meetings().ask_absence(tg_user_id=COUNCIL, meeting_id=meeting.id)
    assert refused.value.key == "meetings.cancelled"


async def test_two_presses_of_schedule_at_once_make_one_meeting(council: Council) -> None:
    await to_preview(council)
    results = await asyncio.gather(
        council.meetings().create(tg_user_id=CHAIR),
        council.meetings().create(tg_user_id=CHAIR),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in results) == 1
    assert all(isinstance(r, AlreadyDone | Invalid) for r in results if isinstance(r, Exception))
    async with council.sessions() as s:
        assert len((await s.scalars(select(Meeting))).all()) == 1


# ---------------------------------------------------------------------------- absence, reminders


async def test_an_absence_is_kept_with_its_reason_the_chair_is_told_and_not_reminded(
    council: Council,
) -> None:
    meeting = await schedule(council)
    meetings = council.meetings()
    shown = await meetings.ask_absence(tg_user_id=COUNCIL, meeting_id=meeting.id)
    assert shown.id == meeting.id
    with pytest.raises(Invalid):
        await meetings.give_absence(tg_user_id=COUNCIL, text="x")
    await council.meetings().give_absence(tg_user_id=COUNCIL, text="Đi tập huấn ở Sở <GD>")
    member = await council.person(COUNCIL)
    async with council.sessions() as s:
        mark = await s.scalar(select(Attendance))
        assert mark is not None
        assert (mark.person_id, mark.present, mark.reason) == (
            member,
            False,
            "Đi tập huấn ở Sở <GD>",
        )
        assert await s.scalar(select(Conversation)) is None
    to_chair = [r for r in await outbox(council.sessions) if r.chat_id == CHAIR]
    assert to_chair[-1].payload["text"] == (
        "🙋 <b>Phạm Thị Lan</b> báo vắng cuộc họp lúc 14:00 thứ Sáu, 15/03/2024. "
        "Lý do: Đi tập huấn ở Sở &lt;GD&gt;"
    )
    # The chair presides: no absence for her.
    with pytest.raises(Exception) as refused:
        await meetings.ask_absence(tg_user_id=CHAIR, meeting_id=meeting.id)
    assert getattr(refused.value, "key", "") == "meetings.chair_presides"

    # The day before: everyone on the council is reminded but the member who will be absent.
    before = {r.id for r in await outbox(council.sessions)}
    council.clock.now = STARTS - timedelta(days=1)
    assert await fire_due(council.deps()) == 1
    reminded = {r.chat_id: r for r in await outbox(council.sessions) if r.id not in before}
    assert set(reminded) == {CHAIR, VICE}
    assert "ngày mai có phiên họp bình xét" in reminded[VICE].payload["text"]
    assert labels(reminded[VICE]) == ["🙋 Báo vắng"] and labels(reminded[CHAIR]) == []


async def test_the_reminders_fire_a_day_and_an_hour_before_and_never_late(
    council: Council,
) -> None:
    meeting = await schedule(council)
    deps = council.deps()
    council.clock.now = STARTS - timedelta(days=1, seconds=1)
    assert await fire_due(deps) == 0
    council.clock.now = STARTS - timedelta(hours=1)
    assert await fire_due(deps) == 2  # the day's (late but before the start) and the hour's
    rows = await outbox(council.sessions, f"meeting:{meeting.id}:notice")
    last_hour = [r for r in rows if "còn khoảng 1 giờ nữa" in r.payload["text"]]
    assert {r.chat_id for r in last_hour} == {CHAIR, VICE, COUNCIL}
    chair = next(r for r in last_hour if r.chat_id == CHAIR)
    assert datas(chair) == [MeetingOpen(meeting_id=meeting.id).pack()]
    assert labels(chair) == ["▶️ Bắt đầu họp"]
    assert await fire_due(deps) == 0  # once only


async def test_a_reminder_due_while_the_bot_was_down_is_skipped_after_the_start(
    council: Council,
) -> None:
    meeting = await schedule(council)
    sent = len(await outbox(council.sessions))
    council.clock.now = STARTS + timedelta(minutes=5)
    assert await fire_due(council.deps()) == 2
    assert {n.status for n in (await notices(council.sessions, meeting.id)).values()} == {
        NoticeStatus.SKIPPED
    }
    assert len(await outbox(council.sessions)) == sent


def test_the_planner_plans_only_the_reminders_still_ahead() -> None:
    now = datetime(2024, 3, 14, 20, 0, tzinfo=HN)
    planned = meeting_notices(7, STARTS, now)
    assert [(p.key, p.due_at, p.stale_after) for p in planned] == [
        ("meeting:7:reminder:1h", STARTS - timedelta(hours=1), STARTS)
    ]
    assert planned[0].payload == {"meeting_id": 7, "before": "1h"}
    assert len(meeting_notices(7, STARTS, now - timedelta(days=1))) == 2


# ---------------------------------------------------------------------------- open, check in


async def test_the_chair_opens_the_meeting_from_half_an_hour_before_its_start(
    council: Council, texts: Texts
) -> None:
    meeting = await schedule(council)
    await absent(council, COUNCIL, meeting.id, "Ốm")
    (added,) = await add_council(council, 1)
    council.clock.now = STARTS - timedelta(minutes=31)
    with pytest.raises(Invalid) as refused:
        await council.meetings().open(tg_user_id=CHAIR, meeting_id=meeting.id)
    assert texts.plain("vi", refused.value.key, **refused.value.values) == (
        "Chưa đến giờ: Thầy/Cô bắt đầu họp được từ 13:30 ngày 15/03/2024."
    )
    with pytest.raises(Exception) as refused_member:
        await council.meetings().open(tg_user_id=VICE, meeting_id=meeting.id)
    assert getattr(refused_member.value, "key", "") == "errors.chair_only"

    council.clock.now = STARTS - timedelta(minutes=30)
    before = {r.id for r in await outbox(council.sessions)}
    opened = await council.meetings().open(tg_user_id=CHAIR, meeting_id=meeting.id)
    assert opened.meeting.status == "open"
    assert (opened.quorum.present, opened.quorum.size, opened.quorum.needed) == (1, 4, 3)
    async with council.sessions() as s:
        row = await s.get_one(Meeting, meeting.id)
        assert (row.council_size, row.opened_at) == (4, council.clock.now)
    assert {n.status for n in (await notices(council.sessions, meeting.id)).values()} == {
        "cancelled"
    }
    new = [r for r in await outbox(council.sessions) if r.id not in before]
    calls = [r for r in new if r.ref == f"meeting:{meeting.id}:checkin"]
    assert {r.chat_id for r in calls} == {VICE, added}  # not the chair, not the excused
    assert labels(calls[0]) == ["✋ Điểm danh"]
    assert datas(calls[0]) == [MeetingCheckIn(meeting_id=meeting.id).pack()]
    (panel,) = [r for r in new if r.ref == f"meeting:{meeting.id}:panel"]
    assert panel.chat_id == CHAIR
    assert "Có mặt 1/4 — cần 3 (2/3 theo quy định)" in panel.payload["text"]
    assert "✋ Có mặt: Trần Thị Thu Hà" in panel.payload["text"]
    assert "🙋 Báo vắng: Phạm Thị Lan (Ốm)" in panel.payload["text"]
    assert f"⏳ Chưa điểm danh: Lê Minh Tuấn, {name(added)}" in panel.payload["text"]
    assert labels(panel) == [
        "🗳 Biểu quyết: Lao động tiên tiến",
        "🗳 Biểu quyết: Chiến sĩ thi đua cơ sở",
        "Kết thúc họp",
    ]
    assert datas(panel) == [
        VoteOpen(meeting_id=meeting.id, title=0).pack(),
        VoteOpen(meeting_id=meeting.id, title=1).pack(),
        MeetingClose(meeting_id=meeting.id).pack(),
    ]
    with pytest.raises(AlreadyDone):
        await council.meetings().open(tg_user_id=CHAIR, meeting_id=meeting.id)
    # Scheduling again while it is under way is refused.
    with pytest.raises(AlreadyDone) as refused_again:
        await council.meetings().begin(tg_user_id=CHAIR)
    assert refused_again.value.key == "meetings.in_progress"


async def test_checking_in_twice_says_when_and_the_chairs_panel_follows(
    council: Council, texts: Texts
) -> None:
    meeting = await schedule(council)
    council.clock.now = STARTS
    await council.meetings().open(tg_user_id=CHAIR, meeting_id=meeting.id)
    council.clock.now = STARTS + timedelta(minutes=2)
    done = await council.meetings().check_in(tg_user_id=VICE, meeting_id=meeting.id)
    assert done.at == council.clock.now and done.quorum.present == 2 and done.quorum.ok
    (panel,) = await outbox(council.sessions, f"meeting:{meeting.id}:panel")
    assert "Có mặt 2/3 — cần 2 (2/3 theo quy định)" in panel.payload["text"]  # rewritten unsent
    assert "✅ Đủ số thành viên để biểu quyết." in panel.payload["text"]

    council.clock.now = STARTS + timedelta(minutes=5)
    with pytest.raises(AlreadyDone) as again:
        await council.meetings().check_in(tg_user_id=VICE, meeting_id=meeting.id)
    assert texts.render("vi", again.value.key, **again.value.values) == (
        "Thầy/Cô đã điểm danh lúc 14:02."
    )
    async with council.sessions() as s:
        marks = (await s.scalars(select(Attendance))).all()
    assert len(marks) == 2 and all(m.present for m in marks)


async def test_a_sent_panel_is_edited_when_a_member_checks_in(council: Council) -> None:
    meeting = await schedule(council)
    council.clock.now = STARTS
    await council.meetings().open(tg_user_id=CHAIR, meeting_id=meeting.id)
    async with council.sessions() as s:  # the sender delivered everything
        for row in await s.scalars(select(OutboxMessage)):
            row.status, row.tg_message_id = OutboxStatus.SENT, 100 + row.id
        await s.commit()
    await council.meetings().check_in(tg_user_id=COUNCIL, meeting_id=meeting.id)
    edits = [r for r in await outbox(council.sessions) if r.method == "edit_message_text"]
    assert [r.chat_id for r in edits] == [CHAIR]
    assert "Có mặt 2/3" in edits[0].payload["text"]
    assert "✋ Có mặt: Trần Thị Thu Hà, Phạm Thị Lan" in edits[0].payload["text"]


async def test_a_member_who_reported_an_absence_checks_in_when_they_come_after_all(
    council: Council,
) -> None:
    meeting = await schedule(council)
    await absent(council, COUNCIL, meeting.id, "Ốm")
    council.clock.now = STARTS
    await council.meetings().open(tg_user_id=CHAIR, meeting_id=meeting.id)
    card = await council.meetings().command(tg_user_id=COUNCIL)
    assert isinstance(card, Card) and card.absent_reason == "Ốm"
    done = await council.meetings().check_in(tg_user_id=COUNCIL, meeting_id=meeting.id)
    assert [a.name for a in done.quorum.attending] == ["Trần Thị Thu Hà", "Phạm Thị Lan"]
    assert done.quorum.excused == []
    member = await council.person(COUNCIL)
    async with council.sessions() as s:
        mark = await s.scalar(select(Attendance).where(Attendance.person_id == member))
        assert mark is not None and (mark.present, mark.reason) == (True, None)


async def test_check_in_is_refused_before_the_chair_opens_and_after_the_close(
    council: Council, texts: Texts
) -> None:
    meeting = await schedule(council)
    with pytest.raises(Invalid) as early:
        await council.meetings().check_in(tg_user_id=VICE, meeting_id=meeting.id)
    assert early.value.key == "meetings.not_open"
    council.clock.now = STARTS
    await council.meetings().open(tg_user_id=CHAIR, meeting_id=meeting.id)
    async with council.sessions() as s:  # the lead's "Kết thúc họp"
        row = await s.get_one(Meeting, meeting.id)
        row.status, row.closed_at = MeetingStatus.CLOSED, STARTS + timedelta(hours=1)
        await s.commit()
    with pytest.raises(AlreadyDone) as late:
        await council.meetings().check_in(tg_user_id=VICE, meeting_id=meeting.id)
    assert texts.render("vi", late.value.key) == "Cuộc họp đã kết thúc."
    async with council.sessions() as s:
        assert len((await s.scalars(select(Attendance))).all()) == 1  # the chair only


async def test_two_presses_of_check_in_at_once_count_once(council: Council) -> None:
    meeting = await schedule(council)
    council.clock.now = STARTS
    await council.meetings().open(tg_user_id=CHAIR, meeting_id=meeting.id)
    results = await asyncio.gather(
        council.meetings().check_in(tg_user_id=VICE, meeting_id=meeting.id),
        council.meetings().check_in(tg_user_id=VICE, meeting_id=meeting.id),
        return_exceptions=True,
    )
    assert sorted(type(r).__name__ for r in results) == ["AlreadyDone", "CheckedIn"]
    async with council.sessions() as s:
        meeting_row = await s.get_one(Meeting, meeting.id)
        assert (await quorum(s, meeting_row)).present == 2


# ---------------------------------------------------------------------------- the quorum


@pytest.mark.one_database
@pytest.mark.parametrize(
    ("rule", "present", "needed", "ok"),
    [("2/3", 5, 6, False), ("2/3", 6, 6, True), ("1/2", 5, 5, True), ("1/2", 4, 5, False)],
)
async def test_the_quorum_follows_the_schools_rule(
    council: Council, rule: str, present: int, needed: int, ok: bool
) -> None:
    extra = await add_council(council, 6)  # nine on the council with the chair, vice and member
    if rule != "2/3":
        env = Env(sessions=council.sessions, texts=council.texts, clock=council.clock, tz=HN)
        await SchoolSettings(env).change(tg_user_id=CHAIR, key="rules.quorum", raw=rule)
    meeting = await schedule(council)
    council.clock.now = STARTS
    await council.meetings().open(tg_user_id=CHAIR, meeting_id=meeting.id)
    await add_council(council, 1)  # joined after the opening: the council's size stays nine
    for tg in [VICE, COUNCIL, *extra][: present - 1]:
        await council.meetings().check_in(tg_user_id=tg, meeting_id=meeting.id)
    async with council.sessions() as s:
        counted = await quorum(s, await s.get_one(Meeting, meeting.id))
    assert (counted.present, counted.size, counted.needed, counted.rule, counted.ok) == (
        present,
        9,
        needed,
        rule,
        ok,
    )
    assert len(counted.attending) == present
    assert len(counted.missing) == 9 - present + 1  # and the late member, not counted in the size


async def test_the_quorum_lists_names_present_and_absent_with_reasons_for_the_minutes(
    council: Council,
) -> None:
    meeting = await schedule(council)
    await absent(council, VICE, meeting.id, "Công tác ở phường")
    council.clock.now = STARTS
    await council.meetings().open(tg_user_id=CHAIR, meeting_id=meeting.id)
    async with council.sessions() as s:
        counted = await quorum(s, await s.get_one(Meeting, meeting.id))
    assert [a.name for a in counted.attending] == ["Trần Thị Thu Hà"]
    assert [(a.name, a.reason) for a in counted.absent] == [
        ("Lê Minh Tuấn", "Công tác ở phường"),
        ("Phạm Thị Lan", None),
    ]
    assert not counted.ok and counted.needed == 2
