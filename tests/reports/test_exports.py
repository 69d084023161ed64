"""The exported files, opened with their own libraries: figures, Vietnamese, formulas, dates."""

from __future__ import annotations

import asyncio
import csv
import io
import unicodedata
import zipfile
from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from docx import Document
from sqlalchemy import ColumnElement, func, select, update

from reports.csv_export import write_csv
from reports.model import Column, Sheet
from reports.periods import place_and_date
from reports.xlsx import write_xlsx
from services import tallies
from services.tallies import figures as tally_figures
from services.tallies import rows as tally_rows
from services.tallies import scope as tally_scope
from storage.db import SessionFactory
from storage.models import Org, Story, StoryStatus
from tests.factories import COUNCIL
from tests.reports.conftest import GROUP, RISKY_NAME, RISKY_REASON, RISKY_TEXT, Seeded

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
PNG = b"\x89PNG\r\n\x1a\n"


async def _export(sessions: SessionFactory, now: datetime, code: str = "y") -> dict[str, bytes]:
    async with sessions() as s:
        result = await tallies.export(
            s, tg_user_id=COUNCIL, chat_id=GROUP, code=code, tz=TZ, now=now
        )
    try:
        return {f.filename.rsplit(".", 1)[1]: f.data.read() for f in result.files}
    finally:
        result.close()


VI_ALPHABET = "aăâbcdđeêghiklmnoôơpqrstuưvxy"
TONE_MARKS = {"\u0300", "\u0309", "\u0303", "\u0301", "\u0323"}


def vietnamese_order(name: str) -> list[list[int]]:
    """How a school lists names (written here apart from services/naming.py): given name first,
    letters in the Vietnamese alphabet (ă after a, đ after d, ơ after ô), tones ignored."""
    words = name.split()
    key = []
    for word in [*words[-1:], *words[:-1]]:
        bare = "".join(c for c in unicodedata.normalize("NFD", word.lower()) if c not in TONE_MARKS)
        letters = unicodedata.normalize("NFC", bare)
        key.append([VI_ALPHABET.find(c) if c in VI_ALPHABET else 100 + ord(c) for c in letters])
    return key


async def _count(sessions: SessionFactory, *where: ColumnElement[bool]) -> int:
    async with sessions() as s:
        return int(await s.scalar(select(func.count()).select_from(Story).where(*where)) or 0)


