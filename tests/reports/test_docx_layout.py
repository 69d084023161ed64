"""The formal report as a văn thư files it: rendered by LibreOffice, its text laid out in the
form of Nghị định 30/2020/NĐ-CP (read back with `pdftotext -layout`)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docxtpl import DocxTemplate

from reports.docx_report import DEFAULT_TEMPLATE, context, render_docx
from reports.model import (
    DepartmentCount,
    LabelCount,
    PersonCount,
    ProposalLine,
    ReportInfo,
    Scope,
    Tally,
)

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
PDFTOTEXT = shutil.which("pdftotext")
needs_libreoffice = pytest.mark.skipif(
    (SOFFICE is None or PDFTOTEXT is None) and os.environ.get("REQUIRE_LIBREOFFICE") != "1",
    reason="LibreOffice (soffice) and pdftotext are not installed",
)
ACHIEVEMENT = (
    "Đã kiên trì kèm cặp học sinh có hoàn cảnh khó khăn suốt học kỳ I, giúp em tiến bộ rõ rệt "
    "về môn Toán và Tiếng Việt; được phụ huynh gửi thư cảm ơn."
)


def sample(today: date = date(2026, 12, 5)) -> tuple[Tally, ReportInfo]:
    """A school year in progress, four departments, two confirmed proposals."""
    scope = Scope("y", "year", date(2026, 9, 5), date(2027, 9, 4), school_year="2026-2027")
    departments = [
        ("Tổ 1", 12, 9),
        ("Tổ 2", 11, 7),
        ("Tổ Năng khiếu", 6, 3),
        ("Tổ Văn phòng", 8, 12),
    ]
    tally = Tally(
        org_name="Trường Tiểu học Thượng Thanh",
        scope=scope,
        by_status={"approved": 31, "pending": 4, "rejected": 2, "changes_requested": 1},
        departments=[DepartmentCount(*d) for d in departments],
        top_authors=[PersonCount("Phạm Thị Lan", "Tổ 1", 6)],
        top_nominees=[PersonCount("Nguyễn Thị Hoa", "Tổ 1", 3)],
        registrations=[LabelCount("Lao động tiên tiến", 38)],
        proposals=[],
    )
    lines = [
        ProposalLine(1, "Nguyễn Thị Hoa", "Tổ 1", ACHIEVEMENT, "Giấy khen của Hiệu trưởng",
                     "Trường", "confirmed", "Trần Thị Thu Hà"),
        ProposalLine(2, "Lê Văn An", "", "Trả lại của rơi", "Giấy khen của Hiệu trưởng",
                     "Trường", "confirmed", "Trần Thị Thu Hà"),
    ]  # fmt: skip
    info = ReportInfo(
        org_name="Trường Tiểu học Thượng Thanh",
        parent_name="UBND phường Bồ Đề",
        place="Long Biên",
        chair_name="Trần Thị Thu Hà",
        signer_name="Trần Thị Thu Hà",
        today=today,
        proposals=lines,
        pending_proposals=1,
        recipients=["Ban giám hiệu", "UBND phường Bồ Đề"],
    )
    return tally, info


def test_the_template_asks_only_for_what_the_report_gives() -> None:
    wanted = DocxTemplate(str(DEFAULT_TEMPLATE)).get_undeclared_template_variables()
    tally, info = sample()
    assert wanted <= set(context(tally, info)), wanted - set(context(tally, info))


def test_the_document_names_the_school_not_the_library_and_reports_up_to_its_date() -> None:
    tally, info = sample()
    document = Document(io.BytesIO(render_docx(tally, info)))
    assert document.core_properties.author == "Trường Tiểu học Thượng Thanh"
    text = "\n".join(p.text for p in document.paragraphs)
    # The school year runs to 04/09/2027; a report dated 05/12/2026 covers what happened so far.
    assert "(Từ ngày 05/09/2026 đến ngày 05/12/2026)" in text
    numbers = [
        (cell.text, cell.paragraphs[0].alignment) for cell in document.tables[1].rows[1].cells[2:]
    ]
    assert [n for n, _ in numbers] == ["12", "9", "0,75"]
    assert {a for _, a in numbers} == {2}  # WD_ALIGN_PARAGRAPH.RIGHT: figures line up


def _pdf_text(docx: bytes, tmp_path: Path) -> list[str]:
    source = tmp_path / "bao_cao.docx"
    source.write_bytes(docx)
    assert SOFFICE is not None and PDFTOTEXT is not None
    subprocess.run(
        [SOFFICE, "--headless", f"-env:UserInstallation=file://{tmp_path}/lo", "--convert-to",
         "pdf", "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=120,
    )  # fmt: skip
    pages = subprocess.run(
        [PDFTOTEXT, "-layout", str(tmp_path / "bao_cao.pdf"), "-"],
        check=True, capture_output=True, text=True, timeout=60,
    ).stdout.split("\f")  # fmt: skip
    return pages


@needs_libreoffice
def test_rendered_by_libreoffice_the_report_has_the_form_of_decree_30(tmp_path: Path) -> None:
    tally, info = sample()
    pages = _pdf_text(render_docx(tally, info), tmp_path)
    first = [line.strip() for line in pages[0].splitlines() if line.strip()]
    # Parent body over the issuer on the left, the national title and motto on the right, each
    # on one line.
    assert first[0].startswith("TRƯỜNG TIỂU HỌC THƯỢNG THANH")
    assert first[0].endswith("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert first[1].startswith("HỘI ĐỒNG THI ĐUA – KHEN THƯỞNG")
    assert first[1].endswith("Độc lập - Tự do - Hạnh phúc")
    # The number and "<place>, ngày dd tháng mm năm yyyy" on one row.
    dated = next(line for line in first if "/BC-HĐTĐKT" in line)
    assert dated.startswith("Số:") and dated.endswith("Long Biên, ngày 05 tháng 12 năm 2026")
    assert "BÁO CÁO" in first
    # Page numbers from page 2, centred at the top: none on page 1.
    assert len(pages) >= 2 and pages[1].strip()
    second = [line for line in pages[1].splitlines() if line.strip()]
    assert second[0].strip() == "2"
    assert not any(line.strip() == "1" for line in first[:3])
    text = "\n".join(pages)
    assert "Trần Thị Thu Hà" in text.split("TM. HỘI ĐỒNG", 1)[1]
    assert "III. ƯU ĐIỂM, HẠN CHẾ" in text and "V. KIẾN NGHỊ" in text
    # Narrow columns stay narrow: "STT" and "Cấp khen" are not broken in the middle.
    assert "ST\n" not in text and "STT" in text
