"""Good deeds, end to end, with unexpected input: every surprise gets a short, polite answer in
Vietnamese, and the draft or the story stays exactly as it was.

Users in different chats act at the same time where the journeys are independent: the bot sends
at most one message per second to a private chat, so running them side by side keeps this fast.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy import func, select

from services import stories
from storage.db import SessionFactory
from storage.models import AuditEntry, NomineeKind, Story, StoryStatus
from tests.e2e.conftest import RunningBot
from tests.e2e.helpers import (
    Council,
    draft_of,
    plant,
    png,
    report,
    stories_state,
    to_preview,
)
from tests.factories import TEACHER, join
from tgemu import EmuClient, Msg, User
from ui.texts import Texts

MARKUP = "<b>Tổ 2</b> & <script>alert(1)</script> dọn lớp sau bão"
REASON = "<i>chưa rõ</i> & thiếu ảnh"
PENDING = 2001


async def alert(user: User, message: Msg, label: str | None = None, data: str | None = None) -> str:
    """Press a button that must be refused: return the alert's text."""
    answer = await user.press(message, label, callback_data=data)
    assert answer is not None and answer.show_alert, (label, data, answer)
    assert answer.text, (label, data)
    return answer.text


async def submitted(
    sessions: SessionFactory, texts: Texts, now: datetime, tg: int = TEACHER, text: str = MARKUP
) -> int:
    """A story sent through the services (the bot delivers its card): quick set-up."""
    async with sessions() as s:
        await stories.start(s, tg_user_id=tg, now=now)
    async with sessions() as s:
        await stories.add_text(s, tg_user_id=tg, text=text, now=now)
    async with sessions() as s:
        await stories.finish_photos(s, tg_user_id=tg, now=now)
    async with sessions() as s:
        await stories.choose_nominee(s, tg_user_id=tg, kind=NomineeKind.SELF, now=now)
    async with sessions() as s:
        return (await stories.submit(s, tg_user_id=tg, texts=texts, now=now)).id


async def audit_actions(sessions: SessionFactory, story_id: int) -> list[str]:
    """The audit trail of one story."""
    async with sessions() as s:
        rows = await s.scalars(
            select(AuditEntry.action)
            .where(AuditEntry.target == f"story:{story_id}")
            .order_by(AuditEntry.id)
        )
        return list(rows.all())


async def at_the_photos_step(user: User) -> Msg:
    """/report and the text sent: the photos prompt."""
    await user.send("/report")
    ask = await user.wait_message(contains="Kể lại việc tốt")
    await user.send(MARKUP)
    await user.wait_message(contains="Đã ghi nhận")
    await user.press(ask, "Xong phần nội dung →")
    return await user.wait_edit(ask, contains="ảnh minh chứng")


async def test_text_a_file_or_a_sticker_where_a_photo_is_expected_get_a_hint_and_change_nothing(
    council: Council, sessions: SessionFactory
) -> None:
    async def text_and_a_file_for_photos(teacher: User) -> None:
        await at_the_photos_step(teacher)
        before = await draft_of(sessions, teacher.id)
        await teacher.send("Ảnh em gửi sau ạ")
        text = await teacher.wait_message(contains="Ở bước này bot chờ ảnh")
        await teacher.send_document(png(1), filename="anh.png", mime_type="image/png")
        document = await teacher.wait_message(contains="chỉ nhận ảnh gửi dạng ảnh")
        assert await draft_of(sessions, teacher.id) == before
        for hint in (text, document):
            assert hint.button_texts == ["Tiếp tục →"] and len(hint.text) < 200

    async def a_sticker_for_photos_then_text_for_a_button(chair: User) -> None:
        await at_the_photos_step(chair)
        before = await draft_of(sessions, chair.id)
        await chair.send_sticker()
        sticker = await chair.wait_message(contains="Ở bước này bot chờ ảnh")
        assert await draft_of(sessions, chair.id) == before
        # The newest hint's button carries on from where the draft was.
        await chair.press(sticker, "Tiếp tục →")
        nominee = await chair.wait_edit(sticker, contains="Ai là người được nêu gương")
        before = await draft_of(sessions, chair.id)
        await chair.send("Chính tôi")  # typed instead of pressed: the buttons come again
        again = await chair.wait_message(contains="vui lòng dùng các nút bên dưới")
        assert again.button_texts == nominee.button_texts
        assert await draft_of(sessions, chair.id) == before

    async def a_sticker_a_file_and_a_voice_for_the_text(vice: User) -> None:
        await vice.send("/report")
        await vice.wait_message(contains="Kể lại việc tốt")
        before = await draft_of(sessions, vice.id)
        await vice.send_sticker()
        sticker = await vice.wait_message(contains="chưa đọc được loại tin này")
        await vice.send_document(b"%PDF-1.4 cau chuyen", filename="cau_chuyen.pdf")
        await vice.wait_message(contains="chỉ nhận ảnh gửi dạng ảnh")
        await vice.send_voice()
        await vice.wait_message(contains="chưa đọc được loại tin này")
        assert sticker.buttons == []  # nothing written yet, so nothing to finish
        assert await draft_of(sessions, vice.id) == before

    await asyncio.gather(
        text_and_a_file_for_photos(council.teacher),
        a_sticker_for_photos_then_text_for_a_button(council.chair),
        a_sticker_a_file_and_a_voice_for_the_text(council.vice),
    )
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Story)) == 0


