"""Good deeds end to end: a teacher reports, the council decides, the author is told."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from datetime import datetime

import pytest
from sqlalchemy import select

from bot.texts import Texts
from services import orgs
from storage.db import SessionFactory
from storage.models import AuditEntry, Story, StoryStatus
from tests.e2e.conftest import RunningBot
from tests.factories import CHAIR, COUNCIL, TEACHER, VICE, make_school
from tgemu import Chat, EmuClient, Msg, User

STORY = "Sáng 12/3, em Gia Bảo nhặt được ví có 1.200.000 đồng <b>đậm</b> & <script>x</script>"


def png(seed: int = 0) -> bytes:
    """A tiny valid PNG (1×1), different per seed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = zlib.compress(bytes([0, seed % 256, 0, 0]))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


@dataclass
class Council:
    """The school, its people in the emulator, and the bound council group."""

    chair: User
    vice: User
    member: User
    teacher: User
    outsider: User
    group: Chat


@pytest.fixture
async def council(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory, texts: Texts, now: datetime
) -> Council:
    """A school with its council group bound; a group member who is not on the council."""
    await make_school(sessions, texts, now)
    chair = await client.user(CHAIR, "Hà", last_name="Trần", started=True)
    vice = await client.user(VICE, "Tuấn", last_name="Lê", started=True)
    member = await client.user(COUNCIL, "Lan", last_name="Phạm", started=True)
    teacher = await client.user(TEACHER, "Mai", last_name="Vũ", started=True)
    outsider = await client.user(1999, "Khách", started=True)
    group = await client.group("Hội đồng TĐKT", members=[chair, vice, member, outsider])
    async with sessions() as s:
        await orgs.bind_council(s, tg_user_id=CHAIR, chat_id=group.id, now=now)
    return Council(chair, vice, member, teacher, outsider, group)


async def report(teacher: User, text: str = STORY, photos: int = 0, who: str = "Chính tôi") -> Msg:
    """Walk /report to the preview and send; returns the author's confirmation."""
    await teacher.send("/report")
    ask = await teacher.wait_message(contains="Kể lại việc tốt")
    await teacher.send(text)
    await teacher.wait_message(contains="Đã ghi nhận")
    await teacher.press(ask, "Xong phần nội dung →")
    photos_prompt = await teacher.wait_edit(ask, contains="ảnh minh chứng")
    if photos == 1:
        await teacher.send_photo(png(1))
        await teacher.wait_message(contains="Đã nhận ảnh (1/10)")
    elif photos > 1:
        await teacher.send_album([png(i) for i in range(photos)])
        await teacher.wait_message(contains="Đã nhận album ảnh")
    await teacher.press(photos_prompt, "Tiếp tục →")
    nominee = await teacher.wait_edit(photos_prompt, contains="Ai là người làm việc tốt")
    await teacher.press(nominee, who)
    preview = await teacher.wait_edit(nominee, contains="Xem trước")
    await teacher.press(preview, "📨 Gửi")
    return await teacher.wait_edit(preview, contains="Đã gửi câu chuyện")


async def card_of(council: Council, story_id: int) -> Msg:
    """The council card of a story, as the group sees it now."""
    for message in reversed(await council.group.messages()):
        if message.from_bot and f"Người tốt, việc tốt #{story_id}" in message.text:
            return message
    raise AssertionError(f"no card for #{story_id}")


async def test_a_story_with_an_album_reaches_the_council_as_photos_then_one_card(
    council: Council, client: EmuClient
) -> None:
    done = await report(council.teacher, photos=3)
    assert "#1" in done.text
    card = await council.member.wait_message(council.group, contains="Người tốt, việc tốt #1")
    assert STORY in card.text  # shown exactly as typed
    assert card.button_texts == ["✅ Duyệt", "✖️ Từ chối", "✏️ Yêu cầu bổ sung"]
    assert "Ảnh: 3" in card.text and "Vũ Thị Mai (Tổ 1)" in card.text
    album = [m for m in await council.group.messages() if m.photo]
    assert len(album) == 3 and len({m.media_group_id for m in album}) == 1
    assert max(m.message_id for m in album) < card.message_id
    # The album was acknowledged once, not per photo.
    acks = [m for m in await client.messages(council.teacher) if "album" in m.text]
    assert len(acks) == 1


async def test_only_council_members_decide_and_never_on_their_own_story(
    council: Council, sessions: SessionFactory
) -> None:
    await report(council.teacher)
    card = await council.member.wait_message(council.group, contains="#1")
    refused = await council.outsider.press(card, "✅ Duyệt")
    assert refused is not None and refused.show_alert
    assert "chỉ thành viên Hội đồng" in (refused.text or "")
    await report(council.member, text="Tổ 1 dọn vệ sinh lớp học sau mưa bão.")
    own = await council.member.wait_message(council.group, contains="#2")
    refused = await council.member.press(own, "✅ Duyệt")
    assert refused is not None and "không thể tự xét" in (refused.text or "")
    async with sessions() as s:
        statuses = [s_.status for s_ in (await s.scalars(select(Story))).all()]
    assert statuses == [StoryStatus.PENDING, StoryStatus.PENDING]


