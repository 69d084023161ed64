"""The writing contest's documents: the summary report (báo cáo tổng kết cuộc thi, DOCX from an
editable template) and the prize list (XLSX).

The use case (services/contest) reads the contest and hands over plain rows; this module words
and lays them out. An official document is worded in Vietnamese whatever language the reader
chose in chat, so its fixed phrases live here, next to the template.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from docxtpl import DocxTemplate

from reports.model import Column, Sheet
from reports.periods import place_and_date
from reports.xlsx import write_xlsx

TEMPLATE = Path(__file__).parent / "templates" / "tong_ket_cuoc_thi.docx"
COUNCIL = "Hội đồng Thi đua – Khen thưởng"
ROUNDS = {
    1: "một vòng",
    2: "hai vòng (sơ khảo, chung khảo)",
}
NO_PRIZE = "–"


@dataclass(frozen=True)
class DepartmentRow:
    """One department's entries against its target."""

    name: str
    staff: int
    target: int
    entries: int

    @property
    def met(self) -> bool:
        """The department reached its target."""
        return self.entries >= self.target


@dataclass(frozen=True)
class EntryRow:
    """One entry as the summary lists it (names shown: the contest is over)."""

    code: str
    author: str
    department: str
    subject: str
    title: str
    first: str  # the first round's score, as written ("87,5"; "–")
    final: str  # the final's score ("–" with one round, or not in the final)
    prize: str  # the tier's name, or "–"
    score: str  # the score the prize went by, as written
    points: float | None = None  # the same, as a number (the spreadsheet's)


@dataclass(frozen=True)
class SummaryData:
    """Everything the summary report says, as plain values (texts already worded)."""

    school: str
    parent_body: str
    place: str
    written: date
    contest_title: str
    subject: str
    school_year: str
    window_start: date
    window_end: date
    judges: tuple[str, ...]
    rounds: int
    finalists: int
    criteria: tuple[str, ...]
    target_text: str
    departments: tuple[DepartmentRow, ...]
    entries: tuple[EntryRow, ...]  # in the final ranking's order
    authors: int
    signer: str
    min_score: str = ""  # the least score for a prize, as written


def _prizes(data: SummaryData) -> list[EntryRow]:
    return [e for e in data.entries if e.prize != NO_PRIZE]


def prize_summary(data: SummaryData) -> str:
    """'Có 6 bài đạt giải: 1 Giải Nhất, 2 Giải Nhì, 3 Giải Ba.'"""
    prizes = _prizes(data)
    if not prizes:
        return "Không có bài nào đạt giải."
    counts: dict[str, int] = {}
    for e in prizes:
        counts[e.prize] = counts.get(e.prize, 0) + 1
    parts = ", ".join(f"{n} {name}" for name, n in counts.items())
    return f"Có {len(prizes)} bài đạt giải: {parts}."


def remarks(data: SummaryData) -> list[str]:
    """The general assessment written from the figures (the chair edits the document after)."""
    lines = []
    met = [d.name for d in data.departments if d.met]
    below = [d for d in data.departments if not d.met]
    if met:
        lines.append(f"Các tổ đạt chỉ tiêu tham gia: {', '.join(met)}.")
    if below:
        names = ", ".join(f"{d.name} ({d.entries}/{d.target} bài)" for d in below)
        lines.append(f"Các tổ chưa đạt chỉ tiêu: {names}.")
    lines.append(
        "Các bài viết đã phản ánh những tấm gương điển hình tiên tiến, người tốt, việc tốt "
        "trong nhà trường; đề nghị tiếp tục tuyên truyền, nhân rộng các gương được nêu."
    )
    return lines


