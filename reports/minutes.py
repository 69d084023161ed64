"""The minutes of the council's judging meeting (biên bản họp) and, for secret ballots, the
vote-counting record (biên bản kiểm phiếu), as DOCX from editable templates.

The use case (services/judging/minutes.py) reads the meeting and hands over plain data; this
module only words and lays it out. The wording of an official document is Vietnamese whatever
language the reader chose in chat, so its fixed phrases live here, next to the templates.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate

from reports.periods import place_and_date, two_digits_early

TEMPLATES = Path(__file__).parent / "templates"
MINUTES_TEMPLATE = TEMPLATES / "bien_ban.docx"
COUNT_TEMPLATE = TEMPLATES / "bien_ban_kiem_phieu.docx"
COUNCIL = "Hội đồng Thi đua – Khen thưởng"

ROLE_LABELS = {"chair": "Chủ tịch", "vice_chair": "Phó Chủ tịch", "council": "Ủy viên"}
BALLOT_KINDS = {False: "biểu quyết công khai", True: "bỏ phiếu kín"}
BASES = {"all": "tổng số thành viên Hội đồng", "present": "số thành viên có mặt"}
RESULTS = {
    "passed": "Đạt",
    "failed": "Không đạt",
    "tie": "Không đạt (số phiếu ngang nhau)",
    "over_cap": "Đủ phiếu nhưng vượt tỷ lệ",
    "not_voted": "Chưa biểu quyết",
}
NO_QUORUM = "không đủ số thành viên dự họp, không tiến hành biểu quyết"
NOT_PUT = "Hội đồng chưa đưa danh hiệu này ra biểu quyết"
NO_REMARKS = "Không có ý kiến khác."


def role_label(role: str) -> str:
    """Chủ tịch / Phó Chủ tịch / Ủy viên."""
    return ROLE_LABELS.get(role, ROLE_LABELS["council"])


def default_agenda(titles: list[str] | tuple[str, ...], school_year: str) -> tuple[str, ...]:
    """The agenda when the chair wrote none: one line per title."""
    return tuple(f"Xét danh hiệu “{title}” năm học {school_year}" for title in titles)


def not_voted_note(quorum_ok: bool) -> str:
    """Why a title was not voted on."""
    return NOT_PUT if quorum_ok else NO_QUORUM


def ballot_kind_text(secret: bool) -> str:
    """'biểu quyết công khai' or 'bỏ phiếu kín'."""
    return BALLOT_KINDS[secret]


def base_text(base: str) -> str:
    """What the percentage is computed on, in words."""
    return BASES.get(base, BASES["all"])


def result_text(outcome: str | None, *, tie: bool = False) -> str:
    """A candidate's result as the minutes write it (a failed tie says it was a tie)."""
    if outcome == "failed" and tie:
        return RESULTS["tie"]
    return RESULTS.get(outcome or "not_voted", RESULTS["not_voted"])


def percent_text(yes: int, base: int, threshold: int | None = None) -> str:
    """'77,8%' (Vietnamese decimal comma, one place, none for a whole number). Rounded half up,
    except that a share below the threshold is never shown as reaching it (69,96% → 69,9%)."""
    if base <= 0:
        return "–"
    exact = Decimal(yes * 100) / Decimal(base)
    shown = exact.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    if threshold is not None and exact < threshold <= shown:
        shown = exact.quantize(Decimal("0.1"), rounding=ROUND_FLOOR)
    text = f"{shown:.1f}".removesuffix(".0").replace(".", ",")
    return f"{text}%"


@dataclass(frozen=True)
class MemberLine:
    """A council member at the meeting: present, or absent with the reason they gave."""

    name: str
    role: str  # Chủ tịch | Phó Chủ tịch | Ủy viên
    present: bool
    reason: str = ""


@dataclass(frozen=True)
class CandidateLine:
    """One candidate's vote: figures, result, the checks' warnings, who did not vote on it."""

    name: str
    department: str
    yes: int | None
    no: int | None
    base: int | None
    percent: str  # "77,8%", "–" when not voted
    result: str
    warnings: tuple[str, ...] = ()
    conflicted: tuple[str, ...] = ()  # members present who did not vote: it names them
    cast: int = 0  # members who voted on it (the count record's ballots returned)


