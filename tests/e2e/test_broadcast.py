"""Broadcasts and publishing end to end: the real bot over HTTP against the Bot API emulator."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import func, insert, select

from services import broadcasts, orgs, stories
from storage.db import SessionFactory
from storage.models import (
    AuditEntry,
    Membership,
    MemberStatus,
    NomineeKind,
    OutboxMessage,
    OutboxStatus,
    Person,
    Receipt,
    Role,
    Story,
)
from tests.e2e.conftest import RunningBot
from tests.e2e.helpers import png
from tests.factories import CHAIR, COUNCIL, TEACHER, VICE, School
from tgemu import Chat, EmuClient, Msg, User
from ui.texts import Texts

TEXT = "Kính gửi Thầy/Cô: họp toàn trường lúc 14:00 thứ Sáu <b>không phải thẻ</b> & mang hồ sơ."


@pytest.fixture(autouse=True)
def _fast_progress(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Progress rounds every 0.3 s instead of 3 s, so reports come quickly."""
    monkeypatch.setenv("BROADCAST_PROGRESS_SECONDS", "0.3")
    yield


@dataclass
class Staff:
    """The school and its people in the emulator."""

    school: School
    chair: User
    vice: User
    member: User
    teacher: User


@pytest.fixture
async def staff(school: School, bot: RunningBot, client: EmuClient) -> Staff:
    """A school: the chair and vice-chair (Tổ Văn phòng), a council member and a teacher (Tổ 1)."""
    return Staff(
        school,
        await client.user(CHAIR, "Hà", last_name="Trần", started=True),
        await client.user(VICE, "Tuấn", last_name="Lê", started=True),
        await client.user(COUNCIL, "Lan", last_name="Phạm", started=True),
        await client.user(TEACHER, "Mai", last_name="Vũ", started=True),
    )


async def add_staff(
    sessions: SessionFactory,
    org_id: int,
    department_id: int,
    start_id: int,
    count: int,
    now: datetime,
) -> None:
    """Many active staff at once (rows written directly: joining one by one is not the point)."""
    async with sessions() as s:
        await s.execute(
            insert(Person),
            [
                {
                    "tg_user_id": start_id + i,
                    "full_name": f"Giáo viên {i:04d}",
                    "current_org_id": org_id,
                    "created_at": now,
                }
                for i in range(count)
            ],
        )
        ids = (
            await s.scalars(
                select(Person.id).where(
                    Person.tg_user_id >= start_id, Person.tg_user_id < start_id + count
                )
            )
        ).all()
        await s.execute(
            insert(Membership),
            [
                {
                    "org_id": org_id,
                    "person_id": person_id,
                    "role": Role.STAFF,
                    "department_id": department_id,
                    "status": MemberStatus.ACTIVE,
                    "requested_at": now,
                    "decided_at": now,
                }
                for person_id in ids
            ],
        )
        await s.commit()


async def prepare(
    sessions: SessionFactory, texts: Texts, now: datetime, audience: str = "all", html: str = TEXT
) -> None:
    """The chair's draft, written and addressed (the dialogue itself is tested once, below)."""
    async with sessions() as s:
        await broadcasts.start(s, tg_user_id=CHAIR, texts=texts, now=now)
        await broadcasts.set_text(s, tg_user_id=CHAIR, html=html, length=len(html), now=now)
        await broadcasts.to_audience(s, tg_user_id=CHAIR, now=now)
        await broadcasts.choose_audience(s, tg_user_id=CHAIR, audience=audience, now=now)


async def send_prepared(chair: User, recipients: int) -> tuple[Msg, Msg]:
    """/broadcast picks the draft up at its preview; press Send; return (preview, progress)."""
    await chair.send("/broadcast")
    preview = await chair.wait_message(contains="📢 Thông báo")
    summary = await chair.wait_message(contains="Xem trước")
    await chair.press(summary, f"📨 Gửi ({recipients} người)")
    return preview, summary