async def test_a_story_over_the_limit_is_refused_whole_with_the_numbers_never_cut(
    council: Council, sessions: SessionFactory
) -> None:
    async def in_one_message(teacher: User) -> None:
        await teacher.send("/report")
        await teacher.wait_message(contains="Kể lại việc tốt")
        before = await draft_of(sessions, teacher.id)
        await teacher.send("Em " * 999 + "Em🎉")  # 2999 characters + an emoji (2 units)
        refused = await teacher.wait_message(contains="tối đa 3000 ký tự")
        assert "Tin vừa gửi dài 3001 ký tự nên chưa được ghi nhận" in refused.text
        assert await draft_of(sessions, teacher.id) == before

    async def in_two_messages(member: User) -> None:
        await member.send("/report")
        await member.wait_message(contains="Kể lại việc tốt")
        await member.send("x" * 2990)
        await member.wait_message(contains="Đã ghi nhận (2990/3000 ký tự)")
        before = await draft_of(sessions, member.id)
        await member.send("y" * 9)
        refused = await member.wait_message(contains="tối đa 3000 ký tự")
        assert "Phần đã có 2990 ký tự, còn chỗ cho 8 ký tự" in refused.text
        assert "vừa gửi dài 9 ký tự" in refused.text
        assert await draft_of(sessions, member.id) == before

    await asyncio.gather(in_one_message(council.teacher), in_two_messages(council.member))


async def test_report_and_mine_are_refused_to_a_stranger_and_to_a_teacher_not_yet_approved(
    council: Council, client: EmuClient, sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await join(
        sessions,
        texts,
        now,
        code=council.school.invite_code,
        tg_user_id=PENDING,
        name="Bùi Văn Đức",
        department_id=council.school.departments["Tổ 2"],
    )
    pending = await client.user(PENDING, "Đức", started=True)
    before = await stories_state(sessions)

    async def refused(user: User, command: str, expected: str) -> None:
        await user.send(command)
        answer = await user.wait_message(contains=expected)
        assert len(answer.text) < 200 and answer.buttons == []

    async def stranger() -> None:
        await refused(council.outsider, "/report", "chưa là thành viên đang hoạt động")
        await refused(council.outsider, "/mine", "chưa là thành viên đang hoạt động")

    async def not_yet_approved() -> None:
        await refused(pending, "/report", "đang chờ Chủ tịch hoặc Phó Chủ tịch Hội đồng duyệt")
        await refused(pending, "/mine", "đang chờ Chủ tịch hoặc Phó Chủ tịch Hội đồng duyệt")

    async def teacher() -> None:
        await refused(council.teacher, "/pending", "chỉ dành cho")

    await asyncio.gather(stranger(), not_yet_approved(), teacher())
    assert await stories_state(sessions) == before
    assert await draft_of(sessions, council.outsider.id) is None


async def test_send_and_approve_pressed_twice_count_once(
    council: Council, client: EmuClient, sessions: SessionFactory
) -> None:
    preview = await to_preview(council.teacher)
    # A slow network: the first press is still being answered when the second arrives.
    await client.inject(method="answerCallbackQuery", kind="slow", delay=0.5)
    answers = await asyncio.gather(
        council.teacher.press(preview, "📨 Gửi"), council.teacher.press(preview, "📨 Gửi")
    )
    assert sorted(a.show_alert for a in answers if a) == [False, True]
    refusal = next(a for a in answers if a and a.show_alert)
    assert "chưa có câu chuyện nào đang soạn" in (refusal.text or "")
    await council.teacher.wait_edit(preview, contains="Đã gửi câu chuyện #1")
    card = await council.member.wait_message(council.group, contains="Người tốt, việc tốt #1")
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(Story)) == 1

    # The council: the card's edit has not reached the group yet when the second press comes.
    await client.inject(method="editMessageText", kind="slow", delay=0.5, chat_id=council.group.id)
    answers = await asyncio.gather(
        council.member.press(card, "✅ Duyệt"), council.member.press(card, "✅ Duyệt")
    )
    assert sorted((a.show_alert, a.text) for a in answers if a) == [
        (False, "Đã duyệt."),
        (True, "Câu chuyện #1 đã được xét trước đó."),
    ]
    # And the vice-chair, pressing "reject" on the same old view, is told too (no reason asked).
    refusal_text = await alert(council.vice, card, "✖️ Từ chối")
    assert refusal_text == "Câu chuyện #1 đã được xét trước đó."
    await council.member.wait_edit(card, contains="Phạm Thị Lan đã duyệt")
    assert await audit_actions(sessions, 1) == ["story.submit", "story.approve"]
    prompts = [m for m in await council.group.messages() if "chọn lý do" in m.text]
    assert prompts == []
    cards = [m for m in await council.group.messages() if "Người tốt, việc tốt #" in m.text]
    assert len(cards) == 1
    notices = [m for m in await client.messages(council.teacher) if "Hội đồng" in m.text]
    assert sum("được Hội đồng Thi đua – Khen thưởng" in m.text for m in notices) == 1


