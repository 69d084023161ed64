"""The record of the công khai (biên bản công khai kết quả bình xét và giải quyết kiến nghị), as
DOCX from an editable template with the minutes' NĐ 30/2020 header; built from plain data (the
use case, services/judging/publication/dossier.py, reads the database)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from docxtpl import DocxTemplate

from reports.minutes import COUNCIL, clock_text, day_text
from reports.periods import place_and_date

TEMPLATE = Path(__file__).parent / "templates" / "bien_ban_cong_khai.docx"
RESULTS = {
    "passed": "Đạt",
    "failed": "Không đạt",
    "over_cap": "Đủ phiếu nhưng vượt tỷ lệ",
    "not_voted": "Chưa biểu quyết",
}


@dataclass(frozen=True)
class ObjectionLine:
    """One objection as the record lists it."""

    number: int
    filed: datetime  # local time
    about: str | None  # "name (title)"; None: the whole list
    text: str
    answer: str | None
    answered: datetime | None  # local time
    revote: tuple[int, int, int, str | None, str | None] | None  # yes, no, voters, before, after


@dataclass(frozen=True)
class PublicationRecord:
    """Everything the record says (local times)."""

    school: str
    parent_body: str
    place: str
    round_name: str
    school_year: str
    published: datetime
    recipients: int
    read: int
    window_days: int
    closes_on: date
    window_closed: bool
    passed: tuple[tuple[str, str, str], ...]  # (title, name, department)
    objections: tuple[ObjectionLine, ...]
    chair: str
    secretary: str
    written: date


def _short(day: datetime | date) -> str:
    return f"{day:%d/%m/%Y}"


def _revote(line: ObjectionLine) -> str:
    if line.revote is None:
        return "Không"
    yes, no, voters, before, after = line.revote
    return (
        f"{yes} đồng ý, {no} không đồng ý ({voters} người bỏ phiếu); "
        f"trước: {RESULTS.get(before or '', '–')}, sau: {RESULTS.get(after or '', '–')}"
    )


def record_docx(data: PublicationRecord) -> bytes:
    """The record, filled in."""
    parent, issuer = (data.parent_body, data.school) if data.parent_body else (data.school, COUNCIL)
    open_count = sum(1 for o in data.objections if o.answer is None)
    changed = [o for o in data.objections if o.revote and o.revote[3] != o.revote[4]]
    if open_count:
        conclusion = f"Còn {open_count} kiến nghị chưa được trả lời."
    elif not data.objections:
        conclusion = "Hết thời hạn công khai, không có kiến nghị về kết quả bình xét."
    else:
        conclusion = (
            f"Các kiến nghị đã được trả lời đầy đủ; {len(changed)} kết quả được thay đổi "
            "qua bỏ phiếu lại."
        )
    context = {
        "parent_line": parent,
        "issuer_line": issuer,
        "place_date": place_and_date(data.place or None, data.written),
        "school_year": data.school_year,
        "school": data.school,
        "round_name": data.round_name,
        "published_text": f"{clock_text(data.published)}, {day_text(data.published)}",
        "recipients": data.recipients,
        "read": data.read,
        "window_days": data.window_days,
        "closes_on": _short(data.closes_on),
        "window_state": " (đã hết hạn)" if data.window_closed else " (chưa hết hạn)",
        "passed_count": len(data.passed),
        "passed": [
            f"{n}. {name}{f' ({dept})' if dept else ''} – {title}"
            for n, (title, name, dept) in enumerate(data.passed, start=1)
        ],
        "total": len(data.objections),
        "answered": len(data.objections) - open_count,
        "open": open_count,
        "objections": [
            {
                "number": o.number,
                "date": _short(o.filed),
                "text": f"Về {o.about or 'cả danh sách'}: {o.text}",
                "answer": f"{o.answer} ({_short(o.answered)})"
                if o.answer and o.answered
                else "Chưa trả lời",
                "revote": _revote(o),
            }
            for o in data.objections
        ],
        "conclusion": conclusion,
        "chair": data.chair,
        "chair_sign": "CHỦ TỊCH HỘI ĐỒNG",
        "secretary": data.secretary,
    }
    doc = DocxTemplate(str(TEMPLATE))
    doc.render(context, autoescape=True)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
