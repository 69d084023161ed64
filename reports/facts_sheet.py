"""The facts sheet (thông tin xét thi đua): the staff list handed out pre-filled, taken back filled.

Writing: plain rows in, XLSX bytes out (XlsxWriter, the house style of reports/xlsx.py: a title
row, a short instruction row, a bold header that stays in view, A4 landscape; user text only ever
written as text, risky text with Excel's quote prefix). The rating column offers the four ratings
in a dropdown.
Reading: XLSX bytes in, the cells of each row out, as found (openpyxl): which row is the header is
found by its column names (diacritics and case aside, so a retyped header still matches), the
service judges the values. A file that is not a workbook, or one that would unzip to far more than
a staff list, is refused before any row is read.
"""

from __future__ import annotations

import io
import unicodedata
import warnings
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import xlsxwriter

from reports.safe import is_risky
from reports.xlsx import _print_setup

# The four ratings (mức độ hoàn thành nhiệm vụ), best first, keyed as the database keeps them.
RATING_LABELS: dict[str, str] = {
    "excellent": "Hoàn thành xuất sắc nhiệm vụ",
    "good": "Hoàn thành tốt nhiệm vụ",
    "done": "Hoàn thành nhiệm vụ",
    "not_done": "Không hoàn thành nhiệm vụ",
}
HEADERS = (
    "STT",
    "Mã",
    "Họ và tên",
    "Tổ",
    "Mức độ hoàn thành nhiệm vụ",
    "Ngày bắt đầu công tác",
    "Kỷ luật",
    "Sáng kiến được công nhận",
)
WIDTHS = (5, 8, 28, 18, 30, 14, 24, 40)
INSTRUCTIONS = (
    "Chọn mức độ hoàn thành nhiệm vụ trong danh sách; ghi ngày bắt đầu công tác dạng dd/mm/yyyy; "
    "để trống cột Kỷ luật, Sáng kiến nếu không có. Không sửa cột Mã. "
    "Điền xong, Thầy/Cô gửi lại chính tệp này cho bot trong tin nhắn riêng."
)
SPARE_ROWS = 50  # the dropdown also reaches a few rows below the list
# What the import reads, by column: the header's words with diacritics and case folded away.
FIELDS = {
    "code": "ma",
    "name": "ho va ten",
    "rating": "muc do hoan thanh nhiem vu",
    "started": "ngay bat dau cong tac",
    "discipline": "ky luat",
    "initiative": "sang kien duoc cong nhan",
}
NEEDED = ("code", "rating", "started", "discipline", "initiative")
HEADER_SEARCH = 10  # the header is among the first rows
MAX_UNZIPPED = 40 * 1024 * 1024  # a staff list unzips to far less; a zip bomb to far more


def fold(text: str) -> str:
    """Text as compared: no diacritics (đ is d), lower case, single spaces."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.casefold().split())


@dataclass(frozen=True)
class FactsRow:
    """One person's line in the sheet handed out."""

    person_id: int
    name: str
    department: str
    rating: str | None  # a key of RATING_LABELS
    started_on: date | None
    discipline: str | None
    initiative: str | None


