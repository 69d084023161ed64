"""Achievement reports and the decision end to end: the chair asks the final round's nominees for
their reports; three write them in chat (one only after a reminder, the clock moved and the
scheduler's tick run); a head sends one back with a note and it comes back edited; the heads and
the chair confirm; the DOCX is opened; the chair records the deciding level's decision, two people
are congratulated, /tally shows the honours."""

from __future__ import annotations

import io
from datetime import UTC, datetime, time, timedelta

from docx import Document
from sqlalchemy import select

from storage.db import SessionFactory
from storage.models import AchievementReport, ReportStatus
from tests.e2e.conftest import RunningBot
from tests.e2e.test_judging_meetings import move_clock
from tests.factories import CHAIR, TEACHER, School
from tests.judging.reports_world import DEED, HEAD1, HEAD2, HN, INITIATIVE, NAM, final_round
from tgemu import EmuClient, Msg, User
from ui.texts import Texts

POSITION = "Giáo viên chủ nhiệm lớp 3A"
TASKS = "Dạy Tiếng Việt, Toán lớp 3A\nPhụ trách câu lạc bộ đọc sách"
RESULTS = "Lớp 3A: 100% học sinh hoàn thành chương trình"


async def _write(user: User, asked: Msg, *, typed: bool) -> Msg:
    """The form from the request's button to the preview: three answers typed, the two last
    kept (pre-filled) or "Không có"; returns the preview."""
    await user.press(asked, asked.button_texts[0])
    await user.wait_message(contains="bước 1/5")
    await user.send(POSITION)
    await user.wait_message(contains="bước 2/5")
    await user.send(TASKS)
    await user.wait_message(contains="bước 3/5")
    await user.send(RESULTS)
    fourth = await user.wait_message(contains="bước 4/5")
    if typed:
        assert INITIATIVE in fourth.text and fourth.button_texts == ["Giữ nguyên"]
    await user.press(fourth, fourth.button_texts[0])
    fifth = await user.wait_message(contains="bước 5/5")
    if typed:
        assert DEED in fifth.text  # shown as typed (its tags escaped, not read as HTML)
    await user.press(fifth, fifth.button_texts[0])
    preview = await user.wait_message(contains="Xem trước")
    assert preview.button_texts == ["✅ Xác nhận", "✏️ Sửa"]
    assert POSITION in preview.text and "Phụ trách câu lạc bộ đọc sách" in preview.text
    return preview


async def _confirm(reviewer: User, notice: Msg, name: str) -> None:
    """The reviewer opens the notice's report and confirms it."""
    await reviewer.press(notice, "📄 Xem báo cáo")
    full = await reviewer.wait_message(contains="BÁO CÁO THÀNH TÍCH")
    assert full.button_texts == ["✅ Xác nhận báo cáo", "↩️ Trả lại để sửa", "📥 Tải tệp Word"]
    await reviewer.press(full, "✅ Xác nhận báo cáo")
    await reviewer.wait_message(contains=f"Đã xác nhận báo cáo thành tích của {name}")


