"""Initiatives end to end (issue 16): the chair opens the year's call and names the initiatives
council; a teacher registers an initiative and sends its write-up (an oversized PDF and a
spreadsheet refused politely, then a DOCX and a PDF kept); the council chair assigns the two
suggested reviewers, who score in private chat (the other's marks hidden); their totals are too
far apart, a third reviewer scores; the chair confirms, the author is told, the draft decision is
opened and checked, and the author's CSTĐCS line in /round no longer lacks an initiative."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime

from docx import Document
from sqlalchemy import select

from reports.pdf import converter
from storage.db import SessionFactory
from storage.models import ReviewEntry, StoredFile
from tests.e2e.conftest import RunningBot
from tests.factories import CHAIR, TEACHER, VICE
from tests.judging.world import build
from tgemu import EmuClient, Msg, User
from ui.buttons.initiatives import InitiativesAssign, InitiativesJurySet
from ui.texts import Texts

NO_INITIATIVE = "chưa có sáng kiến được công nhận"
TITLE = "Dạy học phân hóa môn Toán lớp 1 qua trò chơi"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _docx() -> bytes:
    document = Document()
    document.add_paragraph("Báo cáo sáng kiến: " + TITLE)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _teacher_line(text: str) -> str:
    """The CSTĐCS block's line of the teacher, with its warnings."""
    block = text.split("Chiến sĩ thi đua cơ sở", 1)[1]
    found = re.search(r"\d+\. Vũ Thị Mai[^\n]*\n(\s+⚠️[^\n]*)?", block)
    assert found is not None, block
    return found.group(0)


async def _score(user: User, notice: Msg, marks: list[int], comment: str) -> Msg:
    """Open the sheet from the assignment notice, press each mark, type the comment, send."""
    await user.press(notice, "📝 Chấm ngay")
    sheet = await user.wait_message(contains="Phiếu chấm sáng kiến")
    for n, mark in enumerate(marks, start=1):
        await user.press(sheet, str(mark))
        sheet = await user.wait_edit(sheet, contains=f"{n}. ")
    assert "nhận xét ngắn" in sheet.text
    await user.send(comment)
    sheet = await user.wait_message(contains="Gửi phiếu")
    await user.press(sheet, "📨 Gửi phiếu")
    return await user.wait_message(contains="Đã gửi phiếu")


