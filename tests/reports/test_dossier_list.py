"""The list attached to the dossier as a workbook: names as typed, never read as formulas."""

from __future__ import annotations

import io
from datetime import date

import openpyxl
import pytest

from reports.dossier import Header, Nominee, list_xlsx

pytestmark = pytest.mark.one_database


def test_a_name_a_spreadsheet_would_compute_stays_text_without_an_apostrophe() -> None:
    header = Header(
        school="Trường Tiểu học Thượng Thanh", parent_body="UBND PHƯỜNG BỒ ĐỀ", place="Long Biên",
        code="THTT", addressee="Chủ tịch UBND phường Bồ Đề", level="Phường/Xã",
        school_year="2026-2027", signer="Trần Thu Hà", written=date(2027, 6, 2),
    )  # fmt: skip
    nominees = [
        Nominee('=HYPERLINK("http://x")', "Giáo viên", "Tổ 1", "Lao động tiên tiến"),
        Nominee("Nguyễn Thị Lan", "Tổ trưởng", "Tổ 2", "Chiến sĩ thi đua cơ sở"),
    ]
    sheet = openpyxl.load_workbook(io.BytesIO(list_xlsx(header, nominees))).active
    assert sheet is not None
    rows = [[c.value for c in r] for r in sheet.iter_rows(min_row=5, max_row=6)]
    assert rows == [
        [1, '=HYPERLINK("http://x")', "Giáo viên", "Tổ 1", "Lao động tiên tiến"],
        [2, "Nguyễn Thị Lan", "Tổ trưởng", "Tổ 2", "Chiến sĩ thi đua cơ sở"],
    ]
    risky = sheet.cell(row=5, column=2)
    assert risky.data_type == "s" and risky.quotePrefix  # text, kept so by Excel's quote prefix