async def test_the_chair_writes_picks_a_department_previews_and_only_it_receives(
    staff: Staff, client: EmuClient, sessions: SessionFactory
) -> None:
    chair = staff.chair
    await chair.send("/broadcast")
    await chair.wait_message(contains="Soạn thông báo")
    await chair.send(TEXT)
    ack = await chair.wait_message(contains="Đã nhận nội dung")
    await chair.press(ack, "Chọn người nhận →")
    pick = await chair.wait_edit(ack, contains="gửi thông báo tới ai")
    assert pick.button_texts[:3] == [
        "👥 Toàn thể CB-GV-NV (3)",
        "🎖 Hội đồng TĐKT (2)",
        "🏫 Một tổ…",
    ]
    await chair.press(pick, "🏫 Một tổ…")
    departments = await chair.wait_edit(pick, contains="chọn tổ nhận")
    assert "Tổ 1 (2)" in departments.button_texts and "Tổ 2 (0)" in departments.button_texts
    await chair.press(departments, "Tổ 1 (2)")
    preview = await chair.wait_message(contains="📢 Thông báo")
    summary = await chair.wait_message(contains="Xem trước")
    assert "Người nhận: Tổ 1 – 2 người" in summary.text
    assert preview.text == f"📢 Thông báo · Trần Thị Thu Hà\n\n{TEXT}"  # typed text, not markup
    assert preview.button_texts == ["✅ Đã xem"]
    explained = await chair.press(preview, "✅ Đã xem")
    assert explained is not None and "bản xem trước" in (explained.text or "")

    await chair.press(summary, "📨 Gửi (2 người)")
    for person in (staff.member, staff.teacher):
        got = await person.wait_message(contains="họp toàn trường")
        assert (got.text, got.entities, got.buttons) == (
            preview.text,
            preview.entities,
            [[("✅ Đã xem", "v1:rr:1")]],
        )
    done = await chair.wait_edit(summary, contains="Đã gửi xong")
    assert "Đã gửi: 2/2" in done.text and done.button_texts == ["👀 Ai đã xem?"]
    report = await chair.wait_message(contains="Báo cáo gửi thông báo #1")
    assert "Đã nhận: 2/2 người" in report.text and "Không có ai bị sót" in report.text
    assert not [m for m in await client.messages(staff.vice) if "họp toàn trường" in m.text]


async def test_a_teacher_and_a_council_member_are_refused_politely(staff: Staff) -> None:
    for person in (staff.teacher, staff.member):
        await person.send("/broadcast")
        refused = await person.wait_message(contains="chỉ Chủ tịch và Phó Chủ tịch")
        assert refused.buttons == []


async def test_blocked_and_unknown_chats_are_unreachable_never_retried_and_reported(
    staff: Staff, client: EmuClient, sessions: SessionFactory
) -> None:
    await staff.teacher.block_bot()
    await client.inject("sendPhoto", "chat_not_found", chat_id=COUNCIL)
    chair = staff.chair
    await chair.send("/broadcast")
    await chair.wait_message(contains="Soạn thông báo")
    await chair.send_photo(png(3), caption="Ảnh <i>hội giảng</i> tuần này & kế hoạch")
    ack = await chair.wait_message(contains="Đã nhận ảnh")
    await chair.press(ack, "Chọn người nhận →")
    pick = await chair.wait_edit(ack, contains="gửi thông báo tới ai")
    await chair.press(pick, "👥 Toàn thể CB-GV-NV (3)")
    preview = await chair.wait_message(contains="hội giảng")
    assert preview.photo
    summary = await chair.wait_message(contains="Xem trước")
    await chair.press(summary, "📨 Gửi (3 người)")

    got = await staff.vice.wait_message(contains="hội giảng")
    assert got.photo and got.text == preview.text and got.button_texts == ["✅ Đã xem"]
    report = await chair.wait_message(contains="Báo cáo gửi thông báo #1")
    assert "Đã nhận: 1/3 người" in report.text
    assert "Không gửi được tới 2 người" in report.text
    assert "• Phạm Thị Lan – không tìm thấy cuộc trò chuyện" in report.text
    assert "• Vũ Thị Mai – đã chặn bot" in report.text
    for chat_id in (COUNCIL, TEACHER):
        assert len(await client.calls("sendPhoto", chat_id=chat_id)) == 1
    async with sessions() as s:
        rows = (await s.scalars(select(OutboxMessage).where(OutboxMessage.ref == "bc:1"))).all()
    statuses = {r.chat_id: (r.status, r.attempts) for r in rows}
    assert statuses == {
        VICE: (OutboxStatus.SENT, 0),
        COUNCIL: (OutboxStatus.UNREACHABLE, 0),
        TEACHER: (OutboxStatus.UNREACHABLE, 0),
    }