async def test_three_nominees_report_the_heads_confirm_and_the_decision_comes_back(
    school: School, bot: RunningBot, client: EmuClient, sessions: SessionFactory, texts: Texts
) -> None:
    real_now = datetime.now(UTC)
    await final_round(sessions, texts, school, real_now)
    set_clock = move_clock(bot)
    chair = await client.user(CHAIR, "Hà", last_name="Trần", started=True)
    mai = await client.user(TEACHER, "Mai", last_name="Vũ", started=True)
    hang = await client.user(HEAD1, "Hằng", last_name="Nguyễn", started=True)
    long_ = await client.user(HEAD2, "Long", last_name="Hoàng", started=True)
    nam = await client.user(NAM, "Nam", last_name="Đỗ", started=True)

    # The chair asks for the reports from /achievements.
    await chair.send("/achievements")
    overview = await chair.wait_message(contains="Báo cáo thành tích")
    await chair.press(overview, "📨 Gửi đề nghị viết báo cáo")
    await chair.wait_message(contains="Đã gửi đề nghị viết báo cáo thành tích tới 4 người")
    asked = {}
    for user in (mai, hang, long_, nam):
        asked[user.id] = await user.wait_message(contains="Đề nghị viết báo cáo thành tích")
    assert "Tập thể" not in asked[NAM].text and "Tổ 2 (Hoàng Văn Long báo cáo)" in asked[HEAD2].text

    # Mai writes hers (pre-filled initiative and good deed kept), Nam his (nothing pre-filled).
    preview = await _write(mai, asked[TEACHER], typed=True)
    await mai.press(preview, "✅ Xác nhận")
    await mai.wait_edit(preview, contains="Đã gửi báo cáo thành tích cho Nguyễn Thị Hằng xác nhận")
    for_hang = await hang.wait_message(contains="Vũ Thị Mai đã gửi báo cáo thành tích")
    preview = await _write(nam, asked[NAM], typed=False)
    assert "Không có." in preview.text
    await nam.press(preview, "✅ Xác nhận")
    await nam.wait_edit(preview, contains="cho Hoàng Văn Long xác nhận")
    for_long = await long_.wait_message(contains="Đỗ Văn Nam đã gửi báo cáo thành tích")

    # Three days later the reminder reaches those not done: Hằng and Tổ 2's head, not Mai.
    day = real_now.astimezone(HN).date() + timedelta(days=3)
    set_clock(datetime.combine(day, time(8, 1), tzinfo=HN))
    reminded = await hang.wait_message(
        contains="Nhắc: báo cáo thành tích chưa hoàn thành", timeout=20
    )
    await long_.wait_message(contains="Nhắc: báo cáo thành tích chưa hoàn thành", timeout=20)
    assert not any("Nhắc: báo cáo" in m.text for m in await client.messages(mai))
    preview = await _write(hang, reminded, typed=False)
    await hang.press(preview, "✅ Xác nhận")
    await hang.wait_edit(preview, contains="cho Trần Thị Thu Hà xác nhận")  # her own: the chair
    for_chair = await chair.wait_message(contains="Nguyễn Thị Hằng đã gửi báo cáo thành tích")

    # The heads confirm their department's report; the chair confirms the head's own.
    await _confirm(hang, for_hang, "Vũ Thị Mai")
    await mai.wait_message(contains="đã được Nguyễn Thị Hằng xác nhận")
    # Tổ 2's head sends Nam's back with a note; Nam keeps every answer and sends it again.
    await long_.press(for_long, "📄 Xem báo cáo")
    full = await long_.wait_message(contains="BÁO CÁO THÀNH TÍCH")
    await long_.press(full, "↩️ Trả lại để sửa")
    await long_.wait_message(contains="gõ góp ý")
    await long_.send("Bổ sung số liệu <học kỳ II>")
    await long_.wait_message(contains="Đã trả lại báo cáo thành tích cho Đỗ Văn Nam")
    back = await nam.wait_message(contains="được trả lại để sửa")
    assert "Góp ý: “Bổ sung số liệu <học kỳ II>”" in back.text
    await nam.press(back, "✏️ Sửa báo cáo thành tích")
    for n, label in enumerate(("Giữ nguyên",) * 3 + ("Không có",) * 2, start=1):
        prompt = await nam.wait_message(contains=f"bước {n}/5")
        assert prompt.button_texts == [label]
        await nam.press(prompt, label)
    preview = await nam.wait_message(contains="Xem trước")
    await nam.press(preview, "✅ Xác nhận")
    for_long = await long_.wait_message(contains="Đỗ Văn Nam đã gửi báo cáo thành tích")
    await _confirm(long_, for_long, "Đỗ Văn Nam")
    await _confirm(chair, for_chair, "Nguyễn Thị Hằng")
    async with sessions() as s:
        statuses = sorted(str(r.status) for r in (await s.scalars(select(AchievementReport))).all())
    assert statuses == ["confirmed"] * 3 + [str(ReportStatus.REQUESTED)]

    # Mai downloads her report: the DOCX holds her answers and the head's confirmation.
    await mai.send("/achievements")
    mine = await mai.wait_message(contains="Của Thầy/Cô")
    assert "đã xác nhận" in mine.text
    await mai.press(mine, "📄 Xem báo cáo: Chiến sĩ thi đua cơ sở")
    full = await mai.wait_message(contains="Trạng thái: đã xác nhận")
    await mai.press(full, "📥 Tải tệp Word")
    sent = await mai.wait_message(contains="Báo cáo thành tích – Vũ Thị Mai")
    assert sent.document is not None
    assert sent.document["file_name"] == "bao-cao-thanh-tich-vu-thi-mai.docx"
    document = Document(io.BytesIO(await client.download(sent.document["file_id"])))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)
    for expected in (POSITION, "Dạy Tiếng Việt, Toán lớp 3A", RESULTS, INITIATIVE, "Cô Mai kèm"):
        assert expected in text, expected
    assert "Nguyễn Thị Hằng" in cells and "XÁC NHẬN CỦA TỔ TRƯỞNG CHUYÊN MÔN" in cells

    # The decision comes back: Lao động tiên tiến for Mai and Nam.
    today = bot.deps.clock().astimezone(HN).date()
    await chair.send("/decision")
    await chair.wait_message(contains="Bước 1/4")
    await chair.send("125/QĐ-UBND")
    await chair.wait_message(contains="Bước 2/4")
    await chair.send("31/02/2027")
    await chair.wait_message(contains="không phải là ngày hợp lệ")
    await chair.send(f"{today:%d/%m/%Y}")
    await chair.wait_message(contains="Bước 3/4")
    await chair.send("Nguyễn Văn Phúc, Chủ tịch UBND phường Bồ Đề")
    ticks = await chair.wait_message(contains="Bước 4/4")
    assert "Đã chọn 7/7" in ticks.text
    for label in list(ticks.button_texts):
        if label.startswith("✅") and not (
            label.endswith("Lao động tiên tiến")
            and ("Vũ Thị Mai" in label or "Đỗ Văn Nam" in label)
        ):
            await chair.press(ticks, label)
            ticks = await chair.wait_edit(ticks, contains="Đã chọn")
    assert "Đã chọn 2/7" in ticks.text
    await chair.press(ticks, "💾 Ghi nhận quyết định")
    saved = await chair.wait_edit(ticks, contains="Đã ghi nhận Quyết định số 125/QĐ-UBND")
    assert "Đã gửi lời chúc mừng tới 2 người" in saved.text
    for user in (mai, nam):
        congratulated = await user.wait_message(contains="🎉 Chúc mừng Thầy/Cô")
        assert "công nhận danh hiệu “Lao động tiên tiến”" in congratulated.text
        assert "theo Quyết định số 125/QĐ-UBND" in congratulated.text
    assert not any("🎉" in m.text for m in await client.messages(hang))

    await chair.send("/tally năm học")
    tally = await chair.wait_message(contains="Thống kê thi đua")
    assert f"Khen thưởng năm học: Lao động tiên tiến: 2 (QĐ số 125/QĐ-UBND ({today:%d/%m/%Y}))" in (
        tally.text
    )
