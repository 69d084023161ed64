"""The minutes of the judging meeting and the vote-counting record, as the office files them:
opened with python-docx (every figure and name in its cell) and laid out by LibreOffice in the
form of Nghị định 30/2020 (read back with `pdftotext -layout`)."""

from __future__ import annotations

import io
import re
from datetime import datetime
from pathlib import Path

import pytest
from docx import Document
from docx.table import Table
from docxtpl import DocxTemplate

from reports.minutes import (
    COUNT_TEMPLATE,
    MINUTES_TEMPLATE,
    CandidateLine,
    Conclusion,
    MemberLine,
    MinutesData,
    TitleVote,
    count_context,
    count_docx,
    filename,
    minutes_context,
    minutes_docx,
    percent_text,
)
from tests.reports.test_docx_layout import _pdf_text, needs_libreoffice

ABSENCE = "Đi tập huấn chuyên môn tại Sở GD&ĐT <Hà Nội>"
MEMBERS = (
    MemberLine("Trần Thị Thu Hà", "Chủ tịch", True),
    MemberLine("Lê Minh Tuấn", "Phó Chủ tịch", True),
    MemberLine("Phạm Thị Lan", "Ủy viên", True),
    MemberLine("Nguyễn Văn Bình", "Ủy viên", True),
    MemberLine("Đỗ Thị Hoa", "Ủy viên", True),
    MemberLine("Hoàng Văn Nam", "Ủy viên", True),
    MemberLine("Vũ Thị Mai", "Ủy viên", True),
    MemberLine("Bùi Thị Thu Trang", "Ủy viên", True),
    MemberLine("Đặng Văn Khoa", "Ủy viên", False, ABSENCE),
)
SERVICE = "mới công tác 5 tháng, cần từ 6 tháng"
NO_INITIATIVE = "chưa có sáng kiến được công nhận"
OVER_CAP = "vượt tỷ lệ: tối đa 1 người (15% số Lao động tiên tiến)"


def _line(
    name: str,
    dept: str,
    yes: int,
    no: int,
    result: str,
    warnings: tuple[str, ...] = (),
    conflicted: tuple[str, ...] = (),
) -> CandidateLine:
    percent = percent_text(yes, 9)
    return CandidateLine(name, dept, yes, no, 9, percent, result, warnings, conflicted, yes + no)


LDTT = TitleVote(
    "Lao động tiên tiến",
    secret=False,
    ballot_kind="biểu quyết công khai",
    threshold=70,
    base="tổng số thành viên Hội đồng",
    voted=True,
    candidates=(
        _line("Nguyễn Thị Hoa", "Tổ 1", 8, 0, "Đạt"),
        _line("Lê Văn An", "Tổ 2", 7, 1, "Đạt", warnings=(SERVICE,)),
        _line("Phạm Thị Lan", "Tổ 1", 7, 0, "Đạt", conflicted=("Phạm Thị Lan",)),
        _line("Trịnh Văn Sơn", "Tổ 3", 4, 4, "Không đạt (số phiếu ngang nhau)"),
    ),
    issued=8,
    returned=8,
)
CSTDCS = TitleVote(
    "Chiến sĩ thi đua cơ sở",
    secret=True,
    ballot_kind="bỏ phiếu kín",
    threshold=70,
    base="tổng số thành viên Hội đồng",
    voted=True,
    candidates=(
        _line("Nguyễn Thị Hoa", "Tổ 1", 7, 1, "Đạt"),
        _line("Lê Văn An", "Tổ 2", 5, 3, "Không đạt", warnings=(NO_INITIATIVE,)),
        _line("Ngô Thị Phương", "Tổ 2", 7, 0, "Đủ phiếu nhưng vượt tỷ lệ", warnings=(OVER_CAP,)),
    ),
    issued=8,
    returned=8,
)


def sample(**changes: object) -> MinutesData:
    """A meeting of nine members (one absent with a reason) on two titles, open and secret."""
    values: dict[str, object] = {
        "school": "Trường Tiểu học Thượng Thanh",
        "parent_body": "UBND phường Bồ Đề",
        "place": "Long Biên",
        "round_name": "Bình xét thi đua năm học 2026-2027",
        "school_year": "2026-2027",
        "started": datetime(2027, 5, 15, 14, 0),
        "ended": datetime(2027, 5, 15, 16, 30),
        "venue": "Phòng họp tầng 2",
        "chair": "Trần Thị Thu Hà",
        "chair_role": "Chủ tịch",
        "secretary": "Phạm Thị Lan",
        "members": MEMBERS,
        "council_size": 9,
        "present": 8,
        "quorum_needed": 6,
        "quorum_rule": "2/3",
        "quorum_ok": True,
        "agenda": (
            "Xét danh hiệu Lao động tiên tiến năm học 2026-2027",
            "Xét danh hiệu Chiến sĩ thi đua cơ sở năm học 2026-2027",
        ),
        "titles": (LDTT, CSTDCS),
        "remarks": ("Đề nghị các tổ nộp minh chứng sáng kiến trước ngày 20/5.",),
        "conclusions": (
            Conclusion("Lao động tiên tiến", ("Nguyễn Thị Hoa", "Lê Văn An", "Phạm Thị Lan")),
            Conclusion("Chiến sĩ thi đua cơ sở", ("Nguyễn Thị Hoa",)),
        ),
        "version": 2,
        "final": False,
    }
    values.update(changes)
    return MinutesData(**values)  # type: ignore[arg-type]