async def test_the_sender_stops_a_running_broadcast_and_nothing_more_is_sent(
    staff: Staff,
    bot: RunningBot,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    many = 150
    await client.create_users(50_000, many)
    await add_staff(
        sessions, staff.school.org_id, staff.school.departments["Tổ 2"], 50_000, many, now
    )
    await prepare(sessions, texts, now)
    _, progress = await send_prepared(staff.chair, many + 3)
    while True:  # let some go out first
        shown = next(
            m for m in await client.messages(staff.chair) if m.message_id == progress.message_id
        )
        if "⏹ Dừng gửi" in shown.button_texts and "Đã gửi: 0/" not in shown.text:
            break
        await asyncio.sleep(0.05)
    answer = await staff.chair.press(shown, "⏹ Dừng gửi")
    at_stop = sum((await client.delivered_counts()).values())
    assert answer is not None and "Đã dừng" in (answer.text or "")
    report = await staff.chair.wait_message(contains="Báo cáo gửi thông báo #1")
    assert "Thầy/Cô đã dừng gửi giữa chừng" in report.text
    await asyncio.sleep(0.5)
    delivered = await client.delivered_counts()
    to_recipients = sum(n for chat, n in delivered.items() if chat != CHAIR)
    batch = bot.deps.settings.outbox_batch_size
    async with sessions() as s:
        counts = dict(
            (
                await s.execute(
                    select(OutboxMessage.status, func.count())
                    .where(OutboxMessage.ref == "bc:1")
                    .group_by(OutboxMessage.status)
                )
            ).all()
        )
    assert counts[OutboxStatus.SENT] == to_recipients < many
    assert counts[OutboxStatus.CANCELLED] == many + 3 - to_recipients
    assert sum(delivered.values()) - at_stop <= batch + 1  # the batch in flight, and the report
    assert f"Chưa gửi vì đã dừng: {counts[OutboxStatus.CANCELLED]} người" in report.text


async def test_receipts_are_counted_once_and_only_those_who_have_not_are_reminded(
    staff: Staff, sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await prepare(sessions, texts, now)
    await send_prepared(staff.chair, 3)
    got = await staff.teacher.wait_message(contains="họp toàn trường")
    thanks = await staff.teacher.press(got, "✅ Đã xem")
    assert thanks is not None and "Cảm ơn" in (thanks.text or "")
    confirmed = await staff.teacher.wait_edit(got)
    assert confirmed.button_texts == ["☑️ Thầy/Cô đã xác nhận đã xem"]
    again = await staff.teacher.press(confirmed, "☑️ Thầy/Cô đã xác nhận đã xem")
    assert again is not None and "rồi" in (again.text or "")

    report = await staff.chair.wait_message(contains="Báo cáo gửi thông báo #1")
    await staff.chair.press(report, "👀 Ai đã xem?")
    seen = await staff.chair.wait_message(contains="người đã bấm “Đã xem”")
    assert "1/3 người" in seen.text
    assert "Chưa xác nhận (2): Phạm Thị Lan, Lê Minh Tuấn."  # by given name in seen.text
    reminded = await staff.chair.press(seen, "🔔 Nhắc 2 người chưa xem")
    assert reminded is not None and "Đã gửi nhắc tới 2 người" in (reminded.text or "")
    for person in (staff.vice, staff.member):
        reminder = await person.wait_message(contains="Nhắc lại thông báo")
        assert "họp toàn trường" in reminder.text
    await staff.member.press(reminder, "✅ Đã xem")
    await staff.chair.press(seen, "🔄 Cập nhật")
    refreshed = await staff.chair.wait_edit(seen, contains="2/3 người")
    assert "Chưa xác nhận (1): Lê Minh Tuấn." in refreshed.text
    assert not [
        m for m in await staff.teacher.client.messages(staff.teacher) if "Nhắc lại" in m.text
    ]
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Receipt)) == 2


# ---------------------------------------------------------------------------- publishing


@dataclass
class Publishing:
    """The staff, the bound council group and the school's channel (the bot is its admin)."""

    staff: Staff
    group: Chat
    channel: Chat


@pytest.fixture
async def school_channel(
    staff: Staff, client: EmuClient, sessions: SessionFactory, now: datetime
) -> Publishing:
    """The council group bound; a channel created by the chair with the bot as an admin."""
    group = await client.group("Hội đồng TĐKT", members=[staff.chair, staff.vice, staff.member])
    async with sessions() as s:
        await orgs.bind_council(s, tg_user_id=CHAIR, chat_id=group.id, now=now)
    channel = await client.group(
        "Gương người tốt Thượng Thanh", members=[staff.chair], bot_is_admin=True, type="channel"
    )
    return Publishing(staff, group, channel)


async def approved_story(
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
    *,
    photos: list[str],
    pupil: str | None = None,
    consent: bool = False,
) -> int:
    """A teacher's story, submitted and approved through the services (its card goes out)."""
    async with sessions() as s:
        await stories.start(s, tg_user_id=TEACHER, now=now)
        await stories.add_text(
            s, tg_user_id=TEACHER, text="Em nhặt được ví & trả lại <người mất>.", now=now
        )
        await stories.finish_text(s, tg_user_id=TEACHER, now=now)
        for file_id in photos:
            await stories.add_photo(
                s, tg_user_id=TEACHER, file_id=file_id, media_group_id="album", now=now
            )
        await stories.finish_photos(s, tg_user_id=TEACHER, now=now)
        if pupil is None:
            await stories.choose_nominee(s, tg_user_id=TEACHER, kind=NomineeKind.SELF, now=now)
        else:
            await stories.choose_nominee(s, tg_user_id=TEACHER, kind=NomineeKind.PUPIL, now=now)
            await stories.name_nominee(s, tg_user_id=TEACHER, text=pupil, now=now)
            await stories.set_pupil_age(s, tg_user_id=TEACHER, older=False, now=now)
            await stories.set_consent(s, tg_user_id=TEACHER, consent=consent, now=now)
        story = await stories.submit(s, tg_user_id=TEACHER, texts=texts, now=now)
    async with sessions() as s:
        await stories.decide(
            s,
            story_id=story.id,
            reviewer_tg_id=COUNCIL,
            verdict="approve",
            reason=None,
            texts=texts,
            now=now,
        )
    return story.id


