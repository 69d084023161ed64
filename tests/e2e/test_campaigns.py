"""Campaigns end to end: creation in chat, notices on time, registration, restarts."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from services import campaigns, orgs
from storage.db import SessionFactory
from storage.models import CampaignKind, Notice, NoticeStatus, Title
from tests.e2e.conftest import BotProcess, RunningBot
from tests.e2e.helpers import plant
from tests.factories import CHAIR, COUNCIL, TEACHER, VICE, make_school
from tgemu import EmuClient, User
from ui.texts import Texts

HN = ZoneInfo("Asia/Ho_Chi_Minh")


def local(moment: datetime, fmt: str = "%d/%m/%Y %H:%M") -> str:
    """A moment typed as a Vietnamese user would (local time)."""
    return moment.astimezone(HN).strftime(fmt)


async def staff(client: EmuClient) -> dict[int, User]:
    """The four members of the factory school, as emulator users who started the bot."""
    names = {CHAIR: "Hà", VICE: "Tuấn", COUNCIL: "Lan", TEACHER: "Mai"}
    return {tg: await client.user(tg, name, started=True) for tg, name in names.items()}


async def test_the_vice_chair_creates_a_campaign_in_chat_and_everyone_is_told(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await make_school(sessions, texts, now)
    people = await staff(client)
    vice = people[VICE]
    real_now = datetime.now(UTC)
    await vice.send("/newcampaign")
    await vice.wait_message(contains="tên phong trào")
    await vice.send("x" * 1000)
    await vice.wait_message(contains="từ 3 đến 200 ký tự (Thầy/Cô vừa gửi 1000 ký tự)")
    await vice.send("Người tốt, việc tốt <năm học 2025-2026>")
    ask = await vice.wait_message(contains="nội dung, mục đích")
    await vice.press(ask, "Bỏ qua")
    levels = await vice.wait_edit(ask, contains="cấp nào phát động")
    assert "Phường/Xã" in levels.button_texts and "Quận" not in levels.button_texts
    await vice.press(levels, "Trường")
    kinds = await vice.wait_edit(levels, contains="Hình thức tham gia")
    await vice.press(kinds, "Người tốt, việc tốt")
    await vice.wait_edit(kinds, contains="bắt đầu")
    await vice.send("31/02/2026")
    await vice.wait_message(contains="Không có ngày “31/02/2026” trên lịch")
    await vice.send(local(real_now - timedelta(days=2), "%d/%m/%Y"))
    await vice.wait_message(contains="Ngày bắt đầu đã qua")
    await vice.send(local(real_now))
    await vice.wait_message(contains="kết thúc")
    await vice.send(local(real_now - timedelta(days=1), "%d/%m/%Y"))
    await vice.wait_message(contains="phải sau ngày bắt đầu")
    await vice.send(local(real_now + timedelta(days=30), "%d/%m/%Y"))
    reminders = await vice.wait_message(contains="Nhắc hạn trước")
    await vice.press(reminders, "Mặc định (7 và 1 ngày)")
    preview = await vice.wait_edit(reminders, contains="Xem trước")
    assert "Người tốt, việc tốt <năm học 2025-2026>" in preview.text
    await vice.press(preview, "✅ Tạo phong trào")
    await vice.wait_edit(preview, contains="Đã tạo phong trào")
    for person in people.values():
        notice = await person.wait_message(contains="Phát động phong trào thi đua")
        assert "Người tốt, việc tốt <năm học 2025-2026>" in notice.text
        assert notice.button_texts == ["Xem phong trào"]


async def test_a_teacher_registers_a_title_from_the_launch_notice(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    school = await make_school(sessions, texts, now)
    people = await staff(client)
    real_now = datetime.now(UTC)
    async with sessions() as s:
        await campaigns.create_direct(
            s,
            org_id=school.org_id,
            name="Đăng ký danh hiệu thi đua năm học 2025-2026",
            kind=CampaignKind.REGISTRATION,
            starts_at=real_now + timedelta(seconds=1),
            ends_at=real_now + timedelta(days=20),
            now=real_now,
        )
    teacher = people[TEACHER]
    # A registration campaign is announced as what it is (issue 17, item 29).
    notice = await teacher.wait_message(contains="Thông báo đăng ký danh hiệu thi đua")
    assert "đăng ký danh hiệu trước" in notice.text and "Phát động phong trào" not in notice.text
    assert "Cấp phát động: " in notice.text
    await teacher.press(notice, "Xem phong trào")
    card = await teacher.wait_message(contains="Thầy/Cô chưa đăng ký danh hiệu")
    assert "Đăng ký: Lao động tiên tiến" in card.button_texts
    answer = await teacher.press(card, "Đăng ký: Lao động tiên tiến")
    assert answer is not None and answer.text == "Đã đăng ký Lao động tiên tiến."
    await teacher.wait_edit(card, contains="Thầy/Cô đã đăng ký: Lao động tiên tiến")
    await teacher.send("/campaigns")
    listing = await teacher.wait_message(contains="đang và sắp diễn ra")
    assert "✅" in listing.text


async def test_a_reminder_reaches_only_those_not_done_with_the_days_left(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    school = await make_school(sessions, texts, now)
    people = await staff(client)
    real_now = datetime.now(UTC)
    async with sessions() as s:
        campaign = await campaigns.create_direct(
            s,
            org_id=school.org_id,
            name="Đăng ký danh hiệu",
            kind=CampaignKind.REGISTRATION,
            starts_at=real_now - timedelta(seconds=1),
            ends_at=real_now + timedelta(days=7, seconds=8),
            reminder_days=[7],
            now=real_now,
        )
    # The teacher registers as soon as the campaign opens, well before the reminder is due.
    await people[TEACHER].wait_message(contains="Thông báo đăng ký danh hiệu")
    async with sessions() as s:
        title = await s.scalar(select(Title).where(Title.name == "Chiến sĩ thi đua cơ sở"))
        assert title is not None
        await campaigns.register(
            s, tg_user_id=TEACHER, campaign_id=campaign.id, title_id=title.id, now=datetime.now(UTC)
        )
    for tg in (CHAIR, VICE, COUNCIL):
        reminder = await people[tg].wait_message(contains="còn 7 ngày", timeout=20)
        assert "chưa đăng ký danh hiệu" in reminder.text
    texts_seen = [m.text for m in await client.messages(people[TEACHER])]
    assert not any("còn 7 ngày" in t for t in texts_seen)


async def test_closing_early_tells_participants_and_gives_the_council_a_summary(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    school = await make_school(sessions, texts, now)
    people = await staff(client)
    group = await client.group("Hội đồng", members=[people[CHAIR], people[COUNCIL]])
    async with sessions() as s:
        await orgs.bind_council(s, tg_user_id=CHAIR, chat_id=group.id, now=now)
    real_now = datetime.now(UTC)
    async with sessions() as s:
        await campaigns.create_direct(
            s,
            org_id=school.org_id,
            name="Viết về gương điển hình",
            kind=CampaignKind.OPT_IN,
            starts_at=real_now - timedelta(seconds=1),
            ends_at=real_now + timedelta(days=5),
            now=real_now,
        )
    chair, teacher = people[CHAIR], people[TEACHER]
    notice = await teacher.wait_message(contains="Phát động")
    await teacher.press(notice, "Xem phong trào")
    card = await teacher.wait_message(contains="Thầy/Cô chưa tham gia")
    assert "🔒" not in card.text and "⏹ Kết thúc sớm" not in card.button_texts
    await teacher.press(card, "🙋 Tham gia")
    await teacher.wait_edit(card, contains="chưa gửi câu chuyện")
    await chair.wait_message(contains="Phát động")
    await chair.send("/campaigns")
    listing = await chair.wait_message(contains="đang và sắp diễn ra")
    await chair.press(listing, "Viết về gương điển hình")
    card = await chair.wait_edit(listing, contains="Viết về gương điển hình")
    await chair.press(card, "⏹ Kết thúc sớm")
    confirm = await chair.wait_edit(card, contains="Kết thúc sớm phong trào")
    await chair.press(confirm, "Đồng ý kết thúc")
    await chair.wait_edit(confirm, contains="Đã kết thúc phong trào")
    await teacher.wait_message(contains="đã kết thúc. Cảm ơn")
    summary = await chair.wait_message(group, contains="Tổng kết: Viết về gương điển hình")
    assert "Hoàn thành: 0/1 người" in summary.text
    assert not any("đã kết thúc. Cảm ơn" in m.text for m in await client.messages(people[VICE]))


async def test_notices_due_while_the_bot_was_down_are_sent_once_and_stale_ones_skipped(
    bot_process: BotProcess,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    school = await make_school(sessions, texts, now)
    people = await staff(client)
    real_now = datetime.now(UTC)
    async with sessions() as s:
        # Opened an hour ago while the bot was down: its launch is late but still meaningful.
        await campaigns.create_direct(
            s,
            org_id=school.org_id,
            name="Phong trào A",
            kind=CampaignKind.GOOD_DEEDS,
            starts_at=real_now - timedelta(hours=1),
            ends_at=real_now + timedelta(days=3),
            reminder_days=[],
            now=real_now - timedelta(hours=2),
        )
        # Ended yesterday while the bot was down: launch and reminder are stale, skipped.
        await campaigns.create_direct(
            s,
            org_id=school.org_id,
            name="Phong trào B",
            kind=CampaignKind.GOOD_DEEDS,
            starts_at=real_now - timedelta(days=5),
            ends_at=real_now - timedelta(days=1),
            reminder_days=[2],
            now=real_now - timedelta(days=6),
        )
    await bot_process.start()
    for person in people.values():
        # Due in this order: B's closing (yesterday), then A's launch (an hour ago).
        await person.wait_message(contains="Phong trào B đã kết thúc", timeout=20)
        await person.wait_message(contains="Phong trào A", timeout=20)
    async with sessions() as s:
        skipped = (
            await s.scalars(select(Notice.key).where(Notice.status == NoticeStatus.SKIPPED))
        ).all()
    assert sorted(k.split(":")[2] for k in skipped) == ["launch", "reminder"]
    code = await bot_process.terminate()
    assert code == 0
    await bot_process.start()
    await people[TEACHER].send("/campaigns")
    await people[TEACHER].wait_message(contains="Phong trào A", timeout=20)
    for person in people.values():
        seen = [m.text for m in await client.messages(person) if m.from_bot]
        assert sum("Phát động phong trào thi đua" in t for t in seen) == 1
        assert sum("Phong trào B đã kết thúc" in t for t in seen) == 1
    await bot_process.terminate()


async def test_a_story_reported_during_a_campaign_is_attached_to_it_and_counts_as_done(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    school = await make_school(sessions, texts, now)
    people = await staff(client)
    group = await client.group("Hội đồng", members=[people[CHAIR], people[COUNCIL]])
    async with sessions() as s:
        await orgs.bind_council(s, tg_user_id=CHAIR, chat_id=group.id, now=now)
    real_now = datetime.now(UTC)
    async with sessions() as s:
        await campaigns.create_direct(
            s,
            org_id=school.org_id,
            name="Người tốt, việc tốt & sẻ chia",
            now=real_now,
            kind=CampaignKind.GOOD_DEEDS,
            starts_at=real_now - timedelta(seconds=1),
            ends_at=real_now + timedelta(days=10),
            reminder_days=[],
        )
    teacher = people[TEACHER]
    await teacher.wait_message(contains="Phát động")
    await teacher.send("/report")
    ask = await teacher.wait_message(contains="Kể lại việc tốt")
    await teacher.send("Cô Hương phụ đạo miễn phí cho 5 học sinh.")
    await teacher.wait_message(contains="Đã ghi nhận")
    await teacher.press(ask, "Xong phần nội dung →")
    photos = await teacher.wait_edit(ask, contains="ảnh minh chứng")
    await teacher.press(photos, "Tiếp tục →")
    nominee = await teacher.wait_edit(photos, contains="Ai là người được nêu gương")
    await teacher.press(nominee, "Chính tôi")
    pick = await teacher.wait_edit(nominee, contains="thuộc phong trào nào")
    assert pick.button_texts == ["Người tốt, việc tốt & sẻ chia", "Không thuộc phong trào nào"]
    await teacher.press(pick, "Người tốt, việc tốt & sẻ chia")
    preview = await teacher.wait_edit(pick, contains="Phong trào: Người tốt, việc tốt & sẻ chia")
    await teacher.press(preview, "📨 Gửi")
    await teacher.wait_edit(preview, contains="Đã gửi câu chuyện")
    card = await people[COUNCIL].wait_message(group, contains="Người tốt, việc tốt #")
    assert "Phong trào: Người tốt, việc tốt & sẻ chia" in card.text
    await teacher.send("/campaigns")
    listing = await teacher.wait_message(contains="đang và sắp diễn ra")
    await teacher.press(listing, "Người tốt, việc tốt & sẻ chia")
    await teacher.wait_edit(listing, contains="Thầy/Cô đã gửi 1 câu chuyện")


async def test_the_chair_changes_a_campaigns_dates_in_chat_and_a_teacher_cannot_close_it(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    school = await make_school(sessions, texts, now)
    people = await staff(client)
    real_now = datetime.now(UTC)
    async with sessions() as s:
        campaign = await campaigns.create_direct(
            s,
            org_id=school.org_id,
            name="Đổi mới phương pháp dạy học",
            kind=CampaignKind.GOOD_DEEDS,
            starts_at=real_now + timedelta(days=2),
            ends_at=real_now + timedelta(days=10),
            now=real_now,
        )
    chair, teacher = people[CHAIR], people[TEACHER]
    await chair.send("/campaigns")
    listing = await chair.wait_message(contains="đang và sắp diễn ra")
    await chair.press(listing, "Đổi mới phương pháp dạy học")
    card = await chair.wait_edit(listing, contains="Đổi mới phương pháp dạy học")
    await chair.press(card, "🗓 Đổi thời gian")
    await chair.wait_message(contains="hạn kết thúc mới")
    await chair.send("99/99/2030")
    await chair.wait_message(contains="99/99/2030")
    new_end = local(real_now + timedelta(days=20), "%d/%m/%Y")
    await chair.send(new_end)
    done = await chair.wait_message(contains="Đã cập nhật thời gian phong trào")
    assert new_end in done.text
    async with sessions() as s:
        reminders = (
            await s.scalars(
                select(Notice.due_at).where(
                    Notice.campaign_id == campaign.id,
                    Notice.kind == "reminder",
                    Notice.status == NoticeStatus.PENDING,
                )
            )
        ).all()
    assert len(reminders) == 2 and all(due > real_now + timedelta(days=10) for due in reminders)
    # A teacher's card has no "close" button; one planted there is refused with the reason.
    planted = await plant(bot.app.bot, TEACHER, teacher, f"v1:cx:{campaign.id}")
    answer = await teacher.press(planted, callback_data=f"v1:cx:{campaign.id}")
    assert answer is not None and answer.show_alert
    assert answer.text == "Xin lỗi, chỉ Chủ tịch và Phó Chủ tịch Hội đồng mới làm được việc này."