def _rows(table: Table) -> list[list[str]]:
    return [[cell.text.strip() for cell in row.cells] for row in table.rows]


def _text(document: object) -> str:
    return "\n".join(p.text for p in document.paragraphs)  # type: ignore[attr-defined]


def test_the_templates_ask_only_for_what_the_data_gives() -> None:
    data = sample()
    for template, context in (
        (MINUTES_TEMPLATE, minutes_context(data)),
        (COUNT_TEMPLATE, count_context(data)),
    ):
        wanted = DocxTemplate(str(template)).get_undeclared_template_variables()
        assert wanted <= set(context), wanted - set(context)


def test_percentages_use_the_decimal_comma_and_never_round_up_to_a_threshold() -> None:
    assert percent_text(7, 9) == "77,8%"
    assert percent_text(9, 9) == "100%"
    assert percent_text(4, 9) == "44,4%"
    assert percent_text(0, 0) == "–"
    # 1399/2000 = 69,95%: rounded it would read 70,0%, which the 70% rule does not pass.
    assert percent_text(1399, 2000, threshold=70) == "69,9%"
    assert percent_text(1399, 2000) == "70%"


def test_the_minutes_name_every_member_and_figure_in_its_cell() -> None:
    document = Document(io.BytesIO(minutes_docx(sample())))
    header, attendance, ldtt, cstdcs, signatures = document.tables
    assert _rows(header)[0][0] == "UBND PHƯỜNG BỒ ĐỀ\nTRƯỜNG TIỂU HỌC THƯỢNG THANH"
    assert _rows(header)[1] == ["Số:        /BB-HĐTĐKT", "Long Biên, ngày 15 tháng 5 năm 2027"]
    assert _rows(attendance)[0] == ["STT", "Họ và tên", "Chức danh trong Hội đồng", "Tham dự",
                                    "Lý do vắng mặt"]  # fmt: skip
    assert _rows(attendance)[1] == ["1", "Trần Thị Thu Hà", "Chủ tịch", "Có mặt", ""]
    assert _rows(attendance)[3] == ["3", "Phạm Thị Lan", "Ủy viên", "Có mặt", ""]
    assert _rows(attendance)[9] == ["9", "Đặng Văn Khoa", "Ủy viên", "Vắng mặt", ABSENCE]
    assert len(attendance.rows) == 10
    assert _rows(ldtt)[1:] == [
        ["1", "Nguyễn Thị Hoa", "Tổ 1", "8", "0", "9", "88,9%", "Đạt"],
        ["2", "Lê Văn An", "Tổ 2", "7", "1", "9", "77,8%", "Đạt"],
        ["3", "Phạm Thị Lan", "Tổ 1", "7", "0", "9", "77,8%", "Đạt"],
        ["4", "Trịnh Văn Sơn", "Tổ 3", "4", "4", "9", "44,4%", "Không đạt (số phiếu ngang nhau)"],
    ]
    assert _rows(cstdcs)[1:] == [
        ["1", "Nguyễn Thị Hoa", "Tổ 1", "7", "1", "9", "77,8%", "Đạt"],
        ["2", "Lê Văn An", "Tổ 2", "5", "3", "9", "55,6%", "Không đạt"],
        ["3", "Ngô Thị Phương", "Tổ 2", "7", "0", "9", "77,8%", "Đủ phiếu nhưng vượt tỷ lệ"],
    ]
    text = _text(document)
    assert "\nHọp Hội đồng Thi đua – Khen thưởng\nxét danh hiệu thi đua năm học 2026-2027\n" in text
    assert "(Dự thảo lần 2)" in text
    assert "Vào hồi 14 giờ 00 phút, ngày 15 tháng 5 năm 2027, tại Phòng họp tầng 2" in text
    assert "- Chủ trì: Trần Thị Thu Hà, Chủ tịch Hội đồng." in text
    assert "- Thư ký: Phạm Thị Lan." in text
    assert "tổng số 9 người; có mặt 8 người; vắng mặt 1 người" in text
    assert "có mặt 8/9, đủ điều kiện tiến hành họp (tối thiểu 2/3 tổng số thành viên, tức 6" in text
    assert "Hình thức: biểu quyết công khai; đạt khi số phiếu đồng ý từ 70% trở lên so với " in text
    assert "Hình thức: bỏ phiếu kín;" in text
    assert f"- Lê Văn An: {SERVICE}." in text
    assert f"- Lê Văn An: {NO_INITIATIVE}." in text
    assert f"- Ngô Thị Phương: {OVER_CAP}." in text
    assert "- Phạm Thị Lan không biểu quyết đối với Phạm Thị Lan (có liên quan trực tiếp)." in text
    assert "- Đề nghị các tổ nộp minh chứng sáng kiến trước ngày 20/5." in text
    assert "- Lao động tiên tiến: 3 người (Nguyễn Thị Hoa, Lê Văn An, Phạm Thị Lan)." in text
    assert "- Chiến sĩ thi đua cơ sở: 1 người (Nguyễn Thị Hoa)." in text
    assert "Cuộc họp kết thúc vào hồi 16 giờ 30 phút cùng ngày." in text
    assert _rows(signatures) == [
        ["THƯ KÝ\n(Ký, ghi rõ họ tên)\nPhạm Thị Lan",
         "CHỦ TỊCH HỘI ĐỒNG\n(Ký, ghi rõ họ tên)\nTrần Thị Thu Hà"],
    ]  # fmt: skip
    assert document.core_properties.author == "Trường Tiểu học Thượng Thanh"