async def test_the_chair_binds_the_channel_and_a_member_publishes_a_story_with_photos_once(
    school_channel: Publishing,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    staff, channel = school_channel.staff, school_channel.channel
    await staff.vice.send(f"/bind_channel {channel.id}")
    await staff.vice.wait_message(contains="chỉ Chủ tịch Hội đồng")
    await staff.chair.send(f"/bind_channel {channel.id}")
    await staff.chair.wait_message(contains="Đã gắn kênh Gương người tốt Thượng Thanh")
    photos = []
    for seed in (1, 2):  # photos the bot can resend by file id (privacy mode: it ignores them)
        sent = await staff.chair.send_photo(png(seed), chat=school_channel.group)
        photos.append(sent.raw["photo"][-1]["file_id"])
    story_id = await approved_story(sessions, texts, now, photos=photos)
    # The group is paced at 20 messages a minute and fills at most half the window (the join
    # hint, the album, the card, its edit…): under CI load the card can take up to a minute.
    card = await staff.member.wait_message(
        school_channel.group, contains="đã duyệt lúc", timeout=60
    )
    assert "📢 Đăng lên kênh" in card.button_texts
    done = await staff.member.press(card, "📢 Đăng lên kênh")
    assert done is not None and "Đã đăng" in (done.text or "")
    posted = []
    for _ in range(100):
        posted = await channel.messages()
        if len(posted) == 2:
            break
        await asyncio.sleep(0.05)
    assert [m.photo for m in posted] == [True, True] and len(
        {m.media_group_id for m in posted}
    ) == 1
    assert "Em nhặt được ví & trả lại <người mất>." in posted[0].text
    assert "Người được nêu gương: Vũ Thị Mai" in posted[0].text
    card = await staff.member.wait_edit(card)
    assert (
        "📢 Đăng lên kênh" not in card.button_texts and "↩️ Mở lại (Chủ tịch)" in card.button_texts
    )
    async with sessions() as s:
        story = await s.get(Story, story_id)
        audit = await s.scalar(select(AuditEntry).where(AuditEntry.action == "story.publish"))
    assert story is not None and story.published_at is not None
    assert audit is not None and audit.target == f"story:{story_id}"


@pytest.mark.timeout(180)  # two cards through the paced group
async def test_a_story_naming_a_pupil_without_consent_cannot_be_published(
    school_channel: Publishing,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    staff = school_channel.staff
    async with sessions() as s:
        org = await orgs.council_org(s, school_channel.group.id)
        assert org is not None
        org.channel_chat_id = school_channel.channel.id
        await s.commit()
    await approved_story(sessions, texts, now, photos=[], pupil="Gia Bảo, lớp 3A1")
    # The group is paced at 20 messages a minute and fills at most half the window (the join
    # hint, the album, the card, its edit…): under CI load the card can take up to a minute.
    card = await staff.member.wait_message(
        school_channel.group, contains="đã duyệt lúc", timeout=60
    )
    assert "chưa có sự đồng ý của CMHS" in card.text
    assert "📢 Đăng lên kênh" not in card.button_texts  # no button to publish it
    await approved_story(sessions, texts, now, photos=[], pupil="Minh An, lớp 2A3", consent=True)
    # The group is paced at 20 messages a minute and fills at most half the window (the join
    # hint, the album, the card, its edit…): under CI load the card can take up to a minute.
    card = await staff.member.wait_message(
        school_channel.group, contains="đã duyệt lúc", timeout=60
    )
    assert "Minh An" in card.text and "📢 Đăng lên kênh" in card.button_texts
    await staff.member.press(card, "📢 Đăng lên kênh")
    posted: list[Msg] = []
    for _ in range(100):
        posted = await school_channel.channel.messages()
        if posted:
            break
        await asyncio.sleep(0.05)
    assert len(posted) == 1 and "Minh An, lớp 2A3" in posted[0].text
    assert not any("Gia Bảo" in m.text for m in await school_channel.channel.messages())
