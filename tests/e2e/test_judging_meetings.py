"""The judging meeting end to end: the chair schedules it in chat, the council is invited, a
member reports an absence, the reminders come, the chair opens it, members check in and the
chair's panel shows the quorum."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from services import members
from storage.db import SessionFactory
from storage.models import JudgingRound, Person, Role, RoundStatus
from tests.e2e.conftest import RunningBot
from tests.e2e.helpers import plant
from tests.factories import CHAIR, COUNCIL, TEACHER, VICE, School, join, make_school
from tgemu import EmuClient, User
from ui.texts import Texts

HN = ZoneInfo("Asia/Ho_Chi_Minh")
HUNG, HOA = 2101, 2102  # two more council members
WEEKDAYS = ("thứ Hai", "thứ Ba", "thứ Tư", "thứ Năm", "thứ Sáu", "thứ Bảy", "Chủ nhật")


async def council_of_five(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> None:
    """Two more teachers made council members, and the school's judging round opened."""
    for tg, name in ((HUNG, "Đỗ Văn Hùng"), (HOA, "Nguyễn Thị Hoa")):
        mid = await join(
            sessions,
            texts,
            now,
            code=school.invite_code,
            tg_user_id=tg,
            name=name,
            department_id=school.departments["Tổ 2"],
        )
        async with sessions() as s:
            await members.decide_join(
                s, membership_id=mid, approver_tg_id=CHAIR, approve=True, texts=texts, now=now
            )
        async with sessions() as s:
            await members.set_role(
                s, tg_user_id=CHAIR, membership_id=mid, role=Role.COUNCIL, texts=texts, now=now
            )
    year = now.astimezone(HN).year - (1 if now.astimezone(HN).month < 9 else 0)
    async with sessions() as s:
        chair = await s.scalar(select(Person.id).where(Person.tg_user_id == CHAIR))
        assert chair is not None
        s.add(
            JudgingRound(
                org_id=school.org_id,
                name=f"Bình xét thi đua năm học {year}-{year + 1}",
                year=year,
                period_start=date(year, 9, 5),
                period_end=date(year + 1, 5, 31),
                titles=["Lao động tiên tiến", "Chiến sĩ thi đua cơ sở"],
                status=RoundStatus.OPEN,
                created_by=chair,
                created_at=now,
            )
        )
        await s.commit()


def move_clock(bot: RunningBot) -> Callable[[datetime], None]:
    """The bot's clock (use cases, scheduler, outbox sender), set to a moment that then runs on."""
    offset = [timedelta(0)]

    def clock() -> datetime:
        return datetime.now(UTC) + offset[0]

    bot.deps.clock = clock
    assert bot.deps.sender is not None
    bot.deps.sender.clock = clock

    def set_to(moment: datetime) -> None:
        offset[0] = moment - datetime.now(UTC)

    return set_to


