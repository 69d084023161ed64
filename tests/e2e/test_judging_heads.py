"""Department heads end to end: the chair makes Vũ Thị Mai head of Tổ 1 in /members; in an open
round she ticks the department's registrants, the bot restarts with her list half done, she
confirms with a note; the chair is told and confirms the head's own line herself."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import select

from storage.db import SessionFactory
from storage.models import Candidate, DepartmentReview
from tests.e2e.conftest import running_bot
from tests.e2e.helpers import plant
from tests.e2e.test_foundation import scope_of
from tests.factories import CHAIR, COUNCIL, TEACHER, make_school
from tests.judging_heads import BICH, HUNG, TITLES, make_round, statuses
from tgemu import EmuClient, Emulator
from ui.buttons.departments import DeptReview, DeptToggle
from ui.texts import Texts


def _plain(value: Any) -> Any:
    """A Bot API parameter as sent (JSON-encoded, or already parsed)."""
    return json.loads(value) if isinstance(value, str) else value


async def test_a_head_sends_the_departments_list_with_a_note_and_the_chair_is_told(
    emu: Emulator,
    client: EmuClient,
    db_url: str,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    school = await make_school(sessions, texts, now)
    rnd = await make_round(sessions, texts, now, school, head=None)
    chair = await client.user(CHAIR, "Hà", started=True)
    head = await client.user(TEACHER, "Mai", started=True)
    member = await client.user(COUNCIL, "Lan", started=True)

    async with running_bot(emu, db_url) as bot:
        # Before: Mai is no head, /department is not for her.
        await head.send("/department")
        await head.wait_message(contains="dành cho tổ trưởng")

        await chair.send("/members")
        listing = await chair.wait_message(contains="giao làm tổ trưởng")
        mai = next(b for b in listing.button_texts if b.startswith("Vũ Thị Mai"))
        assert mai == "Vũ Thị Mai · CB-GV-NV · Tổ 1"
        await chair.press(listing, mai)
        card = await chair.wait_edit(listing, contains="Tổ: Tổ 1")
        answer = await chair.press(card, "Giao làm tổ trưởng")
        assert answer is not None and answer.text == "Vũ Thị Mai nay là tổ trưởng Tổ 1."
        card = await chair.wait_edit(card, contains="Tổ: Tổ 1 · Tổ trưởng")
        assert "Thôi làm tổ trưởng" in card.button_texts
        await head.wait_message(contains="Thầy/Cô được giao làm tổ trưởng Tổ 1")
        menus = [
            [c["command"] for c in _plain(call["params"]["commands"])]
            for call in await client.calls(method="setMyCommands")
            if scope_of(call).get("chat_id") == TEACHER
        ]
        assert menus and "department" in menus[-1] and "members" not in menus[-1]
        await head.send("/help")
        await head.wait_message(contains="/department – danh sách đề nghị của tổ")

        # The round's notice button (the lead's round-open sends it) opens her department.
        notice = await plant(bot.app.bot, TEACHER, head, DeptReview(rnd.id).pack())
        await head.press(notice, callback_data=DeptReview(rnd.id).pack())
        shown = await head.wait_edit(notice, contains="Danh sách đề nghị của Tổ 1")
        assert "Vũ Thị Mai: do Chủ tịch Hội đồng xác nhận" in shown.text
        assert "Hoàng Thị Yến" not in shown.text  # Tổ 2's
        await head.send("/department")
        shown = await head.wait_message(contains="Danh sách đề nghị của Tổ 1")
        assert shown.button_texts == [
            "1. Nguyễn Thị Bích: Đề nghị ✓",
            "2. Đặng Văn Hùng: Đề nghị ✓",
            "3. Phạm Thị Lan: Đề nghị ✓",
            "5. Phạm Thị Lan: Đề nghị ✓",
            "⬜ Tổ đề nghị danh hiệu Tập thể lao động tiên tiến",
            "Xác nhận danh sách của tổ",
        ]
        await head.press(shown, "2. Đặng Văn Hùng: Đề nghị ✓")
        shown = await head.wait_edit(shown, contains="Đặng Văn Hùng: ✖️ không đề nghị")
        await head.press(shown, "⬜ Tổ đề nghị danh hiệu Tập thể lao động tiên tiến")
        shown = await head.wait_edit(shown, contains="Tập thể lao động tiên tiến: có ✅")

        # A council member who heads nothing presses a tick (forged): refused, nothing changes.
        forged = DeptToggle(rnd.id, rnd.dept1, rnd.candidates[(BICH, TITLES[0])]).pack()
        planted = await plant(bot.app.bot, COUNCIL, member, forged)
        refused = await member.press(planted, callback_data=forged)
        assert refused is not None and refused.show_alert
        assert "dành cho tổ trưởng" in (refused.text or "")
    assert set((await statuses(sessions, rnd.id)).values()) == {"waiting"}

    # The bot restarts with her list half done: the ticks were in the database.
    async with running_bot(emu, db_url):
        await head.press(shown, "Xác nhận danh sách của tổ")
        ask = await head.wait_edit(shown, contains="Xác nhận danh sách của Tổ 1")
        assert "Lao động tiên tiến: đề nghị 2/4 người" in ask.text  # hers is not hers to tick
        assert ask.button_texts == ["Không có ghi chú", "‹ Quay lại danh sách"]
        await head.send("Tổ họp ngày 20/5, <b>5/5</b> thành viên dự & thống nhất")
        sent = await head.wait_message(contains="Đã gửi danh sách đề nghị của Tổ 1")
        assert "Lao động tiên tiến: đề nghị 2/4 người" in sent.text
        assert "Còn chờ xác nhận: Vũ Thị Mai (Lao động tiên tiến)" in sent.text

        told = await chair.wait_message(contains="Tổ 1 đã gửi danh sách đề nghị")
        assert "Ghi chú: Tổ họp ngày 20/5, <b>5/5</b> thành viên dự & thống nhất" in told.text
        assert "Tổ đề nghị danh hiệu Tập thể lao động tiên tiến" in told.text
        assert "Người xác nhận: Vũ Thị Mai" in told.text
        # The chair confirms the head's own line from the notice.
        await chair.press(told, "Xem danh sách của Tổ 1")
        view = await chair.wait_edit(told, contains="Danh sách đề nghị của Tổ 1")
        assert "Đặng Văn Hùng: không đề nghị (tổ trưởng đã xác nhận)" in view.text
        assert view.button_texts == [
            "4. Vũ Thị Mai: Đề nghị ✓",
            "Xác nhận danh sách của tổ",
            "‹ Các tổ",
        ]
        await chair.press(view, "Xác nhận danh sách của tổ")
        ask = await chair.wait_edit(view, contains="Xác nhận danh sách của Tổ 1")
        await chair.press(ask, "Không có ghi chú")
        await chair.wait_edit(ask, contains="Đã xác nhận danh sách đề nghị của Tổ 1")

    stored = await statuses(sessions, rnd.id)
    assert stored[rnd.candidates[(HUNG, TITLES[0])]] == "not_proposed"
    assert stored[rnd.candidates[(BICH, TITLES[0])]] == "proposed"
    assert stored[rnd.candidates[(TEACHER, TITLES[0])]] == "proposed"
    async with sessions() as s:
        review = await s.scalar(select(DepartmentReview))
        standing = await s.scalar(select(Candidate).where(Candidate.person_id.is_(None)))
    assert review is not None
    assert review.note == "Tổ họp ngày 20/5, <b>5/5</b> thành viên dự & thống nhất"
    assert standing is not None and standing.title == TITLES[2]
    assert standing.department_id == rnd.dept1