@dataclass(frozen=True)
class TitleVote:
    """The vote on one title: its rule, whether it was held, its candidates."""

    title: str
    secret: bool
    ballot_kind: str
    threshold: int
    base: str  # its words: "tổng số thành viên Hội đồng" | "số thành viên có mặt"
    voted: bool
    note: str = ""  # why it was not voted
    candidates: tuple[CandidateLine, ...] = ()
    issued: int = 0  # members present when the vote opened (ballots issued)
    returned: int = 0  # members who voted on at least one candidate


@dataclass(frozen=True)
class Conclusion:
    """The result list of one title: the candidates who passed."""

    title: str
    passed: tuple[str, ...]


@dataclass(frozen=True)
class MinutesData:
    """Everything the minutes say, as plain values (local times, texts already worded)."""

    school: str
    parent_body: str
    place: str
    round_name: str
    school_year: str  # "2026-2027"
    started: datetime  # local time
    ended: datetime | None
    venue: str
    chair: str
    chair_role: str  # the presiding member's role: Chủ tịch | Phó Chủ tịch | Ủy viên
    secretary: str
    members: tuple[MemberLine, ...]
    council_size: int
    present: int
    quorum_needed: int
    quorum_rule: str  # "2/3"
    quorum_ok: bool
    agenda: tuple[str, ...]
    titles: tuple[TitleVote, ...]
    remarks: tuple[str, ...]
    conclusions: tuple[Conclusion, ...]
    extra_conclusions: tuple[str, ...] = ()
    version: int = 1
    final: bool = False
    written: datetime | None = None  # the date line; the meeting's day when None

    @property
    def secret_titles(self) -> tuple[TitleVote, ...]:
        """The titles voted by secret ballot (the count record's)."""
        return tuple(t for t in self.titles if t.secret and t.voted)


def clock_text(moment: datetime) -> str:
    """'14 giờ 00 phút'."""
    return f"{moment:%H} giờ {moment:%M} phút"


def day_text(moment: datetime) -> str:
    """'ngày 15 tháng 05 năm 2027' (Nghị định 30/2020's leading zeros)."""
    day = two_digits_early(moment.day, 10)
    return f"ngày {day} tháng {two_digits_early(moment.month, 3)} năm {moment.year}"


def _header(data: MinutesData) -> dict[str, Any]:
    # The parent body over the school when the school set one; else the school over its council
    # (as the council's report does).
    parent, issuer = (data.parent_body, data.school) if data.parent_body else (data.school, COUNCIL)
    written = data.written or data.started
    return {
        "parent_line": parent,
        "issuer_line": issuer,
        "place_date": place_and_date(data.place or None, written.date()),
        "draft_line": "" if data.final else f"(Dự thảo lần {data.version})",
        "school_year": data.school_year,
        "school": data.school,
        "round_name": data.round_name,
        "started_text": f"{clock_text(data.started)}, {day_text(data.started)}",
        "venue": data.venue,
        "chair": data.chair,
        "chair_role": f"{data.chair_role} Hội đồng",
        "chair_sign": "CHỦ TỊCH HỘI ĐỒNG" if data.chair_role == ROLE_LABELS["chair"] else "CHỦ TRÌ",
        "secretary": data.secretary,
    }


def _ended_text(data: MinutesData) -> str:
    if data.ended is None:
        return ""
    if data.ended.date() == data.started.date():
        return f"{clock_text(data.ended)} cùng ngày"
    return f"{clock_text(data.ended)}, {day_text(data.ended)}"


def _figure(value: int | None) -> str:
    return "–" if value is None else str(value)


def _candidates(title: TitleVote) -> list[dict[str, Any]]:
    return [
        {
            "number": n,
            "name": c.name,
            "department": c.department,
            "yes": _figure(c.yes),
            "no": _figure(c.no),
            "base": _figure(c.base),
            "percent": c.percent,
            "result": c.result,
            "cast": c.cast,
        }
        for n, c in enumerate(title.candidates, start=1)
    ]


def _notes(title: TitleVote) -> list[str]:
    """The lines under a title's table: each candidate's unmet conditions (the council voted
    anyway, and says so), and who did not vote on a candidate that names them."""
    lines = []
    for c in title.candidates:
        if c.warnings:
            lines.append(f"{c.name}: {'; '.join(c.warnings)}.")
        if c.conflicted:
            lines.append(
                f"{', '.join(c.conflicted)} không biểu quyết đối với {c.name} "
                "(có liên quan trực tiếp)."
            )
    return lines