async def test_the_council_meets_members_report_absence_check_in_and_the_chair_sees_the_quorum(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory, texts: Texts
) -> None:
    real_now = datetime.now(UTC)
    school = await make_school(sessions, texts, real_now)
    names = {CHAIR: "Hà", VICE: "Tuấn", COUNCIL: "Lan", TEACHER: "Mai", HUNG: "Hùng", HOA: "Hoa"}
    people: dict[int, User] = {
        tg: await client.user(tg, name, started=True) for tg, name in names.items()
    }
    await council_of_five(sessions, texts, real_now, school)
    chair, vice, lan, hung, hoa = (people[t] for t in (CHAIR, VICE, COUNCIL, HUNG, HOA))
    set_clock = move_clock(bot)

    # The chair schedules the meeting in chat.
    await chair.send("/meeting")
    await chair.wait_message(contains="Lên lịch phiên họp bình xét")
    await chair.send("31/02/2027 14:00")
    await chair.wait_message(contains="Không có ngày “31/02/2027” trên lịch")
    yesterday = (real_now - timedelta(days=1)).astimezone(HN)
    await chair.send(f"{yesterday:%d/%m/%Y} 14h")
    await chair.wait_message(contains="Thời điểm này đã qua")
    day = (real_now + timedelta(days=2)).astimezone(HN)
    starts = datetime(day.year, day.month, day.day, 14, 0, tzinfo=HN)
    await chair.send(f"{day.day}/{day.month} 14h")
    await chair.wait_message(contains="địa điểm họp")
    await chair.send("Phòng họp tầng 2")
    agenda = await chair.wait_message(contains="Chương trình mặc định")
    assert "1. Báo cáo kết quả thi đua năm học" in agenda.text
    await chair.press(agenda, "Dùng chương trình mặc định")
    secretary = await chair.wait_edit(agenda, contains="Chọn thư ký")
    assert set(secretary.button_texts) == {
        "Lê Minh Tuấn",
        "Phạm Thị Lan",
        "Đỗ Văn Hùng",
        "Nguyễn Thị Hoa",
    }
    await chair.press(secretary, "Lê Minh Tuấn")
    preview = await chair.wait_edit(secretary, contains="Xem trước")
    assert f"14:00 {WEEKDAYS[day.weekday()]}, {day:%d/%m/%Y}" in preview.text
    await chair.press(preview, "✅ Lên lịch họp")
    await chair.wait_edit(preview, contains="Đã lên lịch họp")

    # The council is invited (not the teacher); one member reports an absence.
    invitations = {}
    for member in (vice, lan, hung, hoa):
        invitation = await member.wait_message(contains="Giấy mời họp Hội đồng")
        assert "Phòng họp tầng 2" in invitation.text and "Thư ký: Lê Minh Tuấn" in invitation.text
        assert invitation.button_texts == ["🙋 Báo vắng"]
        invitations[member.id] = invitation
    assert not any("Giấy mời họp" in m.text for m in await client.messages(people[TEACHER]))
    await lan.press(invitations[COUNCIL], "🙋 Báo vắng")
    await lan.wait_message(contains="lý do vắng mặt")
    await lan.send("Đi tập huấn chuyên môn ở phường")
    await lan.wait_message(contains="Đã ghi nhận Thầy/Cô vắng mặt")
    told = await chair.wait_message(contains="báo vắng")
    assert "Phạm Thị Lan" in told.text and "Đi tập huấn chuyên môn ở phường" in told.text

    # The reminders: the day before and an hour before, not to the member who will be absent.
    set_clock(starts - timedelta(days=1) + timedelta(seconds=1))
    for member in (vice, hung, hoa):
        await member.wait_message(contains="ngày mai có phiên họp bình xét", timeout=20)
    set_clock(starts - timedelta(hours=1) + timedelta(seconds=1))
    reminder = await chair.wait_message(contains="còn khoảng 1 giờ nữa", timeout=20)
    assert reminder.button_texts == ["▶️ Bắt đầu họp"]
    await hoa.wait_message(contains="còn khoảng 1 giờ nữa", timeout=20)
    assert not any("Nhắc lịch họp" in m.text for m in await client.messages(lan))

    # Too early to open; then the chair opens it and the members check in.
    answer = await chair.press(reminder, "▶️ Bắt đầu họp")
    assert answer is not None and answer.show_alert
    assert "Chưa đến giờ" in (answer.text or "")
    set_clock(starts - timedelta(minutes=10))
    await chair.press(reminder, "▶️ Bắt đầu họp")
    await chair.wait_edit(reminder, contains="Cuộc họp đã bắt đầu")
    panel = await chair.wait_message(contains="Phiên họp bình xét")
    assert "Có mặt 1/5 — cần 4 (2/3 theo quy định)" in panel.text
    assert "Phạm Thị Lan (Đi tập huấn chuyên môn ở phường)" in panel.text
    assert panel.button_texts == [
        "🗳 Biểu quyết: Lao động tiên tiến",
        "🗳 Biểu quyết: Chiến sĩ thi đua cơ sở",
        "Kết thúc họp",
    ]
    calls = {}
    for member in (vice, hung, hoa):
        calls[member.id] = await member.wait_message(contains="Phiên họp bình xét đã bắt đầu")
        assert calls[member.id].button_texts == ["✋ Điểm danh"]
    answer = await vice.press(calls[VICE], "✋ Điểm danh")
    assert answer is not None and (answer.text or "").startswith("Đã điểm danh lúc ")
    await vice.wait_edit(calls[VICE], contains="Thầy/Cô đã điểm danh lúc")
    panel = await chair.wait_edit(panel, contains="Có mặt 2/5 — cần 4")
    assert "⚠️ Chưa đủ số thành viên để biểu quyết." in panel.text
    # Pressed again (a client that had not yet shown the edit): told since when.
    check_in = calls[VICE].buttons[0][0][1]
    stale = await plant(bot.app.bot, VICE, vice, check_in)
    again = await vice.press(stale, callback_data=check_in)
    assert again is not None and again.show_alert
    assert (again.text or "").startswith("Thầy/Cô đã điểm danh lúc ")
    for member in (hung, hoa):
        await member.press(calls[member.id], "✋ Điểm danh")
    panel = await chair.wait_edit(panel, contains="Có mặt 4/5 — cần 4")
    assert "✅ Đủ số thành viên để biểu quyết." in panel.text

    # The member who reported an absence came after all: /meeting lets her check in.
    await lan.send("/meeting")
    card = await lan.wait_message(contains="Thầy/Cô đã báo vắng")
    await lan.press(card, "✋ Điểm danh")
    await chair.wait_edit(panel, contains="Có mặt 5/5 — cần 4")

    # Someone not on the council has no meeting to see.
    await people[TEACHER].send("/meeting")
    await people[TEACHER].wait_message(contains="chỉ dành cho thành viên Hội đồng")


