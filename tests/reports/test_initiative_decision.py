"""The decision recognising initiatives, as the office files it: every recognised initiative in
its row (python-docx), the form of Nghị định 30/2020 laid out by LibreOffice (pdftotext)."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

from docx import Document

from reports.initiatives import DecisionData, Row, decision_docx, points
from reports.model import ReviewCount, Scope, Tally
from tests.reports.test_docx_layout import _pdf_text, needs_libreoffice
from ui.texts import Texts

ROWS = (
    Row(
        "Dạy học phân hóa môn Toán lớp 1 qua trò chơi", "Vũ Thị Mai", "Tổ 1", "Toán", 87.5, "Loại A"
    ),
    Row(
        "Góc đọc sách <thân thiện> & vui",
        "Đặng Văn Nam, Ngô Thị Hoa",
        "Tổ 3",
        "Thư viện",
        72,
        "Loại B",
    ),
    Row("Sổ liên lạc điện tử", "Hoàng Văn Long", "Tổ 2", "Quản lý", 55.25, "Loại C"),
)


def data(**kw: object) -> DecisionData:
    base = {
        "school": "Trường Tiểu học Thượng Thanh",
        "parent_body": "UBND PHƯỜNG BỒ ĐỀ",
        "short_name": "THTT",
        "place": "Long Biên",
        "school_year": "2023-2024",
        "day": date(2024, 5, 6),
        "signer": "Trần Thị Thu Hà",
        "rows": ROWS,
    }
    return DecisionData(**{**base, **kw})  # type: ignore[arg-type]


def test_every_recognised_initiative_is_a_row_with_its_total_in_vietnamese_decimals() -> None:
    document = Document(io.BytesIO(decision_docx(data())))
    table = document.tables[-1]
    rows = [[c.text for c in r.cells] for r in table.rows]
    assert rows[0] == ["STT", "Tên sáng kiến", "Tác giả", "Tổ", "Lĩnh vực", "Điểm", "Xếp loại"]
    assert rows[1:] == [
        [str(n), r.title, r.authors, r.department, r.field, points(r.total), r.tier or ""]
        for n, r in enumerate(ROWS, start=1)
    ]
    assert [r[5] for r in rows[1:]] == ["87,5", "72", "55,25"]
    text = "\n".join(p.text for p in document.paragraphs)
    assert f"Điều 1. Công nhận {len(ROWS)} sáng kiến năm học 2023-2024" in text
    assert "(Dự thảo)" in text
    header = [c.text for r in document.tables[0].rows for c in r.cells]
    assert "Long Biên, ngày 06 tháng 5 năm 2024" in header
    assert any("/QĐ-THTT" in cell for cell in header)


@needs_libreoffice
def test_the_decision_reads_in_the_form_of_decree_30(tmp_path: Path) -> None:
    pages = _pdf_text(decision_docx(data()), tmp_path)
    first = "\n".join(pages[:1])
    lines = [line.strip() for line in first.splitlines() if line.strip()]
    assert re.search(r"UBND PHƯỜNG BỒ ĐỀ\s+CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", first)
    assert re.search(r"TRƯỜNG TIỂU HỌC THƯỢNG THANH\s+Độc lập - Tự do - Hạnh phúc", first)
    assert lines.index("QUYẾT ĐỊNH") < lines.index("HIỆU TRƯỞNG TRƯỜNG TIỂU HỌC THƯỢNG THANH")
    assert lines.index("HIỆU TRƯỞNG TRƯỜNG TIỂU HỌC THƯỢNG THANH") < lines.index("QUYẾT ĐỊNH:")
    assert re.search(r"Nơi nhận:\s+HIỆU TRƯỞNG", first)
    assert "Trần Thị Thu Hà" in first
    rest = "\n".join(pages[1:])
    assert "DANH SÁCH SÁNG KIẾN ĐƯỢC CÔNG NHẬN" in rest
    assert re.search(r"Vũ Thị Mai\s+Tổ 1\s+Toán\s+87,5\s+Loại A", rest)
    assert re.search(
        r"3\s+Sổ liên lạc điện tử\s+Hoàng Văn Long\s+Tổ 2\s+Quản lý\s+55,25\s+Loại C", rest
    )


def test_the_tally_message_counts_initiatives_by_department(texts: Texts) -> None:
    scope = Scope("y", "year", date(2023, 9, 5), date(2024, 9, 4), school_year="2023-2024")
    tally = Tally(
        "Trường",
        scope,
        {},
        [],
        [],
        [],
        [],
        [],
        initiatives=[ReviewCount("Tổ 1", 2, 2, 1, 1), ReviewCount("Tổ 2", 1, 0, 0, 0)],
    )
    vi = texts.plain("vi", "reports.tally", tally=tally)
    assert (
        "Sáng kiến: 3 đăng ký · 2 đã nộp · 1 đã chấm · 1 được công nhận (Tổ 1: 1/2, Tổ 2: 0/1)"
        in vi
    )
    en = texts.plain("en", "reports.tally", tally=tally)
    assert "Initiatives: 3 registered · 2 sent · 1 scored · 1 recognised" in en
    assert "Sáng kiến" not in texts.plain(
        "vi", "reports.tally", tally=replace(tally, initiatives=[])
    )