def write_facts_sheet(rows: Sequence[FactsRow], *, title: str) -> bytes:
    """The workbook: a title, the instructions, the header, one row per person."""
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(
        out,
        {
            "in_memory": True,
            "strings_to_formulas": False,  # a name is never a formula
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    bold = workbook.add_format({"bold": True, "font_size": 13})
    note = workbook.add_format({"italic": True, "text_wrap": True, "valign": "top"})
    header = workbook.add_format(
        {"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "top"}
    )
    wrap = workbook.add_format({"text_wrap": True, "valign": "top"})
    quoted = workbook.add_format({"quote_prefix": True, "text_wrap": True, "valign": "top"})
    day = workbook.add_format({"num_format": "dd/mm/yyyy", "valign": "top"})
    ws = workbook.add_worksheet("Thông tin xét thi đua")
    for c, width in enumerate(WIDTHS):
        ws.set_column(c, c, width, wrap)
    ws.write_string(0, 0, title, bold)
    ws.merge_range(1, 0, 1, len(HEADERS) - 1, INSTRUCTIONS, note)
    ws.set_row(1, 45)
    top = 2
    for c, label in enumerate(HEADERS):
        ws.write_string(top, c, label, header)
    ws.freeze_panes(top + 1, 0)
    _print_setup(ws, top)

    def text(r: int, c: int, value: str | None) -> None:
        if value:
            ws.write_string(r, c, value, quoted if is_risky(value) else wrap)

    for n, row in enumerate(rows, start=1):
        r = top + n
        ws.write_number(r, 0, n)
        ws.write_number(r, 1, row.person_id)
        text(r, 2, row.name)
        text(r, 3, row.department)
        text(r, 4, RATING_LABELS[row.rating] if row.rating else None)
        if row.started_on is not None:
            ws.write_datetime(r, 5, datetime.combine(row.started_on, time()), day)
        else:
            ws.write_blank(r, 5, None, day)
        text(r, 6, row.discipline)
        text(r, 7, row.initiative)
    ws.data_validation(
        top + 1,
        4,
        top + len(rows) + SPARE_ROWS,
        4,
        {
            "validate": "list",
            "source": list(RATING_LABELS.values()),
            # A warning, not a stop: "HTT" typed by hand is still read (the import says what
            # it accepts), a dropdown is the easy way.
            "error_type": "warning",
            "error_title": "Mức độ hoàn thành nhiệm vụ",
            "error_message": "Nên chọn một trong bốn mức trong danh sách.",
        },
    )
    workbook.close()
    return out.getvalue()


@dataclass(frozen=True)
class SheetLine:
    """The cells of one filled row, as found (None: empty)."""

    line: int  # the row's number as the spreadsheet shows it
    code: Any
    name: Any
    rating: Any
    started: Any
    discipline: Any
    initiative: Any

    @property
    def empty(self) -> bool:
        """Nothing in any cell the import reads."""
        cells = (self.code, self.rating, self.started, self.discipline, self.initiative)
        return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


@dataclass(frozen=True)
class ReadSheet:
    """What a filled sheet holds: its title row and its data rows."""

    title: str
    lines: list[SheetLine]


class Unreadable(Exception):
    """Not a facts sheet: "not_xlsx" (not a workbook), "no_header" (a workbook without the
    sheet's columns), "too_many_rows"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def read_facts_sheet(data: bytes, *, max_lines: int = 2000) -> ReadSheet:
    """The data rows of a filled sheet, below the header found by its column names."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as packed:
            if sum(item.file_size for item in packed.infolist()) > MAX_UNZIPPED:
                raise Unreadable("not_xlsx")
    except zipfile.BadZipFile:
        raise Unreadable("not_xlsx") from None
    import openpyxl

    try:
        with warnings.catch_warnings():
            # openpyxl warns about extensions it drops (a sheet saved by another program); the
            # cells are what counts.
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a damaged workbook can fail anywhere in the parser
        raise Unreadable("not_xlsx") from None
    try:
        return _lines(book.worksheets[0].iter_rows(values_only=True), max_lines)
    except Unreadable:
        raise
    except Exception:
        raise Unreadable("not_xlsx") from None
    finally:
        book.close()


def _lines(rows: Any, max_lines: int) -> ReadSheet:
    title = ""
    columns: dict[str, int] | None = None
    lines: list[SheetLine] = []
    for number, cells in enumerate(rows, start=1):
        if columns is None:
            if number > HEADER_SEARCH:
                break
            columns = _header(cells)
            if columns is None and not title:
                title = next((str(c).strip() for c in cells if c not in (None, "")), "")
            continue
        line = SheetLine(number, *(_cell(cells, columns, name) for name in _READ))
        if line.empty:
            continue
        if len(lines) >= max_lines:
            raise Unreadable("too_many_rows")
        lines.append(line)
    if columns is None:
        raise Unreadable("no_header")
    return ReadSheet(title, lines)


_READ = ("code", "name", "rating", "started", "discipline", "initiative")  # SheetLine's order


def _cell(cells: tuple[Any, ...], columns: dict[str, int], name: str) -> Any:
    """One field's cell of a row (text stripped; blank text is None)."""
    at = columns.get(name)
    value = cells[at] if at is not None and at < len(cells) else None
    return (value.strip() or None) if isinstance(value, str) else value


def _header(cells: tuple[Any, ...]) -> dict[str, int] | None:
    """The columns of the fields, if this row is the sheet's header."""
    found: dict[str, int] = {}
    wanted = {v: k for k, v in FIELDS.items()}
    for i, value in enumerate(cells):
        if isinstance(value, str) and fold(value) in wanted:
            found.setdefault(wanted[fold(value)], i)
    return found if all(name in found for name in NEEDED) else None
