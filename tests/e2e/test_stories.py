"""Good deeds end to end: a teacher reports, the council decides, the author is told."""

from __future__ import annotations

from sqlalchemy import select

from storage.db import SessionFactory
from storage.models import AuditEntry, Story, StoryStatus
from tests.e2e.helpers import STORY, Council, card_of, report
from tgemu import EmuClient


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
    ask = await council.teacher.wait_edit(which, contains="Nội dung hiện tại")
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
