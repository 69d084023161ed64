"""A teacher's dead ends (issue 17, items 9-13 and 19): what the bot answers when the teacher
does something the dialogue did not plan for, end to end on the emulator."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

from storage.db import SessionFactory
from tests.e2e.conftest import RunningBot
from tests.e2e.helpers import Council, draft_of, png, to_preview
from tests.e2e.test_campaigns import HN, staff
from tests.factories import VICE, make_school
from tgemu import EmuClient, User
from ui.texts import Texts


async def _parts(sessions: SessionFactory, tg_user_id: int) -> list[str]:
    stored = await draft_of(sessions, tg_user_id)
    assert stored is not None
    return list(json.loads(stored[1]).get("parts", []))


async def test_item10_a_photo_caption_during_report_is_kept_as_text_and_said_so(
    council: Council, sessions: SessionFactory
) -> None:
    async def one_photo(teacher: User) -> None:
        await teacher.send("/report")
        await teacher.wait_message(contains="Kể lại việc tốt")
        await teacher.send("Sáng nay ở cổng trường.")
        await teacher.wait_message(contains="Đã ghi nhận")
        await teacher.send_photo(png(1), caption="Em Bảo trả lại ví cho cô lao công.")
        ack = await teacher.wait_message(contains="Đã nhận ảnh (1/10)")
        assert "Chú thích của ảnh đã được thêm vào nội dung" in ack.text
        assert await _parts(sessions, teacher.id) == [
            "Sáng nay ở cổng trường.",
            "Em Bảo trả lại ví cho cô lao công.",
        ]

    async def album_over_the_limit(member: User) -> None:
        await member.send("/report")
        await member.wait_message(contains="Kể lại việc tốt")
        await member.send("x" * 2990)
        await member.wait_message(contains="Đã ghi nhận (2990/3000 ký tự)")
        await member.send_album([png(2), png(3)], caption="Chú thích dài hơn chỗ còn lại.")
        ack = await member.wait_message(contains="Đã nhận album ảnh")
        assert "Chú thích của ảnh chưa được thêm vào nội dung" in ack.text
        assert await _parts(sessions, member.id) == ["x" * 2990]

    await asyncio.gather(one_photo(council.teacher), album_over_the_limit(council.member))


async def test_item12_edit_has_a_back_button_and_the_text_edit_shows_what_it_replaces(
    council: Council,
) -> None:
    teacher = council.teacher
    preview = await to_preview(teacher, "Cô Hạnh trực thay đồng nghiệp ốm.")
    await teacher.press(preview, "✏️ Sửa")
    which = await teacher.wait_edit(preview, contains="muốn sửa phần nào")
    assert "‹ Quay lại" in which.button_texts
    await teacher.press(which, "‹ Quay lại")
    again = await teacher.wait_edit(which, contains="Xem trước")
    assert "Cô Hạnh trực thay đồng nghiệp ốm." in again.text
    # Editing the text shows the current text and says the new one replaces it.
    await teacher.press(again, "✏️ Sửa")
    which = await teacher.wait_edit(again, contains="muốn sửa phần nào")
    await teacher.press(which, "Nội dung")
    ask = await teacher.wait_edit(which, contains="Nội dung hiện tại")
    assert "Cô Hạnh trực thay đồng nghiệp ốm." in ask.text and "thay thế toàn bộ" in ask.text
    # Done without sending anything: the old text stays.
    await teacher.press(ask, "Xong phần nội dung →")
    kept = await teacher.wait_edit(ask, contains="Xem trước")
    assert "Cô Hạnh trực thay đồng nghiệp ốm." in kept.text
    await teacher.press(kept, "✏️ Sửa")
    which = await teacher.wait_edit(kept, contains="muốn sửa phần nào")
    await teacher.press(which, "Nội dung")
    ask = await teacher.wait_edit(which, contains="Nội dung hiện tại")
    await teacher.send("Cô Hạnh trực thay hai buổi.")
    await teacher.wait_message(contains="Đã ghi nhận")
    await teacher.press(ask, "Xong phần nội dung →")
    new = await teacher.wait_edit(ask, contains="Xem trước")
    assert "Cô Hạnh trực thay hai buổi." in new.text and "ốm" not in new.text


async def test_item11_an_edited_message_is_not_taken_again_and_the_user_is_told_once(
    council: Council, sessions: SessionFactory
) -> None:
    teacher = council.teacher
    await teacher.send("/report")
    await teacher.wait_message(contains="Kể lại việc tốt")
    sent = await teacher.send("Em Bảo nhặt được ví.")
    await teacher.wait_message(contains="Đã ghi nhận")
    await teacher.edit(sent, "Em Gia Bảo nhặt được ví.")
    hint = await teacher.wait_message()
    assert "Bot không nhận tin nhắn đã sửa" in hint.text
    await teacher.edit(sent, "Em Gia Bảo lớp 1A2 nhặt được ví.")  # the same message: told once
    await teacher.send("Em trả lại cho cô lao công.")
    after = await teacher.wait_message()
    assert after.text.startswith("Đã ghi nhận"), after.text
    assert await _parts(sessions, teacher.id) == [
        "Em Bảo nhặt được ví.",
        "Em trả lại cho cô lao công.",
    ]


async def test_item9_text_or_a_photo_outside_any_dialogue_offers_to_start_a_story(
    council: Council, sessions: SessionFactory
) -> None:
    async def text(teacher: User) -> None:
        await teacher.send("Tôi muốn kể một việc tốt")
        hint = await teacher.wait_message(contains="bot chưa hiểu tin nhắn này")
        assert "/report" in hint.text and hint.button_texts == ["📝 Kể một việc tốt"]
        await teacher.press(hint, "📝 Kể một việc tốt")
        await teacher.wait_edit(hint, contains="Kể lại việc tốt")
        assert await draft_of(sessions, teacher.id) is not None

    async def photo(member: User) -> None:
        await member.send_photo(png(4))
        hint = await member.wait_message(contains="ảnh này chưa được lưu")
        assert "bước này" not in hint.text and hint.button_texts == ["📝 Kể một việc tốt"]
        await member.press(hint, "📝 Kể một việc tốt")
        await member.wait_edit(hint, contains="Kể lại việc tốt")

    async def stranger(outsider: User) -> None:
        await outsider.send_photo(png(5))
        first = await outsider.wait_message(contains="Bot chỉ dành cho")
        await outsider.send("Tôi muốn kể một việc tốt")
        second = await outsider.wait_message(contains="Bot chỉ dành cho")
        assert first.buttons == [] and second.buttons == []
        assert await draft_of(sessions, outsider.id) is None

    await asyncio.gather(text(council.teacher), photo(council.member), stranger(council.outsider))


async def test_item13_a_campaign_starts_now_by_a_button_and_dates_are_typed_freely(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await make_school(sessions, texts, now)
    people = await staff(client)
    vice = people[VICE]
    real_now = datetime.now(UTC)
    await vice.send("/newcampaign")
    await vice.wait_message(contains="tên phong trào")
    await vice.send("Phong trào bắt đầu ngay")
    ask = await vice.wait_message(contains="nội dung, mục đích")
    await vice.press(ask, "Bỏ qua")
    levels = await vice.wait_edit(ask, contains="cấp nào phát động")
    await vice.press(levels, "Trường")
    kinds = await vice.wait_edit(levels, contains="Hình thức tham gia")
    await vice.press(kinds, "Người tốt, việc tốt")
    start = await vice.wait_edit(kinds, contains="bắt đầu")
    assert start.button_texts == ["▶️ Bắt đầu ngay"]
    await vice.press(start, "▶️ Bắt đầu ngay")
    await vice.wait_edit(start, contains="kết thúc")
    end = real_now + timedelta(days=30)
    await vice.send(f"{end.astimezone(HN).day}-{end.astimezone(HN).month}-{end.year}")
    reminders = await vice.wait_message(contains="Nhắc hạn trước")
    await vice.press(reminders, "Mặc định (7 và 1 ngày)")
    preview = await vice.wait_edit(reminders, contains="Xem trước")
    await vice.press(preview, "✅ Tạo phong trào")
    created = await vice.wait_edit(preview, contains="Đã tạo phong trào")
    assert "bắt đầu ngay" in created.text and "sẽ tự thông báo" not in created.text
    for person in people.values():
        await person.wait_message(contains="Phong trào bắt đầu ngay")