def summary_context(data: SummaryData) -> dict[str, Any]:
    """The values the template's tags use (all text; docxtpl escapes it for XML)."""
    parent, issuer = (data.parent_body, data.school) if data.parent_body else (data.school, COUNCIL)
    rounds = ROUNDS.get(data.rounds, ROUNDS[1])
    if data.rounds == 2:
        rounds += f"; {data.finalists} bài điểm cao nhất vòng sơ khảo vào chung khảo"
    note = "Điểm của mỗi bài là trung bình cộng điểm các giám khảo đã chấm (thang điểm 100)"
    if data.rounds == 2:
        note += "; giải xét theo điểm chung khảo"
    if data.min_score:
        note += f"; bài dưới {data.min_score} điểm không xét giải"
    met = sum(1 for d in data.departments if d.met)
    return {
        "parent_line": parent,
        "issuer_line": issuer,
        "place_date": place_and_date(data.place or None, data.written),
        "contest_title": data.contest_title,
        "school_year": data.school_year,
        "school": data.school,
        "window_start": data.window_start.strftime("%d/%m/%Y"),
        "window_end": data.window_end.strftime("%d/%m/%Y"),
        "subject": data.subject,
        "judge_count": len(data.judges),
        "judges": ", ".join(data.judges),
        "rounds_text": rounds,
        "criteria": "; ".join(data.criteria),
        "target_text": data.target_text,
        "departments": [
            {
                "number": n,
                "name": d.name,
                "staff": d.staff,
                "target": d.target,
                "entries": d.entries,
                "result": "Đạt chỉ tiêu" if d.met else f"Chưa đạt (thiếu {d.target - d.entries})",
            }
            for n, d in enumerate(data.departments, start=1)
        ],
        "total_entries": len(data.entries),
        "total_authors": data.authors,
        "met_count": met,
        "department_count": len(data.departments),
        "entries": [
            {
                "number": n,
                "code": e.code,
                "author": e.author,
                "department": e.department,
                "subject": e.subject,
                "first": e.first,
                "final": e.final,
                "prize": e.prize,
            }
            for n, e in enumerate(data.entries, start=1)
        ],
        "scoring_note": note + ".",
        "prizes": [
            {
                "number": n,
                "prize": e.prize,
                "code": e.code,
                "author": e.author,
                "department": e.department,
                "subject": e.subject,
                "score": e.score,
            }
            for n, e in enumerate(_prizes(data), start=1)
        ],
        "prize_summary": prize_summary(data),
        "remarks": remarks(data),
        "signer": data.signer,
    }


def summary_docx(data: SummaryData, template: Path | None = None) -> bytes:
    """The báo cáo tổng kết cuộc thi as .docx bytes."""
    document = DocxTemplate(str(template or TEMPLATE))
    document.render(summary_context(data), autoescape=True)
    properties = document.docx.core_properties
    properties.author = properties.last_modified_by = data.school
    properties.title = f"Báo cáo tổng kết cuộc thi “{data.contest_title}”"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


PRIZE_COLUMNS = (
    Column("STT", "int", 6),
    Column("Giải", "text", 16),
    Column("Mã bài", "text", 10),
    Column("Tác giả", "user", 26),
    Column("Tổ", "text", 18),
    Column("Viết về", "user", 28),
    Column("Tên bài", "user", 36),
    Column("Điểm", "float", 10),
)


def prize_list_xlsx(data: SummaryData, tz: ZoneInfo) -> bytes:
    """The prize list (danh sách đạt giải) as .xlsx bytes: one row per entry with a prize."""
    rows = [
        (n, e.prize, e.code, e.author, e.department, e.subject, e.title, e.points)
        for n, e in enumerate(_prizes(data), start=1)
    ]
    out = io.BytesIO()
    title = f"Danh sách đạt giải cuộc thi “{data.contest_title}” – {data.school}"
    write_xlsx(out, [Sheet("Đạt giải", PRIZE_COLUMNS, rows)], tz, title=title)
    return out.getvalue()


def filename(kind: str, school_year: str, ext: str) -> str:
    """'tong-ket-cuoc-thi-2026-2027.docx' / 'danh-sach-dat-giai-2026-2027.xlsx'."""
    stem = "danh-sach-dat-giai" if kind == "prizes" else "tong-ket-cuoc-thi"
    return f"{stem}-{school_year}.{ext}"