async def test_the_workbook_has_typed_dates_frozen_headers_and_neutral_formulas(
    sessions: SessionFactory, seeded: Seeded, now: datetime
) -> None:
    files = await _export(sessions, now)
    book = openpyxl.load_workbook(io.BytesIO(files["xlsx"]))
    assert book.sheetnames == [
        "Câu chuyện",
        "Theo tổ",
        "Theo cá nhân",
        "Đăng ký danh hiệu",
        "Đề nghị khen thưởng",
        "Kết quả bình xét",
        "Sáng kiến",
        "Khen thưởng năm học",
        "Nhật ký quyết định",
    ]
    for sheet in book.worksheets:
        # Ready to print: the school and the period on top, the header frozen and repeated on
        # every page, A4 landscape as wide as one page, long text wrapped.
        assert sheet["A1"].value == (
            "Trường Tiểu học Thượng Thanh – thi đua năm học 2023-2024 (05/09/2023 – 04/09/2024)"
        )
        assert sheet.freeze_panes == "A3"
        assert sheet.print_title_rows == "$2:$2"
        assert sheet.page_setup.orientation == "landscape" and sheet.page_setup.paperSize == 9
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        # One page wide (1 is the default, so the file may leave it out), as many pages down.
        assert (sheet.page_setup.fitToWidth or 1, sheet.page_setup.fitToHeight) == (1, 0)
    stories = book["Câu chuyện"]
    assert stories.column_dimensions["H"].alignment.wrap_text  # the story's text
    header = [c.value for c in stories[2]]
    assert header[:3] == ["Mã", "Ngày gửi", "Người kể"] and "Người được nêu gương" in header
    rows = list(stories.iter_rows(min_row=3))
    total = await _count(
        sessions,
        Story.status != StoryStatus.SUPERSEDED,
        Story.submitted_at >= datetime(2023, 9, 5, tzinfo=TZ),
        Story.submitted_at < datetime(2024, 9, 5, tzinfo=TZ),
    )
    assert len(rows) == total > 0
    first = rows[0]
    assert isinstance(first[0].value, int)
    assert first[1].is_date and isinstance(first[1].value, datetime)
    assert first[1].number_format == "dd/mm/yyyy hh:mm"
    risky = [r for r in rows if r[7].value == RISKY_TEXT]
    assert risky, "the story typed as a formula is exported as its text"
    cell = risky[0][7]
    assert cell.data_type == "s" and cell.quotePrefix  # text, and stays text when edited
    statuses = {r[8].value for r in rows}
    assert statuses <= {"Chờ xét", "Đã duyệt", "Không duyệt", "Yêu cầu bổ sung", "Đã rút"}
    reasons = [r[11] for r in rows if r[11].value == RISKY_REASON]
    assert reasons and all(c.data_type == "s" and c.quotePrefix for c in reasons)
    people = [r[0] for r in book["Theo cá nhân"].iter_rows(min_row=3) if r[0].value == RISKY_NAME]
    assert people and people[0].data_type == "s" and people[0].quotePrefix
    by_department = {r[0]: r for r in book["Theo tổ"].iter_rows(min_row=3, values_only=True)}
    assert set(by_department) >= {"Tổ 1", "Tổ 2", "Tổ Văn phòng", "Tổ Năng khiếu"}
    approved = sum(r[2] for r in by_department.values())
    assert approved == sum(1 for r in rows if r[8].value == "Đã duyệt")
    audit = list(book["Nhật ký quyết định"].iter_rows(min_row=3))
    assert audit and all(r[0].is_date for r in audit)
    registrations = list(book["Đăng ký danh hiệu"].iter_rows(min_row=3, values_only=True))
    assert {r[2] for r in registrations} == {"Lao động tiên tiến", "Chiến sĩ thi đua cơ sở"}
    # Names as a school lists them: by title, then by given name in the Vietnamese alphabet.
    for title in ("Lao động tiên tiến", "Chiến sĩ thi đua cơ sở"):
        names = [r[0] for r in registrations if r[2] == title]
        assert names == sorted(names, key=vietnamese_order), names
    per_department: dict[str, list[str]] = {}
    for name, department, *_ in book["Theo cá nhân"].iter_rows(min_row=3, values_only=True):
        per_department.setdefault(department, []).append(name)
    for names in per_department.values():
        assert names == sorted(names, key=vietnamese_order), names