def _rule_line(title: TitleVote) -> str:
    return (
        f"Hình thức: {title.ballot_kind}; đạt khi số phiếu đồng ý từ {title.threshold}% trở lên "
        f"so với {title.base} và nhiều hơn số phiếu không đồng ý."
    )


def _quorum_line(data: MinutesData) -> str:
    enough = "đủ" if data.quorum_ok else "không đủ"
    return (
        f"Số thành viên có mặt {data.present}/{data.council_size}, {enough} điều kiện tiến hành "
        f"họp (tối thiểu {data.quorum_rule} tổng số thành viên, tức {data.quorum_needed} người)."
    )


def minutes_context(data: MinutesData) -> dict[str, Any]:
    """The values the minutes template's tags use (all text; docxtpl escapes it for XML)."""
    absent = data.council_size - data.present
    return {
        **_header(data),
        "council_size": data.council_size,
        "present": data.present,
        "absent": absent,
        "quorum_line": _quorum_line(data),
        "members": [
            {
                "number": n,
                "name": m.name,
                "role": m.role,
                "attendance": "Có mặt" if m.present else "Vắng mặt",
                "reason": m.reason if not m.present else "",
            }
            for n, m in enumerate(data.members, start=1)
        ],
        "agenda": list(data.agenda),
        "titles": [
            {
                "number": n,
                "title": t.title,
                "rule_line": _rule_line(t),
                "voted": t.voted,
                "note": t.note,
                "candidates": _candidates(t),
                "notes": _notes(t),
            }
            for n, t in enumerate(data.titles, start=1)
        ],
        "remarks": list(data.remarks) or [NO_REMARKS],
        "conclusions": [
            f"{c.title}: {len(c.passed)} người ({', '.join(c.passed)})."
            if c.passed
            else f"{c.title}: không có."
            for c in data.conclusions
        ],
        "extra_conclusions": list(data.extra_conclusions),
        "ended_text": _ended_text(data),
    }


def count_context(data: MinutesData) -> dict[str, Any]:
    """The values the count record's template uses: the secret ballots only."""
    return {
        **_header(data),
        "titles": [
            {
                "number": n,
                "title": t.title,
                "rule_line": _rule_line(t),
                "issued": t.issued,
                "returned": t.returned,
                "valid": t.returned,
                "invalid": 0,  # a vote in chat is Đồng ý or Không đồng ý: none is spoilt
                "candidates": _candidates(t),
                "notes": _notes(t),
            }
            for n, t in enumerate(data.secret_titles, start=1)
        ],
        "ended_text": _ended_text(data),
    }


def _render(template: Path, context: dict[str, Any], data: MinutesData, title: str) -> bytes:
    document = DocxTemplate(str(template))
    document.render(context, autoescape=True)
    properties = document.docx.core_properties
    properties.author = properties.last_modified_by = data.school
    properties.title = title
    properties.revision = data.version
    properties.comments = "Bản hoàn chỉnh" if data.final else f"Dự thảo lần {data.version}"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def minutes_docx(data: MinutesData, template: Path | None = None) -> bytes:
    """The biên bản họp Hội đồng as .docx bytes."""
    title = f"Biên bản họp {COUNCIL} xét danh hiệu thi đua năm học {data.school_year}"
    return _render(template or MINUTES_TEMPLATE, minutes_context(data), data, title)


def count_docx(data: MinutesData, template: Path | None = None) -> bytes:
    """The biên bản kiểm phiếu of the secret ballots as .docx bytes."""
    title = f"Biên bản kiểm phiếu xét danh hiệu thi đua năm học {data.school_year}"
    return _render(template or COUNT_TEMPLATE, count_context(data), data, title)


def filename(kind: str, school_year: str, version: int, ext: str = "docx") -> str:
    """'bien-ban-hop-xet-thi-dua-2026-2027-v2.docx' / 'bien-ban-kiem-phieu-2026-2027-v2.docx'."""
    stem = "bien-ban-kiem-phieu" if kind == "count" else "bien-ban-hop-xet-thi-dua"
    return f"{stem}-{school_year}-v{version}.{ext}"