async def test_an_initiative_from_registration_to_recognition_and_the_cstdcs_check(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory, texts: Texts
) -> None:
    now = datetime.now(UTC)
    # Staff 3001..3004 in Tổ 1..4; the teacher (Tổ 1) registered for CSTĐCS.
    world = await build(sessions, texts, now, council=3, staff=4, cstdcs=4)
    p = world.person
    users = {
        tg: await client.user(tg, name, started=True)
        for tg, name in (
            (CHAIR, "Hà"),
            (VICE, "Tuấn"),
            (TEACHER, "Mai"),
            (3002, "Hai"),
            (3003, "Ba"),
            (3004, "Bốn"),
        )
    }
    chair, vice, teacher = users[CHAIR], users[VICE], users[TEACHER]

    # The judging round is open: the teacher's CSTĐCS line lacks a recognised initiative.
    await chair.send("/round")
    none_yet = await chair.wait_message(contains="chưa mở đợt bình xét")
    await chair.press(none_yet, "🗳 Mở đợt bình xét")
    await chair.wait_edit(none_yet, contains="Đã mở")
    shown = await chair.wait_message(contains="Bình xét thi đua năm học")
    assert NO_INITIATIVE in _teacher_line(shown.text)

    # The chair opens the initiatives call and names the initiatives council.
    await chair.send("/initiatives")
    home = await chair.wait_message(contains="Chưa mở đợt đăng ký sáng kiến")
    await chair.press(home, "Mở đợt sáng kiến")
    preview = await chair.wait_edit(home, contains="Mở đợt sáng kiến năm học")
    await chair.press(preview, "✅ Mở đợt")
    home = await chair.wait_edit(preview, contains="Hạn nộp báo cáo")
    await teacher.wait_message(contains="đã mở")
    await chair.press(home, "👥 Hội đồng Sáng kiến")
    jury = await chair.wait_edit(home, contains="Chưa có thành viên")
    for person, role in ((VICE, "chair"), (3002, "member"), (3003, "member"), (3004, "member")):
        await chair.press(jury, callback_data=InitiativesJurySet(p[person], role).pack())  # type: ignore[arg-type]
        jury = await chair.wait_edit(jury)
    assert "Lê Minh Tuấn" in jury.text and "Chủ tịch" in jury.text
    await vice.wait_message(contains="Chủ tịch Hội đồng Sáng kiến")

    # The teacher registers (three answers) and sends the write-up.
    await teacher.send("/initiatives")
    home = await teacher.wait_message(contains="chưa đăng ký sáng kiến nào")
    await teacher.press(home, "➕ Đăng ký sáng kiến")
    await teacher.wait_message(contains="tên sáng kiến")
    await teacher.send(TITLE)
    await teacher.wait_message(contains="lĩnh vực")
    await teacher.send("Toán")
    await teacher.wait_message(contains="vấn đề sáng kiến giải quyết")
    await teacher.send("Học sinh lớp 1 tiếp thu không đều")
    registered = await teacher.wait_message(contains="Đã đăng ký sáng kiến")
    await teacher.press(registered, "📎 Nộp báo cáo sáng kiến")
    await teacher.wait_message(contains="DOCX hoặc PDF")
    await teacher.send_document(
        b"%PDF-1.4 big", filename="sang_kien.pdf", mime_type=PDF, file_size=25 * 2**20
    )
    refused = await teacher.wait_message(contains="quá giới hạn")
    assert "20 MB" in refused.text
    await teacher.send_document(
        b"PK", filename="bang_diem.xlsx", mime_type="application/vnd.ms-excel"
    )
    await teacher.wait_message(contains="không phải DOCX hay PDF")
    await teacher.send_document(_docx(), filename="sang_kien.docx", mime_type=DOCX)
    await teacher.wait_message(contains="Đã nhận và lưu “sang_kien.docx”")
    await teacher.send_document(b"%PDF-1.4 small", filename="sang_kien.pdf", mime_type=PDF)
    got = await teacher.wait_message(contains="Đã nhận và lưu “sang_kien.pdf”")
    await teacher.press(got, "✅ Đã gửi xong")
    await teacher.wait_edit(got, contains="Đã nộp sáng kiến")
    async with sessions() as s:
        kept = (await s.scalars(select(StoredFile).order_by(StoredFile.id))).all()
        assert [f.name for f in kept] == ["sang_kien.docx", "sang_kien.pdf"]
        entry = await s.scalar(select(ReviewEntry))
        assert entry is not None
        entry_id = entry.id

    # The council chair assigns the two suggested reviewers (outside Tổ 1).
    await vice.send("/initiatives")
    home = await vice.wait_message(contains="Chủ tịch Hội đồng Sáng kiến")
    await vice.press(home, "📋 Danh sách sáng kiến")
    panel = await vice.wait_edit(home, contains="đã nộp, chờ phân công chấm")
    await vice.press(panel, next(t for t in panel.button_texts if t.startswith("SK-")))
    card = await vice.wait_edit(panel, contains="Gợi ý người chấm")
    suggested = [data for row in card.buttons for _, data in row if data.startswith("v1:qa:")]
    assert suggested == [InitiativesAssign(entry_id, p[tg]).pack() for tg in (3002, 3003)]
    for data in suggested:
        await vice.press(card, callback_data=data)
        card = await vice.wait_edit(card)

    # They score in private chat; the second does not see the first's marks.
    first = await users[3002].wait_message(contains="để mở phiếu chấm")
    await _score(users[3002], first, [9, 9, 9, 9], "Tốt, áp dụng được")
    second = await users[3003].wait_message(contains="để mở phiếu chấm")
    await users[3003].press(second, "📝 Chấm ngay")
    sheet = await users[3003].wait_message(contains="Phiếu chấm sáng kiến")
    assert "Giáo viên Số 02" not in sheet.text and "Tổng điểm" not in sheet.text
    await _score(users[3003], second, [5, 5, 5, 5], "Chưa rõ hiệu quả")
    await vice.wait_message(contains="người chấm thứ ba")

    # A third reviewer, then the chair confirms.
    await vice.send("/initiatives")
    home = await vice.wait_message(contains="Chủ tịch Hội đồng Sáng kiến")
    await vice.press(home, "📋 Danh sách sáng kiến")
    panel = await vice.wait_edit(home, contains="cần người chấm thứ ba")
    await vice.press(panel, next(t for t in panel.button_texts if t.startswith("SK-")))
    card = await vice.wait_edit(panel, contains="Gợi ý người chấm")
    await vice.press(card, callback_data=InitiativesAssign(entry_id, p[3004]).pack())
    card = await vice.wait_edit(card)
    third = await users[3004].wait_message(contains="chấm thứ ba")
    await _score(users[3004], third, [7, 7, 7, 7], "-")
    await vice.wait_message(contains="đã được chấm xong")
    await vice.press(card, "‹ Quay lại")
    panel = await vice.wait_edit(card, contains="đã chấm, chờ xác nhận")
    await vice.press(panel, next(t for t in panel.button_texts if t.startswith("SK-")))
    card = await vice.wait_edit(panel, contains="Điểm trung bình")
    assert "Điểm trung bình: 70/100" in card.text and "Loại B" in card.text  # (90+50+70)/3
    await vice.press(card, "✅ Xác nhận công nhận")
    await vice.wait_edit(card, contains="được công nhận")
    told = await teacher.wait_message(contains="đã được")
    assert "công nhận" in told.text and TITLE in told.text

    # The draft decision, opened.
    await vice.send("/initiatives")
    home = await vice.wait_message(contains="Chủ tịch Hội đồng Sáng kiến")
    await vice.press(home, "📋 Danh sách sáng kiến")
    panel = await vice.wait_edit(home, contains="Được công nhận: 1")
    await vice.press(panel, "📄 Dự thảo quyết định công nhận")
    sent = await vice.wait_message(contains="Dự thảo quyết định công nhận 1 sáng kiến")
    assert sent.document is not None
    document = Document(io.BytesIO(await client.download(sent.document["file_id"])))
    rows = [[c.text for c in r.cells] for r in document.tables[-1].rows]
    assert rows[1:] == [["1", TITLE, "Vũ Thị Mai", "Tổ 1", "Toán", "70", "Loại B"]]
    if converter() is not None:  # and its PDF, when LibreOffice is installed
        pdf = await vice.wait_message(timeout=120)
        assert pdf.document is not None
        name = pdf.document["file_name"]
        assert name.startswith("quyet-dinh-cong-nhan-sang-kien-") and name.endswith(".pdf")

    # The judging round: the teacher's initiative condition is met now.
    await chair.send("/round")
    shown = await chair.wait_message(contains="Bình xét thi đua năm học")
    assert NO_INITIATIVE not in _teacher_line(shown.text)