async def test_dates_computed_by_the_database_are_the_numbers_xlsxwriter_writes(
    sessions: SessionFactory, seeded: Seeded, now: datetime
) -> None:
    """Excel serials from SQL match XlsxWriter's own from datetimes, bit for bit."""
    odd = [  # microseconds, a second before local midnight, local midnight, a leap day
        datetime(2024, 2, 29, 16, 59, 59, 999999, tzinfo=UTC),
        datetime(2023, 12, 31, 17, 0, tzinfo=UTC),
        datetime(2024, 1, 15, 3, 7, 9, 999500, tzinfo=UTC),
        datetime(2023, 10, 1, 9, 30, 0, 1, tzinfo=UTC),
        datetime(2024, 5, 5, 23, 59, 59, 123457, tzinfo=UTC),
    ]
    async with sessions() as s:
        ids = list(
            (
                await s.scalars(
                    select(Story.id).where(Story.decided_at.is_not(None)).order_by(Story.id)
                )
            ).all()
        )
        for story_id, moment in zip(ids, odd, strict=False):
            await s.execute(update(Story).where(Story.id == story_id).values(decided_at=moment))
        await s.commit()

    async def book(serials: bool) -> tuple[dict[str, bytes], list[Any]]:
        async with sessions() as s:
            org = await s.get_one(Org, seeded.org_id)
            scope = await tally_scope.resolve(s, org, "y", TZ, now)
            figures = await tally_figures.compute(s, org, scope, TZ, now)
            moment = tally_rows.excel_serials(s, scope, TZ) if serials else tally_rows.as_stored
            decided = (
                await s.scalars(
                    tally_rows.story_rows(org.id, scope, TZ, moment)
                    .with_only_columns(moment(Story.decided_at))
                    .where(Story.id.in_(ids[: len(odd)]))
                )
            ).all()
            sheets = await tally_rows.sheets(s, org, scope, figures, TZ, serials=serials)
            out = io.BytesIO()
            await asyncio.to_thread(write_xlsx, out, sheets, TZ)
        with zipfile.ZipFile(out) as z:
            return {n: z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/")}, list(
                decided
            )

    by_sql, serials = await book(True)
    by_python, moments = await book(False)
    assert all(type(v) is float for v in serials) and len(serials) == len(odd)
    assert all(isinstance(v, datetime) for v in moments)
    assert by_sql == by_python
    audit = openpyxl.load_workbook(io.BytesIO(await _xlsx(sessions, now)))["Nhật ký quyết định"]
    reasons = [r[4] for r in audit.iter_rows(min_row=3) if r[4].value == RISKY_REASON]
    assert reasons and all(c.data_type == "s" and c.quotePrefix for c in reasons)


async def _xlsx(sessions: SessionFactory, now: datetime) -> bytes:
    return (await _export(sessions, now))["xlsx"]


async def test_the_csv_has_a_bom_vietnamese_intact_and_formulas_as_text(
    sessions: SessionFactory, seeded: Seeded, now: datetime
) -> None:
    data = (await _export(sessions, now))["csv"]
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Mã", "Ngày gửi", "Người kể"]
    texts = [r[7] for r in rows[1:]]
    assert "'" + RISKY_TEXT in texts and RISKY_TEXT not in texts
    assert any(r[11] == "'" + RISKY_REASON for r in rows[1:])
    assert all(not cell.startswith(("=", "+", "-", "@", "\t", "\r")) for r in rows for cell in r)
    # However a spreadsheet splits the lines (";" in Vietnamese settings, "," in English), no
    # cell it makes starts a formula: not even a piece of a story after a separator.
    text = data.decode("utf-8-sig")
    for separator in (";", ",", "\t"):
        cells = [c.strip() for r in csv.reader(io.StringIO(text), delimiter=separator) for c in r]
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))], separator
    assert any("giúp học sinh vượt khó, đến trường an toàn" in t for t in texts)
    assert all(len(r[1]) == 16 and r[1][2] == "/" for r in rows[1:])  # dd/mm/yyyy hh:mm


