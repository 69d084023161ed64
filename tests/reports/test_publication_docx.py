"""The record of the công khai (biên bản công khai kết quả và giải quyết kiến nghị): every
objection with its answer and re-vote in its row, the receipts and the window in the text, the
form of Nghị định 30/2020 (read back with `pdftotext -layout`)."""

from __future__ import annotations

import io
import re
from datetime import date, datetime
from pathlib import Path

from docx import Document
from docxtpl import DocxTemplate

from reports.publication import TEMPLATE, ObjectionLine, PublicationRecord, record_docx
from tests.reports.test_docx_layout import _pdf_text, needs_libreoffice

LDTT = "Lao động tiên tiến"


def sample(objections: int = 2, answered: bool = True) -> PublicationRecord:
    lines = (
        ObjectionLine(
            number=1,
            filed=datetime(2027, 5, 20, 9, 15),
            about=None,
            text="Đề nghị công bố số phiếu của từng người <ạ>",
            answer="Số phiếu có trong biên bản họp." if answered else None,
            answered=datetime(2027, 5, 21, 10, 0) if answered else None,
            revote=None,
        ),
        ObjectionLine(
            number=2,
            filed=datetime(2027, 5, 20, 14, 0),
            about="Lê Văn An (Lao động tiên tiến)",
            text="Thầy An bị kỷ luật khiển trách trong năm học.",
            answer="Hội đồng đã bỏ phiếu lại.",
            answered=datetime(2027, 5, 24, 8, 0),
            revote=(1, 7, 8, "passed", "failed"),
        ),
    )[:objections]
    return PublicationRecord(
        school="Trường Tiểu học Thượng Thanh",
        parent_body="UBND phường Bồ Đề",
        place="Long Biên",
        round_name="Bình xét thi đua năm học 2026-2027",
        school_year="2026-2027",
        published=datetime(2027, 5, 19, 16, 30),
        recipients=35,
        read=31,
        window_days=10,
        closes_on=date(2027, 6, 2),
        window_closed=True,
        passed=tuple((LDTT, f"Giáo viên Số {n:02d}", "Tổ 1") for n in range(1, 6)),
        objections=lines,
        chair="Trần Thị Thu Hà",
        secretary="Phạm Thị Lan",
        written=date(2027, 6, 3),
    )


def _document(data: PublicationRecord) -> tuple[str, list[list[str]]]:
    doc = Document(io.BytesIO(record_docx(data)))
    text = "\n".join(p.text for p in doc.paragraphs)
    rows = [[c.text for c in row.cells] for t in doc.tables for row in t.rows]
    return text, rows


def test_the_template_asks_only_for_what_the_record_gives() -> None:
    wanted = DocxTemplate(str(TEMPLATE)).get_undeclared_template_variables()
    assert wanted <= {
        "parent_line", "issuer_line", "place_date", "school_year", "school", "round_name",
        "published_text", "recipients", "read", "window_days", "closes_on", "window_state",
        "passed_count", "passed", "total", "answered", "open", "objections", "conclusion",
        "chair", "chair_sign", "secretary",
    }  # fmt: skip


def test_each_objection_has_its_row_with_the_answer_and_the_re_vote() -> None:
    text, rows = _document(sample())
    assert "- Số người xác nhận đã đọc: 31/35." in text
    assert "đến hết ngày 02/06/2027 (đã hết hạn)" in text
    assert "Thời điểm công khai: 16 giờ 30 phút, ngày 19 tháng 5 năm 2027" in text
    assert "1. Giáo viên Số 01 (Tổ 1) – Lao động tiên tiến" in text
    assert "Tổng số kiến nghị: 2; đã trả lời: 2; chưa trả lời: 0." in text
    assert "1 kết quả được thay đổi qua bỏ phiếu lại" in text
    objections = [r for r in rows if r[0] in ("1", "2")]
    assert objections[0][:4] == [
        "1",
        "20/05/2027",
        "Về cả danh sách: Đề nghị công bố số phiếu của từng người <ạ>",
        "Số phiếu có trong biên bản họp. (21/05/2027)",
    ]
    assert objections[0][4] == "Không"
    assert objections[1][2].startswith("Về Lê Văn An (Lao động tiên tiến): ")
    assert (
        objections[1][4]
        == "1 đồng ý, 7 không đồng ý (8 người bỏ phiếu); trước: Đạt, sau: Không đạt"
    )


def test_without_objections_the_record_says_so_and_lists_no_table_rows() -> None:
    text, rows = _document(sample(objections=0))
    assert "không có kiến nghị về kết quả bình xét" in text
    assert not any(r[0] in ("1", "2") for r in rows if len(r) == 5)


def test_an_unanswered_objection_is_named_in_the_conclusion() -> None:
    text, _ = _document(sample(objections=1, answered=False))
    assert "Còn 1 kiến nghị chưa được trả lời." in text


@needs_libreoffice
def test_rendered_by_libreoffice_the_record_has_the_form_of_decree_30(tmp_path: Path) -> None:
    pages = _pdf_text(record_docx(sample()), tmp_path)
    first = [line for line in pages[0].splitlines() if line.strip()]
    assert first[0].strip().startswith("UBND PHƯỜNG BỒ ĐỀ")
    assert first[0].endswith("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert first[1].strip().startswith("TRƯỜNG TIỂU HỌC THƯỢNG THANH")
    dated = next(line for line in first if "/BB-HĐTĐKT" in line)
    assert dated.endswith("Long Biên, ngày 03 tháng 6 năm 2027")
    assert "BIÊN BẢN" in [line.strip() for line in first]
    text = "\n".join(pages)
    # Each objection's number and date begin its row, its text in the wide middle column.
    assert re.search(r"\n\s+1\s+20/05/2027\s+công bố số phiếu", text)
    assert re.search(r"\n\s+2\s+20/05/2027\s+tiên tiến\): Thầy An", text)
    last = [line for line in [p for p in pages if p.strip()][-1].splitlines() if line.strip()]
    assert re.fullmatch(r"\s*Phạm Thị Lan\s{10,}Trần Thị Thu Hà", last[-1]), last[-1]