async def test_a_rejection_takes_a_canned_reason_and_the_author_is_told(
    council: Council, sessions: SessionFactory
) -> None:
    await report(council.teacher)
    card = await council.member.wait_message(council.group, contains="#1")
    await council.member.press(card, "✖️ Từ chối")
    prompt = await council.member.wait_message(council.group, contains="chọn lý do từ chối")
    await council.member.press(prompt, "Trùng với câu chuyện đã gửi")
    decided = await council.member.wait_edit(card, contains="Không duyệt – Phạm Thị Lan")
    assert "Lý do: Trùng với câu chuyện đã gửi" in decided.text
    assert decided.button_texts == ["↩️ Mở lại (Chủ tịch)"]
    notice = await council.teacher.wait_message(contains="chưa được Hội đồng duyệt")
    assert "Trùng với câu chuyện đã gửi" in notice.text
    async with sessions() as s:
        story = await s.scalar(select(Story))
        audit = (
            await s.scalars(select(AuditEntry).where(AuditEntry.action == "story.reject"))
        ).all()
    assert story is not None and story.status == StoryStatus.REJECTED
    assert len(audit) == 1


async def test_the_chair_reopens_with_a_reason_typed_as_a_reply_and_approval_follows(
    council: Council, sessions: SessionFactory
) -> None:
    await report(council.teacher)
    card = await council.member.wait_message(council.group, contains="#1")
    await council.member.press(card, "✅ Duyệt")
    await council.member.wait_edit(card, contains="Đã duyệt bởi Phạm Thị Lan")
    await council.teacher.wait_message(contains="đã được Hội đồng")
    card = await card_of(council, 1)
    refused = await council.vice.press(card, "↩️ Mở lại (Chủ tịch)")
    assert refused is not None and refused.show_alert
    await council.chair.press(card, "↩️ Mở lại (Chủ tịch)")
    prompt = await council.chair.wait_message(council.group, contains="lý do mở lại")
    await council.chair.reply(prompt, "Cần xác minh lại với phụ huynh <i>lớp 3A1</i>")
    reopened = await council.chair.wait_edit(card, contains="Chờ Hội đồng xét duyệt")
    assert reopened.button_texts[0] == "✅ Duyệt"
    told = await council.teacher.wait_message(contains="mở lại câu chuyện #1")
    assert "<i>lớp 3A1</i>" in told.text
    await council.vice.press(reopened, "✅ Duyệt")
    await council.vice.wait_edit(reopened, contains="Đã duyệt bởi Lê Minh Tuấn")
    async with sessions() as s:
        actions = [
            a.action
            for a in (
                await s.scalars(
                    select(AuditEntry).where(AuditEntry.target == "story:1").order_by(AuditEntry.id)
                )
            ).all()
        ]
    assert actions == ["story.submit", "story.approve", "story.reopen", "story.approve"]


async def test_asked_for_changes_the_author_edits_and_the_old_card_says_it_was_superseded(
    council: Council,
) -> None:
    await report(council.teacher)
    card = await council.member.wait_message(council.group, contains="#1")
    await council.vice.press(card, "✏️ Yêu cầu bổ sung")
    prompt = await council.vice.wait_message(
        council.group, contains="yêu cầu bổ sung câu chuyện #1"
    )
    await council.vice.reply(prompt, "Ghi rõ thời gian & địa điểm")
    notice = await council.teacher.wait_message(contains="Ghi rõ thời gian & địa điểm")
    await council.teacher.press(notice, "✏️ Sửa và gửi lại")
    preview = await council.teacher.wait_message(contains="Xem trước")
    await council.teacher.press(preview, "✏️ Sửa")
    which = await council.teacher.wait_edit(preview, contains="sửa phần nào")
    await council.teacher.press(which, "Nội dung")
    ask = await council.teacher.wait_edit(which, contains="Kể lại việc tốt")
    await council.teacher.send("Sáng 12/3/2024 tại cổng trường, em Gia Bảo nhặt được ví.")
    await council.teacher.wait_message(contains="Đã ghi nhận")
    await council.teacher.press(ask, "Xong phần nội dung →")
    preview = await council.teacher.wait_edit(ask, contains="Bản sửa của câu chuyện #1")
    await council.teacher.press(preview, "📨 Gửi")
    await council.teacher.wait_edit(preview, contains="Đã gửi câu chuyện #2")
    new_card = await council.member.wait_message(council.group, contains="#2")
    assert "tại cổng trường" in new_card.text
    old = await council.member.wait_edit(card, contains="đã được thay bằng bản sửa #2")
    assert old.buttons == []
