"""The facts the conditions need, end to end (issue 14): the chair gets the XLSX, fills it in,
sends it back with a bad row (refused, nothing imported, the row named), then fixed (imported);
a person's facts entered in chat; a teacher is refused."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
from sqlalchemy import func, select

from reports.facts_sheet import HEADERS
from storage.db import SessionFactory
from storage.models import PersonYear
from tests.e2e.conftest import RunningBot
from tests.factories import CHAIR, TEACHER, School
from tgemu import EmuClient

RATING, START, DISCIPLINE = HEADERS[4], HEADERS[5], HEADERS[6]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def fill(content: bytes, cells: dict[str, dict[str, object]]) -> bytes:
    """The sheet filled in as in Excel: the cells of the rows with these names."""
    book = openpyxl.load_workbook(io.BytesIO(content))
    ws = book.worksheets[0]
    header = [c.value for c in ws[3]]
    for r in range(4, ws.max_row + 1):
        for column, value in cells.get(str(ws.cell(r, 3).value), {}).items():
            ws.cell(r, header.index(column) + 1, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


async def stored(sessions: SessionFactory) -> list[tuple[int, str | None, date | None]]:
    async with sessions() as s:
        rows = await s.execute(
            select(PersonYear.person_id, PersonYear.rating, PersonYear.started_on).order_by(
                PersonYear.person_id
            )
        )
        return [tuple(r) for r in rows]  # type: ignore[misc]


async def test_the_chair_fills_the_sheet_a_bad_row_is_refused_whole_then_it_is_imported(
    school: School, bot: RunningBot, client: EmuClient, sessions: SessionFactory
) -> None:
    chair = await client.user(CHAIR, "Hà", last_name="Trần", started=True)
    await chair.send("/facts")
    overview = await chair.wait_message(contains="Thông tin xét thi đua năm học")
    assert "👥 4 cán bộ, giáo viên, nhân viên" in overview.text
    assert "⬜ Chưa có: 4" in overview.text
    await chair.press(overview, "📥 Tải bảng Excel")
    sheet = await chair.wait_message(contains="Bảng thông tin xét thi đua năm học")
    assert sheet.document is not None
    assert sheet.document["file_name"].startswith("thong-tin-xet-thi-dua-")
    content = await client.download(sheet.document["file_id"])

    cells: dict[str, dict[str, object]] = {
        "Trần Thị Thu Hà": {RATING: "Hoàn thành xuất sắc nhiệm vụ", START: "01/09/2010"},
        "Lê Minh Tuấn": {RATING: "HTT", START: "15/08/2015"},
        "Phạm Thị Lan": {RATING: "Hoàn thành tốt nhiệm vụ", START: "05/09/2018"},
        "Vũ Thị Mai": {RATING: "HT", START: "31/02/2020", DISCIPLINE: "Khiển trách"},
    }
    # /facts put the bot in the wait: the file needs no caption.
    await chair.send_document(fill(content, cells), filename="bang-da-dien.xlsx", mime_type=XLSX)
    refusal = await chair.wait_message(contains="Bot chưa nhập bảng")
    assert "1 dòng có lỗi nên chưa dòng nào được ghi" in refusal.text
    assert "Dòng 5 (Vũ Thị Mai): ngày bắt đầu công tác “31/02/2020” không hợp lệ" in refusal.text
    assert await stored(sessions) == []  # not even the three good rows

    cells["Vũ Thị Mai"][START] = "05/09/2020"
    await chair.send_document(fill(content, cells), filename="bang-da-dien.xlsx", mime_type=XLSX)
    done = await chair.wait_message(contains="Đã nhập bảng thông tin xét thi đua")
    assert "4 dòng: cập nhật 4 người, 0 người giữ nguyên." in done.text
    assert "Cả 4 người đã có mức độ hoàn thành nhiệm vụ." in done.text
    rows = await stored(sessions)
    assert sorted((r[1], r[2]) for r in rows) == [
        ("done", date(2020, 9, 5)),
        ("excellent", date(2010, 9, 1)),
        ("good", date(2015, 8, 15)),
        ("good", date(2018, 9, 5)),
    ]

    # Sent again with no wait (the import ended it): the header says it is the sheet.
    await chair.send_document(fill(content, cells), filename="lan-2.xlsx", mime_type=XLSX)
    again = await chair.wait_message(contains="Đã nhập bảng")
    assert "cập nhật 0 người, 4 người giữ nguyên" in again.text
    assert bot.errors == []


async def test_a_leader_enters_a_persons_facts_in_chat_and_a_teacher_is_refused(
    school: School, bot: RunningBot, client: EmuClient, sessions: SessionFactory
) -> None:
    chair = await client.user(CHAIR, "Hà", last_name="Trần", started=True)
    await chair.send("/facts")
    overview = await chair.wait_message(contains="Thông tin xét thi đua năm học")
    await chair.press(overview, "🏫 Chọn theo tổ")
    departments = await chair.wait_edit(overview, contains="Chọn theo tổ")
    await chair.press(departments, "Tổ 1 (2/2 chưa đủ)")
    people = await chair.wait_edit(departments, contains="2 người")
    await chair.press(people, "⬜ Vũ Thị Mai · Tổ 1")
    card = await chair.wait_edit(people, contains="Vũ Thị Mai")
    assert "Mức độ hoàn thành nhiệm vụ: (chưa có)" in card.text
    await chair.press(card, "HT tốt")
    card = await chair.wait_edit(card, contains="Hoàn thành tốt nhiệm vụ")
    assert "• HT tốt" in card.button_texts
    await chair.press(card, "📅 Ngày bắt đầu công tác")
    await chair.wait_message(contains="gõ ngày bắt đầu công tác")
    await chair.send("31/02/2020")
    await chair.wait_message(contains="Ngày “31/02/2020” không hợp lệ")
    await chair.send("5/9/2020")
    saved = await chair.wait_message(contains="Đã lưu ngày bắt đầu công tác")
    assert "Ngày bắt đầu công tác: 05/09/2020" in saved.text
    assert len(await stored(sessions)) == 1

    teacher = await client.user(TEACHER, "Mai", last_name="Vũ", started=True)
    await teacher.send("/facts")
    await teacher.wait_message(contains="chỉ Chủ tịch và Phó Chủ tịch Hội đồng")
    # A teacher's spreadsheet is not read: the usual answer to a file.
    await teacher.send_document(b"PK\x03\x04 not really", filename="bang.xlsx", mime_type=XLSX)
    await teacher.wait_message(contains="bot chưa đọc được loại tin này")
    async with sessions() as s:
        assert await s.scalar(select(func.count()).select_from(PersonYear)) == 1
    assert bot.errors == []
