"""Good deeds end to end: a teacher reports, the council decides, the author is told."""

from __future__ import annotations

import json

from sqlalchemy import select

from storage.db import SessionFactory
from storage.models import AuditEntry, Story, StoryStatus
from tests.e2e.helpers import STORY, Council, card_of, draft_of, report, wait_for
from tgemu import EmuClient


async def test_a_story_with_an_album_reaches_the_council_as_photos_then_one_card_issue17_item8(
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
    # Labeled with the story's number (issue 17, item 8): not an anonymous album.
    assert album[0].text == "📷 Ảnh của câu chuyện #1"
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
    decided = await council.member.wait_edit(card, contains="Phạm Thị Lan không duyệt")
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
    await council.member.wait_edit(card, contains="Phạm Thị Lan đã duyệt")
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
    await council.vice.wait_edit(reopened, contains="Lê Minh Tuấn đã duyệt")
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


async def test_issue17_item5_group_prompts_name_members_as_registered(council: Council) -> None:
    """Prompts and their closing lines say "Phạm Thị Lan", as the card does, not Telegram's
    first/last order ("Lan Phạm")."""
    await report(council.teacher)
    card = await council.member.wait_message(council.group, contains="#1")
    await council.member.press(card, "✏️ Yêu cầu bổ sung")
    prompt = await council.member.wait_message(council.group, contains="yêu cầu bổ sung câu")
    assert prompt.text.startswith("Phạm Thị Lan: ") and "Lan Phạm" not in prompt.text
    await council.member.reply(prompt, "Ghi rõ thời gian & địa điểm")
    done = await council.member.wait_edit(prompt, contains="✓ Phạm Thị Lan đã yêu cầu bổ sung")
    assert "Lan Phạm" not in done.text
    card = await council.chair.wait_edit(card, contains="✏️ Phạm Thị Lan yêu cầu bổ sung")
    await council.chair.press(card, "↩️ Mở lại (Chủ tịch)")
    prompt = await council.chair.wait_message(council.group, contains="lý do mở lại")
    assert prompt.text.startswith("Trần Thị Thu Hà: ")
    await council.chair.reply(prompt, "Cần xác minh lại")
    await council.chair.wait_edit(prompt, contains="✓ Trần Thị Thu Hà đã mở lại câu chuyện #1")


async def test_issue17_item6_cancel_ends_the_reason_wait_in_the_group_and_privately(
    council: Council, client: EmuClient, sessions: SessionFactory
) -> None:
    """/cancel in the group ends the wait for a reason everywhere: the member's next private
    message is not taken as the reason, and the prompt is closed."""
    await report(council.teacher)
    card = await council.member.wait_message(council.group, contains="#1")
    await council.member.press(card, "✏️ Yêu cầu bổ sung")
    prompt = await council.member.wait_message(council.group, contains="yêu cầu bổ sung câu")
    await _owes_a_reason(sessions, council)
    await council.member.send("/cancel", council.group)
    await council.member.wait_message(council.group, contains="Đã hủy.")
    await council.member.send("Thầy ghi rõ ngày trực")
    await council.member.wait_message(contains="bot chưa hiểu")
    closed = await council.member.wait_edit(prompt, contains="Đã hủy, không ghi lý do")
    assert closed.buttons == []
    assert await council.member.reply(prompt, "Ghi rõ ngày trực", council.group)
    assert not [m for m in await client.messages(council.teacher) if "bổ sung" in m.text]
    async with sessions() as s:
        story = await s.scalar(select(Story))
    assert story is not None and story.status == StoryStatus.PENDING


async def test_issue17_item6_a_private_cancel_ends_the_group_wait_too(
    council: Council, sessions: SessionFactory
) -> None:
    await report(council.teacher)
    card = await council.member.wait_message(council.group, contains="#1")
    await council.member.press(card, "✖️ Từ chối")
    prompt = await council.member.wait_message(council.group, contains="chọn lý do từ chối")
    await _owes_a_reason(sessions, council)
    await council.member.send("/cancel")
    await council.member.wait_message(contains="Đã hủy.")
    await council.member.wait_edit(prompt, contains="Đã hủy, không ghi lý do")
    await council.member.reply(prompt, "Trùng", council.group)
    await council.member.send("/pending", council.group)
    await council.member.wait_message(council.group, contains="Câu chuyện chờ xét")
    async with sessions() as s:
        story = await s.scalar(select(Story))
    assert story is not None and story.status == StoryStatus.PENDING


async def _owes_a_reason(sessions: SessionFactory, council: Council) -> None:
    """The wait for the member's reason is written (just after the prompt is sent)."""

    async def owed() -> bool:
        return await draft_of(sessions, council.member.id) is not None

    await wait_for(owed)


async def test_issue17_item7_the_reply_box_opens_for_the_presser_and_a_stray_reply_gets_a_hint(
    council: Council, client: EmuClient, sessions: SessionFactory
) -> None:
    """The quick reasons stay as buttons on the prompt; a second short message mentions the
    presser and opens their reply box (ForceReply, selective). A reply to the card instead
    gets a hint; a reply to the reply box's message decides."""
    await report(council.teacher)
    card = await council.member.wait_message(council.group, contains="#1")
    await council.member.press(card, "✖️ Từ chối")
    prompt = await council.member.wait_message(council.group, contains="chọn lý do từ chối")
    assert "Trùng với câu chuyện đã gửi" in prompt.button_texts
    box = await council.member.wait_message(council.group, contains="gõ vào ô trả lời")
    assert box.text.startswith("✍️ Phạm Thị Lan")
    sent = [c for c in await client.calls(method="sendMessage") if "ô trả lời" in str(c)]
    markup = json.loads(sent[-1]["params"]["reply_markup"])
    assert markup["force_reply"] is True and markup["selective"] is True
    assert f"tg://user?id={council.member.id}" in sent[-1]["params"]["text"]
    await _owes_a_reason(sessions, council)
    await council.member.reply(card, "Trùng với câu chuyện tuần trước")  # the card, not the prompt
    await council.member.wait_message(council.group, contains="trả lời (reply) tin nhắn hỏi lý do")
    async with sessions() as s:
        assert (await s.scalar(select(Story.status))) == StoryStatus.PENDING
    await council.member.reply(box, "Trùng với câu chuyện tuần trước")
    await council.member.wait_edit(card, contains="Phạm Thị Lan không duyệt")
    await council.member.wait_edit(prompt, contains="✓ Phạm Thị Lan đã từ chối")
    # With no quick reasons (the chair's reopening), the prompt itself opens the reply box.
    card = await card_of(council, 1)
    await council.chair.press(card, "↩️ Mở lại (Chủ tịch)")
    await council.chair.wait_message(council.group, contains="lý do mở lại")
    sent = [c for c in await client.calls(method="sendMessage") if "lý do mở lại" in str(c)]
    assert json.loads(sent[-1]["params"]["reply_markup"])["force_reply"] is True