async def test_the_chair_moves_then_cancels_the_meeting_from_its_card(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory, texts: Texts
) -> None:
    real_now = datetime.now(UTC)
    school = await make_school(sessions, texts, real_now)
    await council_of_five(sessions, texts, real_now, school)
    chair = await client.user(CHAIR, "Hà", started=True)
    vice = await client.user(VICE, "Tuấn", started=True)
    meetings = bot.deps.services.meetings
    day = (real_now + timedelta(days=3)).astimezone(HN)
    await meetings.begin(tg_user_id=CHAIR)
    await meetings.answer(tg_user_id=CHAIR, text=f"{day:%d/%m/%Y} 8h")
    await meetings.answer(tg_user_id=CHAIR, text="Thư viện")
    await meetings.use_default_agenda(tg_user_id=CHAIR)
    await meetings.choose_secretary(tg_user_id=CHAIR, person_id=await _person(sessions, VICE))
    await meetings.create(tg_user_id=CHAIR)
    await vice.wait_message(contains="Giấy mời họp")

    await chair.send("/meeting")
    card = await chair.wait_message(contains="Thư viện")
    assert card.button_texts == ["▶️ Bắt đầu họp", "🗓 Đổi lịch", "✖️ Hủy cuộc họp"]
    await chair.press(card, "🗓 Đổi lịch")
    ask = await chair.wait_message(contains="Lên lịch phiên họp bình xét")
    assert f"08:00 {WEEKDAYS[day.weekday()]}, {day:%d/%m/%Y} sẽ bị hủy" in ask.text
    await chair.send("/cancel")
    await chair.wait_message(contains="Đã hủy")

    await chair.press(card, "✖️ Hủy cuộc họp")
    confirm = await chair.wait_message(contains="Hủy cuộc họp lúc")
    await chair.press(confirm, "Đồng ý hủy cuộc họp")
    await chair.wait_edit(confirm, contains="Đã hủy cuộc họp lúc")
    await vice.wait_message(contains="đã hủy")
    await vice.send("/meeting")
    await vice.wait_message(contains="chưa có phiên họp bình xét nào")
    answer = await chair.press(card, "▶️ Bắt đầu họp")
    assert answer is not None and answer.show_alert and answer.text == "Cuộc họp này đã hủy."


async def _person(sessions: SessionFactory, tg: int) -> int:
    async with sessions() as s:
        found = await s.scalar(select(Person.id).where(Person.tg_user_id == tg))
    assert found is not None
    return found