async def test_tampered_or_misdirected_buttons_get_an_alert_and_change_nothing(
    bot: RunningBot, council: Council, sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    story_id = await submitted(sessions, texts, now)
    await council.member.wait_message(council.group, contains=f"Người tốt, việc tốt #{story_id}")
    before = await stories_state(sessions)
    in_group = {
        "v1:sd:1:delete": "Nút không hợp lệ.",
        "v1:sd:1:approve:1": "Nút không hợp lệ.",
        "v1:sd:-1:approve": "Nút không hợp lệ.",
        "v1:sr:1:approve:0": "Nút không hợp lệ.",
        "v1:sr:1:reject:9": "Nút không hợp lệ.",
        "v1:sd:99999:approve": "Nút này đã cũ, không còn dùng được.",
        "v1:so:1": "Xin lỗi, chỉ Chủ tịch Hội đồng mới làm được việc này.",
        "v1:sw:1": "Chỉ rút lại được câu chuyện của mình đang chờ xét.",
        "v1:se:1": "Nút này đã cũ, không còn dùng được.",
    }
    forged = await plant(bot.app.bot, council.group.id, council.member, *in_group)
    for data, expected in in_group.items():
        assert await alert(council.member, forged, data=data) == expected, data
    # The outsider in the group, and the teacher with a council button copied into their chat.
    copied = await plant(bot.app.bot, council.group.id, council.outsider, "v1:sd:1:approve")
    outsider_says = await alert(council.outsider, copied, data="v1:sd:1:approve")
    assert outsider_says.startswith("Xin lỗi, chỉ thành viên Hội đồng")
    in_private = {
        "v1:sd:1:approve": "Xin lỗi, chỉ thành viên Hội đồng Thi đua – Khen thưởng mới xét",
        "v1:sd:1:reject": "Xin lỗi, chỉ thành viên Hội đồng Thi đua – Khen thưởng mới xét",
        "v1:rp:send": "Thầy/Cô chưa có câu chuyện nào đang soạn.",
        "v1:rk:1": "Thầy/Cô chưa có câu chuyện nào đang soạn.",
        "v1:rc:2": "Thầy/Cô chưa có câu chuyện nào đang soạn.",
        "v1:rp:bogus": "Nút không hợp lệ.",
        "v1:se:1": "Câu chuyện này không ở trạng thái cần bổ sung.",
    }
    mine = await plant(bot.app.bot, council.teacher.id, council.teacher, *in_private)
    for data, expected in in_private.items():
        assert (await alert(council.teacher, mine, data=data)).startswith(expected), data
    assert await stories_state(sessions) == before
    said = [m.text for m in await council.group.messages() if m.from_bot]
    assert said[-1].startswith("planted")  # alerts only: nothing was said in the group


async def test_a_story_withdrawn_from_mine_cannot_be_decided_on_its_card(
    council: Council, client: EmuClient, sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    await submitted(sessions, texts, now)
    card = await council.member.wait_message(council.group, contains="Người tốt, việc tốt #1")
    await council.teacher.send("/mine")
    mine = await council.teacher.wait_message(contains="Câu chuyện Thầy/Cô đã gửi")
    assert MARKUP in mine.text
    # The card's edit is slow to reach the group: the council still sees the buttons.
    await client.inject(method="editMessageText", kind="slow", delay=1, chat_id=council.group.id)
    toast = await council.teacher.press(mine, "Rút lại #1")
    assert toast is not None and toast.text == "Đã rút lại câu chuyện #1."
    await council.teacher.wait_edit(mine, contains="↩️ đã rút")
    before = await stories_state(sessions)

    withdrawn = "Câu chuyện #1 đã được người kể rút lại."
    assert await alert(council.member, card, "✅ Duyệt") == withdrawn
    assert await alert(council.vice, card, "✖️ Từ chối") == withdrawn
    assert await alert(council.chair, card, "✏️ Yêu cầu bổ sung") == withdrawn

    assert await stories_state(sessions) == before
    edited = await council.member.wait_edit(card, contains="Người kể đã rút lại câu chuyện")
    assert edited.buttons == [] and MARKUP in edited.text
    async with sessions() as s:
        story = await s.get_one(Story, 1)
    assert story.status == StoryStatus.WITHDRAWN and story.decided_by is None
    assert await audit_actions(sessions, 1) == ["story.submit", "story.withdraw"]
    assert [m for m in await council.group.messages() if "chọn lý do" in m.text] == []


async def test_buttons_on_a_superseded_card_or_its_old_reason_prompts_are_refused(
    bot: RunningBot, council: Council, sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    old = await submitted(sessions, texts, now)
    card = await council.vice.wait_message(council.group, contains=f"Người tốt, việc tốt #{old}")
    # The vice-chair starts rejecting and the chair starts asking for changes (prompts wait)...
    await council.vice.press(card, "✖️ Từ chối")
    vice_prompt = await council.vice.wait_message(council.group, contains="chọn lý do từ chối")
    await council.chair.press(card, "✏️ Yêu cầu bổ sung")
    chair_prompt = await council.chair.wait_message(council.group, contains="yêu cầu bổ sung")
    # ...while a council member asks for changes and the author sends an edited version.
    async with sessions() as s:
        await stories.decide(
            s,
            story_id=old,
            reviewer_tg_id=council.member.id,
            verdict="changes",
            reason="Ghi rõ địa điểm",
            texts=texts,
            now=now,
        )
    async with sessions() as s:
        await stories.start_resubmit(s, tg_user_id=TEACHER, story_id=old, now=now)
    async with sessions() as s:
        new = (await stories.submit(s, tg_user_id=TEACHER, texts=texts, now=now)).id
    await council.vice.wait_message(council.group, contains=f"Người tốt, việc tốt #{new}")
    await council.vice.wait_edit(card, contains=f"đã được thay bằng bản sửa #{new}")
    before = await stories_state(sessions)

    superseded = f"Câu chuyện #{old} đã được thay bằng bản sửa; vui lòng xét bản mới."
    await council.vice.reply(vice_prompt, "Lý do gõ tay")
    said = await council.vice.wait_message(council.group, contains="thay bằng bản sửa")
    assert said.text == superseded
    closed = await council.vice.wait_edit(vice_prompt, contains=superseded)
    assert closed.buttons == []
    assert await alert(council.chair, chair_prompt, "Cần ghi rõ người được nêu gương") == superseded
    closed = await council.chair.wait_edit(chair_prompt, contains=superseded)
    assert closed.buttons == []
    # A client that has not seen the card's edit yet still shows its old buttons.
    stale = await plant(
        bot.app.bot, council.group.id, council.chair, f"v1:sd:{old}:approve", f"v1:so:{old}"
    )
    assert await alert(council.member, stale, data=f"v1:sd:{old}:approve") == superseded
    assert await alert(council.chair, stale, data=f"v1:so:{old}") == superseded  # no prompt

    after = await stories_state(sessions)
    assert after.pop("conversations") == []  # the prompts no longer wait for a reason
    before.pop("conversations")
    assert after == before
    assert [m for m in await council.group.messages() if "lý do mở lại" in m.text] == []
    assert await audit_actions(sessions, old) == ["story.submit", "story.changes"]


async def test_markup_in_a_story_and_a_reason_shows_exactly_as_typed_everywhere(
    council: Council, client: EmuClient
) -> None:
    await report(council.teacher, text=MARKUP)
    card = await council.member.wait_message(council.group, contains="Người tốt, việc tốt #1")
    assert MARKUP in card.text
    await council.chair.send("/pending")
    listing = await council.chair.wait_message(contains="Câu chuyện chờ xét")
    assert f"“{MARKUP}”" in listing.text

    refused = await council.outsider.press(card, "✅ Duyệt")
    assert refused is not None and refused.show_alert
    await council.vice.press(card, "✖️ Từ chối")
    prompt = await council.vice.wait_message(council.group, contains="chọn lý do từ chối")
    await council.vice.reply(prompt, REASON)
    decided = await council.vice.wait_edit(card, contains="Lê Minh Tuấn không duyệt")
    assert MARKUP in decided.text and f"Lý do: {REASON}" in decided.text
    done = await council.vice.wait_edit(prompt, contains="đã từ chối câu chuyện #1")
    assert done.buttons == []

    notice = await council.teacher.wait_message(contains="chưa được Hội đồng duyệt")
    assert f"“{MARKUP}”" in notice.text and f"Lý do: {REASON}" in notice.text