async def test_the_formal_report_follows_decree_30_and_lists_confirmed_proposals(
    sessions: SessionFactory, seeded: Seeded, now: datetime
) -> None:
    async with sessions() as s:
        org = await s.get_one(Org, seeded.org_id)
        org.parent_name, org.place = "Phòng Giáo dục và Đào tạo quận Long Biên", "Long Biên"
        await s.commit()
    document = Document(io.BytesIO((await _export(sessions, now))["docx"]))
    head = document.tables[0]
    issuer = [p for p in head.rows[0].cells[0].paragraphs if p.text]
    # The council issues it: its direct parent (the school) in regular type over it in bold.
    assert [p.text for p in issuer] == [
        "TRƯỜNG TIỂU HỌC THƯỢNG THANH",
        "HỘI ĐỒNG THI ĐUA – KHEN THƯỞNG",
    ]
    assert [any(r.bold for r in p.runs) for p in issuer] == [False, True]
    assert [p.text for p in head.rows[0].cells[1].paragraphs if p.text] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]
    # The number and the place and date on one row.
    assert "Số:" in head.rows[1].cells[0].text and "/BC-HĐTĐKT" in head.rows[1].cells[0].text
    assert head.rows[1].cells[1].text == "Long Biên, ngày 23 tháng 02 năm 2024"
    text = "\n".join(p.text for p in document.paragraphs)
    assert "BÁO CÁO" in text
    assert "Kết quả phong trào thi đua “Người tốt, việc tốt” năm học 2023-2024" in text
    departments = document.tables[1]
    assert [c.text for c in departments.rows[0].cells][1] == "Tổ"
    proposals = [[c.text for c in row.cells] for row in document.tables[2].rows[1:]]
    # The seed confirms two proposals (a third is waiting, a fourth declined).
    assert len(proposals) == 2 and {p[4] for p in proposals} <= {
        "Giấy khen của Hiệu trưởng",
        "Bằng khen của Chủ tịch UBND thành phố",
    }
    assert "Ngoài ra còn 1 đề nghị đang chờ" in text
    footer = [c.text for c in document.tables[3].rows[0].cells]
    assert (
        footer[0].startswith("Nơi nhận:")
        and "Phòng Giáo dục và Đào tạo quận Long Biên" in footer[0]
    )
    assert footer[1].splitlines()[:2] == ["TM. HỘI ĐỒNG", "CHỦ TỊCH"]
    assert footer[1].splitlines()[-1] == "Trần Thị Thu Hà"


async def test_the_chart_is_a_png(sessions: SessionFactory, seeded: Seeded, now: datetime) -> None:
    async with sessions() as s:
        result = await tallies.chart(
            s,
            tg_user_id=COUNCIL,
            chat_id=COUNCIL,
            code="y",
            tz=TZ,
            now=now,
            title=lambda _scope, _org: "Thi đua",
        )
    assert result.png.startswith(PNG) and len(result.png) > 5000
    from PIL import Image

    with Image.open(io.BytesIO(result.png)) as image:
        image.verify()
        assert image.format == "PNG" and image.size[0] > 500


def test_dates_are_written_as_decree_30_asks() -> None:
    assert place_and_date("Long Biên", date(2024, 2, 23)) == "Long Biên, ngày 23 tháng 02 năm 2024"
    assert place_and_date("Long Biên", date(2024, 3, 5)) == "Long Biên, ngày 05 tháng 3 năm 2024"
    assert place_and_date("Long Biên", date(2024, 12, 10)) == "Long Biên, ngày 10 tháng 12 năm 2024"
    assert place_and_date("Long Biên", date(2025, 1, 9)) == "Long Biên, ngày 09 tháng 01 năm 2025"
    assert place_and_date(None, date(2024, 10, 1)) == "Ngày 01 tháng 10 năm 2024"


@pytest.mark.parametrize(
    "story",
    [
        'Cảm ơn cô;=HYPERLINK("http://x.example";"Bấm vào đây")',
        "Lớp 2A, =1+2 học sinh",
        "Tổ 1;\t@SUM(A1)",
        "Một dòng\n-2 điểm",
    ],
)
def test_a_formula_hidden_after_a_separator_stays_text_wherever_the_line_is_split(
    story: str,
) -> None:
    out = io.BytesIO()
    sheet = Sheet("Câu chuyện", [Column("Nội dung", "user")], [(story,)])
    write_csv(out, sheet, TZ)
    text = out.getvalue().decode("utf-8-sig")
    for separator in (";", ",", "\t"):
        cells = [c.strip() for r in csv.reader(io.StringIO(text), delimiter=separator) for c in r]
        assert not [c for c in cells if c.startswith(("=", "+", "-", "@"))], (separator, cells)
    # Nothing of the story is lost: only apostrophes were added.
    [[kept]] = list(csv.reader(io.StringIO(text), delimiter=";"))[1:]
    assert kept.replace("'", "") == story.replace("'", "")
