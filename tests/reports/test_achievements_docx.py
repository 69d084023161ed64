"""The achievement report as the office files it: opened with python-docx (what was typed, as
typed, in its part), and laid out by LibreOffice in the form of the personal report annexed to
Nghị định 98/2023 under the header of Nghị định 30/2020 (read back with `pdftotext -layout`)."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date
from pathlib import Path

from docx import Document

from reports.achievements import AchievementData, HonourLine, file_name, render
from tests.reports.test_docx_layout import _pdf_text, needs_libreoffice


def sample(**changes: object) -> AchievementData:
    """A teacher's confirmed report, one earlier title."""
    data = AchievementData(
        school="Trường Tiểu học Thượng Thanh",
        parent_body="UBND phường Bồ Đề",
        place="Long Biên",
        written=date(2027, 6, 3),
        school_year="2026-2027",
        title="Chiến sĩ thi đua cơ sở",
        writer="Vũ Thị Mai",
        collective="",
        gender="Nữ",
        department="Tổ 1",
        position="Giáo viên chủ nhiệm lớp 3A",
        tasks="Dạy Tiếng Việt, Toán lớp 3A\n\nPhụ trách câu lạc bộ <đọc sách> & thư viện",
        results="Lớp 3A: 100% học sinh hoàn thành chương trình",
        initiatives="",
        deeds="- 03/02/2027: Kèm thêm miễn phí cho em Bảo",
        honours=(
            HonourLine(
                "2025-2026",
                "Lao động tiên tiến",
                "Quyết định số 125/QĐ-UBND ngày 20/06/2026",
                "Chủ tịch UBND phường Bồ Đề",
            ),
        ),
        reviewer_role="Tổ trưởng chuyên môn",
        reviewer="Nguyễn Thị Hằng",
        confirmed_on=date(2027, 6, 5),
        final=True,
    )
    return replace(data, **changes)  # type: ignore[arg-type]


def _text(data: bytes) -> tuple[list[str], list[list[str]]]:
    document = Document(io.BytesIO(data))
    paragraphs = [p.text for p in document.paragraphs]
    rows = [[c.text.strip() for c in row.cells] for t in document.tables for row in t.rows]
    return paragraphs, rows


def test_each_answer_is_in_its_part_as_typed_one_paragraph_a_line() -> None:
    paragraphs, rows = _text(render(sample()))
    at = paragraphs.index
    assert at("I. SƠ LƯỢC LÝ LỊCH") < at("II. THÀNH TÍCH ĐẠT ĐƯỢC")
    assert at("II. THÀNH TÍCH ĐẠT ĐƯỢC") < at("III. CÁC HÌNH THỨC ĐÃ ĐƯỢC KHEN THƯỞNG")
    tasks = at("1. Quyền hạn, nhiệm vụ được giao hoặc đảm nhận")
    assert paragraphs[tasks + 1 : tasks + 3] == [
        "Dạy Tiếng Việt, Toán lớp 3A",
        "Phụ trách câu lạc bộ <đọc sách> & thư viện",
    ]
    initiatives = at("3. Sáng kiến, giải pháp, đề tài")
    assert paragraphs[initiatives + 1] == "Không có."
    assert "- Chức vụ (đảng, chính quyền, đoàn thể): Giáo viên chủ nhiệm lớp 3A" in paragraphs
    assert rows[3][:2] == ["2025-2026", "Lao động tiên tiến"]
    assert "Dự thảo" not in "\n".join(paragraphs)
    draft, _ = _text(render(sample(final=False, confirmed_on=None)))
    assert "(Dự thảo, chưa được xác nhận)" in draft
    assert file_name(sample()) == "bao-cao-thanh-tich-vu-thi-mai.docx"


def test_a_collective_report_names_the_department_and_no_birth_date() -> None:
    data = sample(collective="Tổ 2", writer="Hoàng Văn Long", honours=())
    paragraphs, _ = _text(render(data))
    assert "Tập thể: Tổ 2, Trường Tiểu học Thượng Thanh" in paragraphs
    assert "- Tên tập thể: Tổ 2" in paragraphs
    assert not any("Sinh ngày" in p for p in paragraphs)
    assert "Chưa có hình thức khen thưởng được ghi nhận trên hệ thống." in paragraphs
    assert file_name(data) == "bao-cao-thanh-tich-to-2.docx"


@needs_libreoffice
def test_rendered_by_libreoffice_it_has_the_header_and_the_two_signatures(tmp_path: Path) -> None:
    pages = _pdf_text(render(sample()), tmp_path)
    first = [line for line in pages[0].splitlines() if line.strip()]
    assert first[0].strip().startswith("UBND PHƯỜNG BỒ ĐỀ")
    assert first[0].endswith("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert first[1].strip().startswith("TRƯỜNG TIỂU HỌC THƯỢNG THANH")
    assert first[1].endswith("Độc lập - Tự do - Hạnh phúc")
    assert first[2].endswith("Long Biên, ngày 03 tháng 6 năm 2027")
    stripped = [line.strip() for line in first]
    assert "BÁO CÁO THÀNH TÍCH" in stripped
    assert "ĐỀ NGHỊ TẶNG DANH HIỆU “CHIẾN SĨ THI ĐUA CƠ SỞ”" in stripped
    text = "\n".join(pages)
    # The signatures side by side on one page: the head's confirmation left, the writer right.
    last = [line for line in [p for p in pages if p.strip()][-1].splitlines() if line.strip()]
    assert re.fullmatch(r"\s*Nguyễn Thị Hằng\s{10,}Vũ Thị Mai", last[-1]), last[-1]
    assert re.search(r"XÁC NHẬN CỦA TỔ TRƯỞNG\s{5,}NGƯỜI BÁO CÁO THÀNH TÍCH", text)
    assert "Đã xác nhận ngày 05 tháng 6 năm 2027" in text