def test_a_date_line_keeps_the_decree_s_leading_zeros_and_a_final_version_is_no_draft() -> None:
    data = sample(final=True, started=datetime(2027, 2, 5, 8, 5), ended=datetime(2027, 2, 6, 9, 0))
    document = Document(io.BytesIO(minutes_docx(data)))
    text = _text(document)
    assert "Dự thảo" not in text
    assert _rows(document.tables[0])[1][1] == "Long Biên, ngày 05 tháng 02 năm 2027"
    assert "Cuộc họp kết thúc vào hồi 09 giờ 00 phút, ngày 06 tháng 02 năm 2027." in text


def test_without_a_parent_body_the_school_heads_its_council_and_a_vice_chair_signs_as_such() -> (
    None
):
    data = sample(parent_body="", chair="Lê Minh Tuấn", chair_role="Phó Chủ tịch")
    document = Document(io.BytesIO(minutes_docx(data)))
    header = _rows(document.tables[0])
    assert header[0][0] == "TRƯỜNG TIỂU HỌC THƯỢNG THANH\nHỘI ĐỒNG THI ĐUA – KHEN THƯỞNG"
    assert "- Chủ trì: Lê Minh Tuấn, Phó Chủ tịch Hội đồng." in _text(document)
    assert _rows(document.tables[-1])[0][1].startswith("CHỦ TRÌ\n")


def test_a_meeting_without_quorum_says_why_nothing_was_voted() -> None:
    title = TitleVote(
        "Lao động tiên tiến",
        secret=False,
        ballot_kind="biểu quyết công khai",
        threshold=70,
        base="tổng số thành viên Hội đồng",
        voted=False,
        note="không đủ số thành viên dự họp, không tiến hành biểu quyết",
        candidates=(
            CandidateLine("Nguyễn Thị Hoa", "Tổ 1", None, None, None, "–", "Chưa biểu quyết"),
        ),
    )
    data = sample(
        present=5, quorum_ok=False, titles=(title,), remarks=(), conclusions=(
            Conclusion("Lao động tiên tiến", ()),)
    )  # fmt: skip
    document = Document(io.BytesIO(minutes_docx(data)))
    text = _text(document)
    assert "có mặt 5/9, không đủ điều kiện tiến hành họp" in text
    assert "Chưa biểu quyết: không đủ số thành viên dự họp, không tiến hành biểu quyết." in text
    assert _rows(document.tables[2])[1] == [
        "1", "Nguyễn Thị Hoa", "Tổ 1", "–", "–", "–", "–", "Chưa biểu quyết"
    ]  # fmt: skip
    assert "- Không có ý kiến khác." in text
    assert "- Lao động tiên tiến: không có." in text


