"""The decision recognising the year's initiatives (quyết định công nhận sáng kiến), with the
list attached, as DOCX from an editable template in the form of Nghị định 30/2020/NĐ-CP.

The use case (services/initiatives/decision.py) reads the call and hands over plain data; this
module only words and lays it out (in Vietnamese whatever the reader's chat language).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate

from reports.periods import place_and_date, two_digits_early

TEMPLATE = Path(__file__).parent / "templates" / "quyet_dinh_sang_kien.docx"
COUNCIL = "Hội đồng Sáng kiến"
SIGNER_TITLE = "Hiệu trưởng"
# The grounds (căn cứ) a school's decision cites; the office edits the draft if its own differ.
BASES = (
    "Căn cứ Luật Thi đua, khen thưởng ngày 15 tháng 6 năm 2022;",
    "Căn cứ Nghị định số 13/2012/NĐ-CP ngày 02 tháng 3 năm 2012 của Chính phủ ban hành Điều lệ"
    " Sáng kiến;",
    "Căn cứ kết quả chấm, xét sáng kiến của {council} {school} năm học {year};",
    "Theo đề nghị của Chủ tịch {council}.",
)


@dataclass(frozen=True)
class Row:
    """One recognised initiative."""

    title: str
    authors: str
    department: str
    field: str
    total: float
    tier: str | None


@dataclass(frozen=True)
class DecisionData:
    """What the decision says."""

    school: str
    parent_body: str
    short_name: str
    place: str
    school_year: str
    day: date
    signer: str
    rows: tuple[Row, ...]
    final: bool = False


def points(value: float) -> str:
    """'82,5' (Vietnamese decimal comma; no decimals for a whole number)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def context(data: DecisionData) -> dict[str, Any]:
    """The template's values."""
    parent, issuer = (data.parent_body, data.school) if data.parent_body else (data.school, "")
    values = {"council": COUNCIL, "school": data.school, "year": data.school_year}
    day = two_digits_early(data.day.day, 10)
    return {
        "parent_line": parent,
        "issuer_line": issuer,
        "number_suffix": data.short_name,
        "place_date": place_and_date(data.place or None, data.day),
        "draft_line": "" if data.final else "(Dự thảo)",
        "school_year": data.school_year,
        "school": data.school,
        "signer_title": SIGNER_TITLE,
        "signer": data.signer,
        "council_name": COUNCIL,
        "bases": [b.format(**values) for b in BASES],
        "count": len(data.rows),
        "date_text": f"ngày {day} tháng {two_digits_early(data.day.month, 3)} năm {data.day.year}",
        "rows": [
            {
                "number": n,
                "title": r.title,
                "authors": r.authors,
                "department": r.department,
                "field": r.field,
                "total": points(r.total),
                "tier": r.tier or "",
            }
            for n, r in enumerate(data.rows, start=1)
        ],
    }


def decision_docx(data: DecisionData, template: Path | None = None) -> bytes:
    """The decision as .docx bytes."""
    document = DocxTemplate(str(template or TEMPLATE))
    document.render(context(data), autoescape=True)
    properties = document.docx.core_properties
    properties.author = properties.last_modified_by = data.school
    properties.title = f"Quyết định công nhận sáng kiến năm học {data.school_year}"
    properties.comments = "Dự thảo" if not data.final else ""
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def filename(school_year: str) -> str:
    """'quyet-dinh-cong-nhan-sang-kien-2026-2027.docx'."""
    return f"quyet-dinh-cong-nhan-sang-kien-{school_year}.docx"
