"""The documents of the dossier (hồ sơ đề nghị khen thưởng) for one deciding level: the
principal's tờ trình, the list attached (danh sách kèm theo, DOCX and XLSX), the evidence index
(danh mục minh chứng) and the table of contents (mục lục), from editable .docx templates in the
form of Nghị định 30/2020 (the header table of bien_ban.docx).

The use case (services/dossier) reads the round and hands over plain data; this module only
words and lays it out. Official wording is Vietnamese whatever language the chair chose.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import xlsxwriter
from docxtpl import DocxTemplate

from reports.columns import ascii_slug
from reports.minutes import day_text
from reports.periods import place_and_date
from reports.safe import is_risky

TEMPLATES = Path(__file__).parent / "templates"
TO_TRINH = TEMPLATES / "to_trinh.docx"
LIST = TEMPLATES / "danh_sach.docx"
INDEX = TEMPLATES / "minh_chung.docx"
CONTENTS = TEMPLATES / "muc_luc.docx"
GONE_REASONS = {
    "gone": "Telegram không còn lưu tệp này",
    "too_large": "tệp lớn hơn giới hạn tải về của Telegram",
}


@dataclass(frozen=True)
class Nominee:
    """One line of the list attached: a person (or a department, for a collective title)."""

    name: str
    position: str  # chức vụ: "Giáo viên", "Tổ trưởng", "Tập thể"
    department: str
    title: str


@dataclass(frozen=True)
class Header:
    """Who sends the dossier to whom, and when."""

    school: str
    parent_body: str
    place: str
    code: str  # the school's short name, for the số/ký hiệu ("TTr-<code>")
    addressee: str  # "Kính gửi: …" (the deciding level, as the school named it)
    level: str  # the level's name in the settings ("Phường/Xã")
    school_year: str  # "2026-2027"
    signer: str  # facts.signer_principal
    written: date


@dataclass(frozen=True)
class EvidenceLine:
    """One evidence file in the ZIP."""

    nominee: str
    story_id: int
    story_date: date
    path: str  # inside the ZIP
    size: int
    sha256: str


@dataclass(frozen=True)
class GoneLine:
    """A photo that could not be fetched (reported, never skipped silently)."""

    nominee: str
    story_id: int
    story_date: date
    position: int
    reason: str  # "gone" | "too_large"


@dataclass(frozen=True)
class ContentsLine:
    """A line of the table of contents."""

    title: str
    path: str


def _header(h: Header) -> dict[str, Any]:
    return {
        "parent_line": h.parent_body,
        "issuer_line": h.school,
        "place_date": place_and_date(h.place or None, h.written),
        "code": h.code,
        "school": h.school,
        "addressee": h.addressee,
        "school_year": h.school_year,
        "signer": h.signer,
    }


def _count(nominees: list[Nominee]) -> str:
    """'12 cá nhân và 1 tập thể'."""
    people = sum(1 for n in nominees if n.position != COLLECTIVE)
    groups = len(nominees) - people
    parts = [f"{people} cá nhân"] if people else []
    parts += [f"{groups} tập thể"] if groups else []
    return " và ".join(parts) or "0 cá nhân"


COLLECTIVE = "Tập thể"


def _render(template: Path, context: dict[str, Any], h: Header, title: str) -> bytes:
    document = DocxTemplate(str(template))
    document.render(context, autoescape=True)
    properties = document.docx.core_properties
    properties.author = properties.last_modified_by = h.school
    properties.title = title
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def to_trinh_docx(
    h: Header, nominees: list[Nominee], *, meeting_day: date | None, round_name: str
) -> bytes:
    """The principal's tờ trình to the deciding level, with each title's count."""
    titles: dict[str, list[Nominee]] = {}
    for n in nominees:
        titles.setdefault(n.title, []).append(n)
    context = {
        **_header(h),
        "meeting_text": day_text_of(meeting_day),
        "round_name": round_name,
        "total_text": _count(nominees),
        "titles": [{"title": t, "count_text": _count(ns)} for t, ns in titles.items()],
    }
    title = f"Tờ trình đề nghị công nhận danh hiệu thi đua năm học {h.school_year}"
    return _render(TO_TRINH, context, h, title)


def day_text_of(day: date | None) -> str:
    """'ngày 15 tháng 05 năm 2027' (or a blank to fill when there was no meeting)."""
    if day is None:
        return "ngày …"
    return day_text(datetime(day.year, day.month, day.day))


def list_docx(h: Header, nominees: list[Nominee]) -> bytes:
    """The list attached (danh sách kèm theo): STT, name, position, department, title."""
    context = {
        **_header(h),
        "rows": [
            {
                "number": i,
                "name": n.name,
                "position": n.position,
                "department": n.department,
                "title": n.title,
            }
            for i, n in enumerate(nominees, start=1)
        ],
        "total_text": _count(nominees),
    }
    return _render(LIST, context, h, f"Danh sách đề nghị khen thưởng năm học {h.school_year}")


def list_xlsx(h: Header, nominees: list[Nominee]) -> bytes:
    """The same list as a workbook (the level often merges the schools' lists)."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, "strings_to_formulas": False})
    sheet = book.add_worksheet("Danh sách")
    bold = book.add_format({"bold": True, "font_size": 13})
    head = book.add_format({"bold": True, "border": 1, "bg_color": "#DDEBF7", "text_wrap": True})
    cell = book.add_format({"border": 1, "text_wrap": True, "valign": "top"})
    # Typed by people: a name a spreadsheet would read as a formula is kept as text by Excel's
    # own quote prefix (invisible), never by an apostrophe in the name.
    quoted = book.add_format(
        {"border": 1, "text_wrap": True, "valign": "top", "quote_prefix": True}
    )
    sheet.write_string(0, 0, f"{h.school}: danh sách đề nghị công nhận danh hiệu thi đua", bold)
    sheet.write_string(1, 0, f"Năm học {h.school_year}; gửi {h.addressee}")
    headers = ("STT", "Họ và tên", "Chức vụ", "Tổ chuyên môn", "Danh hiệu đề nghị")
    for col, (text, width) in enumerate(zip(headers, (6, 30, 16, 20, 30), strict=True)):
        sheet.write_string(3, col, text, head)
        sheet.set_column(col, col, width)
    for row, n in enumerate(nominees, start=4):
        sheet.write_number(row, 0, row - 3, cell)
        for col, text in enumerate((n.name, n.position, n.department, n.title), start=1):
            sheet.write_string(row, col, text, quoted if is_risky(text) else cell)
    sheet.freeze_panes(4, 0)
    sheet.repeat_rows(3)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    book.close()
    return out.getvalue()


def size_text(size: int) -> str:
    """'1,4 MB' / '820 KB' (Vietnamese decimal comma)."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".", ",")
    return f"{max(1, round(size / 1024))} KB"


def index_docx(h: Header, files: list[EvidenceLine], gone: list[GoneLine]) -> bytes:
    """The evidence index: each file (nominee, story, date, name in the ZIP, size, SHA-256), and
    the photos Telegram no longer serves."""
    context = {
        **_header(h),
        "files": [
            {
                "number": i,
                "nominee": f.nominee,
                "story": f"#{f.story_id}",
                "date": f"{f.story_date:%d/%m/%Y}",
                "path": f.path,
                "size": size_text(f.size),
                "sha256": f.sha256,
            }
            for i, f in enumerate(files, start=1)
        ],
        "files_text": f"{len(files)} tệp, {size_text(sum(f.size for f in files))}",
        "gone": [
            {
                "nominee": g.nominee,
                "story": f"#{g.story_id}",
                "date": f"{g.story_date:%d/%m/%Y}",
                "position": g.position,
                "reason": GONE_REASONS.get(g.reason, g.reason),
            }
            for g in gone
        ],
    }
    return _render(INDEX, context, h, f"Danh mục minh chứng năm học {h.school_year}")


def contents_docx(
    h: Header, entries: list[ContentsLine], *, version: int, notes: list[str]
) -> bytes:
    """The table of contents (mục lục), first in the ZIP."""
    context = {
        **_header(h),
        "entries": [
            {"number": i, "title": e.title, "path": e.path} for i, e in enumerate(entries, start=1)
        ],
        "made_text": f"{h.written:%d/%m/%Y}",
        "version": version,
        "notes": notes,
    }
    return _render(CONTENTS, context, h, f"Mục lục hồ sơ năm học {h.school_year}")


def zip_name(level: str, day: date, version: int) -> str:
    """'ho-so-de-nghi-khen-thuong-phuong-xa-2027-06-01-v2.zip'."""
    return (
        f"ho-so-de-nghi-khen-thuong-{ascii_slug(level) or 'cap-tren'}-{day:%Y-%m-%d}-v{version}.zip"
    )