def test_the_count_record_holds_only_the_secret_ballot_with_its_ballots_and_signers() -> None:
    document = Document(io.BytesIO(count_docx(sample())))
    _, cstdcs, signatures = document.tables
    text = _text(document)
    assert "BIÊN BẢN KIỂM PHIẾU" in text
    assert "1. Danh hiệu “Chiến sĩ thi đua cơ sở”" in text
    assert "Lao động tiên tiến”" not in text
    assert "- Số phiếu phát ra: 8; số phiếu thu về: 8." in text
    assert "- Số phiếu hợp lệ: 8; số phiếu không hợp lệ: 0." in text
    assert "do Trần Thị Thu Hà (Chủ tịch Hội đồng, chủ trì cuộc họp) và Phạm Thị Lan (Thư ký)" in (
        text
    )
    assert _rows(cstdcs)[1:] == [
        ["1", "Nguyễn Thị Hoa", "Tổ 1", "7", "1", "9", "77,8%", "Đạt"],
        ["2", "Lê Văn An", "Tổ 2", "5", "3", "9", "55,6%", "Không đạt"],
        ["3", "Ngô Thị Phương", "Tổ 2", "7", "0", "9", "77,8%", "Đủ phiếu nhưng vượt tỷ lệ"],
    ]
    assert f"- Ngô Thị Phương: {OVER_CAP}." in text
    assert [c.split("\n")[-1] for c in _rows(signatures)[0]] == ["Phạm Thị Lan", "Trần Thị Thu Hà"]


def test_files_are_named_by_kind_school_year_and_version() -> None:
    assert filename("minutes", "2026-2027", 2) == "bien-ban-hop-xet-thi-dua-2026-2027-v2.docx"
    assert filename("count", "2026-2027", 1, "pdf") == "bien-ban-kiem-phieu-2026-2027-v1.pdf"


def _lines(page: str) -> list[str]:
    return [line.rstrip() for line in page.splitlines() if line.strip()]


@needs_libreoffice
def test_rendered_by_libreoffice_the_minutes_have_the_form_of_decree_30(tmp_path: Path) -> None:
    pages = _pdf_text(minutes_docx(sample()), tmp_path)
    first = _lines(pages[0])
    # The parent body over the school on the left, the national title and motto on the right.
    assert first[0].strip().startswith("UBND PHƯỜNG BỒ ĐỀ")
    assert first[0].endswith("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert first[0].index("CỘNG HÒA") > 30  # the right half of the line
    assert first[1].strip().startswith("TRƯỜNG TIỂU HỌC THƯỢNG THANH")
    assert first[1].endswith("Độc lập - Tự do - Hạnh phúc")
    dated = next(line for line in first if "/BB-HĐTĐKT" in line)
    assert dated.strip().startswith("Số:")
    assert dated.endswith("Long Biên, ngày 15 tháng 5 năm 2027")
    assert "BIÊN BẢN" in [line.strip() for line in first]
    text = "\n".join(pages)
    # Every member's row reads across the attendance table.
    assert re.search(r"9\s+Đặng Văn Khoa\s+Ủy viên\s+Vắng mặt", text)
    assert "Đi tập huấn chuyên môn" in text
    assert re.search(r"2\s+Lê Văn An\s+Tổ 2\s+7\s+1\s+9\s+77,8%\s+Đạt", text)
    # The signatures close the last page, in two columns: the secretary left, the chair right.
    last = _lines([p for p in pages if p.strip()][-1])
    titles = next(line for line in last if "THƯ KÝ" in line)
    assert re.fullmatch(r"\s*THƯ KÝ\s{10,}CHỦ TỊCH HỘI ĐỒNG", titles)
    names = last[-1]
    assert re.fullmatch(r"\s*Phạm Thị Lan\s{10,}Trần Thị Thu Hà", names), names
    assert names.index("Trần Thị Thu Hà") > 30


@needs_libreoffice
def test_rendered_by_libreoffice_the_count_record_is_signed_by_both_counters(
    tmp_path: Path,
) -> None:
    pages = _pdf_text(count_docx(sample()), tmp_path)
    first = _lines(pages[0])
    assert first[0].endswith("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert "BIÊN BẢN KIỂM PHIẾU" in [line.strip() for line in first]
    text = "\n".join(pages)
    assert re.search(r"3\s+Ngô Thị Phương\s+Tổ 2\s+7\s+0\s+9\s+77,8%", text)
    last = _lines([p for p in pages if p.strip()][-1])
    assert re.fullmatch(r"\s*Phạm Thị Lan\s{10,}Trần Thị Thu Hà", last[-1]), last[-1]


@pytest.mark.parametrize("render", [minutes_docx, count_docx])
def test_what_people_typed_reaches_the_document_as_typed(render: object) -> None:
    data = sample(venue="Phòng <họp> & “thư viện”", secretary="Phạm Thị <Lan>")
    document = Document(io.BytesIO(render(data)))  # type: ignore[operator]
    text = _text(document)
    assert "tại Phòng <họp> & “thư viện”, Trường" in text
