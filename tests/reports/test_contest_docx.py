"""The contest's summary report (báo cáo tổng kết cuộc thi) and prize list: every figure in its
cell, the form of Nghị định 30/2020 (read back with `pdftotext -layout`)."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from docx import Document
from docxtpl import DocxTemplate
from openpyxl import load_workbook

from reports.contest import (
    TEMPLATE,
    DepartmentRow,
    EntryRow,
    SummaryData,
    filename,
    prize_list_xlsx,
    summary_context,
    summary_docx,
)
from tests.reports.test_docx_layout import _pdf_text, needs_libreoffice

TIERS = ["Giải Nhất", "Giải Nhì", "Giải Ba"]


def sample(**changes: Any) -> SummaryData:
    entries = tuple(
        EntryRow(
            code=f"BV-{i * 7:02d}",
            author=f"Giáo viên Số {i:02d}",
            department="Tổ 1" if i % 2 else "Tổ 2",
            subject=f"Cô Nguyễn Thị Mẫu {i}",
            title=f"Người thắp lửa {i}",
            first=f"8{i},5",
            final=f"9{i}" if i <= 4 else "–",
            prize=TIERS[i - 1] if i <= 3 else "–",
            score=f"9{i}" if i <= 4 else f"8{i},5",
            points=90.0 + i if i <= 4 else 80.5 + i,
        )
        for i in range(1, 7)
    )
    data = SummaryData(
        school="Trường Tiểu học Thượng Thanh",
        parent_body="UBND PHƯỜNG BỒ ĐỀ",
        place="Long Biên",
        written=date(2027, 3, 5),
        contest_title="Viết về gương điển hình tiên tiến, người tốt, việc tốt",
        subject="Những tấm gương người tốt, việc tốt trong nhà trường",
        school_year="2026-2027",
        window_start=date(2027, 2, 1),
        window_end=date(2027, 2, 28),
        judges=("Trần Thị Thu Hà", "Lê Văn Tuấn", "Phạm Thị Lan"),
        rounds=2,
        finalists=4,
        criteria=("Nội dung chân thực, tiêu biểu (40%)", "Sức lan tỏa (30%)"),
        target_text="mỗi tổ ít nhất 2 bài",
        departments=(DepartmentRow("Tổ 1", 8, 2, 3), DepartmentRow("Tổ 2", 6, 4, 3)),
        entries=entries,
        authors=6,
        signer="Trần Thị Thu Hà",
        min_score="50",
    )
    return SummaryData(**{**data.__dict__, **changes})


def test_the_template_asks_only_for_what_the_data_gives() -> None:
    wanted = DocxTemplate(str(TEMPLATE)).get_undeclared_template_variables()
    context = summary_context(sample())
    assert wanted <= set(context), wanted - set(context)


def test_every_department_entry_and_prize_is_in_its_cell() -> None:
    document = Document(io.BytesIO(summary_docx(sample())))
    departments, scores, prizes = (
        [[c.text for c in row.cells] for row in t.rows] for t in document.tables[1:4]
    )
    assert departments[1:] == [
        ["1", "Tổ 1", "8", "2", "3", "Đạt chỉ tiêu"],
        ["2", "Tổ 2", "6", "4", "3", "Chưa đạt (thiếu 1)"],
    ]
    assert len(scores) == 7
    assert scores[1] == [
        "1", "BV-07", "Giáo viên Số 01", "Tổ 1", "Cô Nguyễn Thị Mẫu 1", "81,5", "91", "Giải Nhất"
    ]  # fmt: skip
    assert scores[6][5:] == ["86,5", "–", "–"]
    assert [row[1] for row in prizes[1:]] == TIERS
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Tổng số: 6 bài dự thi của 6 tác giả; 1/2 tổ đạt chỉ tiêu." in text
    assert "Có 3 bài đạt giải: 1 Giải Nhất, 1 Giải Nhì, 1 Giải Ba." in text
    assert "Các tổ chưa đạt chỉ tiêu: Tổ 2 (3/4 bài)." in text
    assert "hai vòng (sơ khảo, chung khảo); 4 bài điểm cao nhất" in text


def test_one_round_and_no_prize_are_said_plainly() -> None:
    data = sample(
        rounds=1,
        entries=tuple(e.__class__(**{**e.__dict__, "prize": "–"}) for e in sample().entries),
    )
    text = "\n".join(p.text for p in Document(io.BytesIO(summary_docx(data))).paragraphs)
    assert "Hình thức chấm: một vòng." in text
    assert "Không có bài nào đạt giải." in text


def test_what_people_typed_reaches_the_document_as_typed() -> None:
    first = sample().entries[0]
    odd = first.__class__(**{**first.__dict__, "subject": "Cô <Hoa> & “bạn”"})
    document = Document(io.BytesIO(summary_docx(sample(entries=(odd,)))))
    assert document.tables[2].rows[1].cells[4].text == "Cô <Hoa> & “bạn”"


def test_the_prize_list_has_one_row_per_prize_with_its_score() -> None:
    book = load_workbook(io.BytesIO(prize_list_xlsx(sample(), ZoneInfo("Asia/Ho_Chi_Minh"))))
    rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    header = rows.index(["STT", "Giải", "Mã bài", "Tác giả", "Tổ", "Viết về", "Tên bài", "Điểm"])
    body = rows[header + 1 :]
    assert [(r[1], r[2], r[7]) for r in body] == [
        ("Giải Nhất", "BV-07", 91.0),
        ("Giải Nhì", "BV-14", 92.0),
        ("Giải Ba", "BV-21", 93.0),
    ]


def test_files_are_named_by_kind_and_school_year() -> None:
    assert filename("summary", "2026-2027", "docx") == "tong-ket-cuoc-thi-2026-2027.docx"
    assert filename("prizes", "2026-2027", "xlsx") == "danh-sach-dat-giai-2026-2027.xlsx"


@needs_libreoffice
def test_rendered_by_libreoffice_the_summary_has_the_form_of_decree_30(tmp_path: Path) -> None:
    pages = _pdf_text(summary_docx(sample()), tmp_path)
    first = [line.rstrip() for line in pages[0].splitlines() if line.strip()]
    assert first[0].strip().startswith("UBND PHƯỜNG BỒ ĐỀ")
    assert first[0].endswith("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert first[1].strip().startswith("TRƯỜNG TIỂU HỌC THƯỢNG THANH")
    dated = next(line for line in first if "/BC-HĐTĐKT" in line)
    assert dated.strip().startswith("Số:")
    assert dated.endswith("Long Biên, ngày 05 tháng 3 năm 2027")
    assert "BÁO CÁO" in [line.strip() for line in first]
    text = "\n".join(pages)
    assert re.search(r"2\s+Tổ 2\s+6\s+4\s+3\s+Chưa đạt \(thiếu 1\)", text)
    assert re.search(r"1\s+Giải Nhất\s+BV-07\s+Giáo viên Số 01", text)
    last = [line for line in [p for p in pages if p.strip()][-1].splitlines() if line.strip()]
    assert any(re.search(r"TM\. HỘI ĐỒNG", line) for line in last)
    assert last[-1].strip().endswith("Trần Thị Thu Hà")
