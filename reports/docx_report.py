"""The formal report (Báo cáo kết quả phong trào thi đua) as DOCX, from an editable template."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate

from reports.model import PersonCount, ReportInfo, Scope, Tally
from reports.periods import place_and_date

DEFAULT_TEMPLATE = Path(__file__).parent / "templates" / "bao_cao.docx"
ROMAN = {1: "I", 2: "II"}
FILL_IN = "………………………………………………… (Hội đồng bổ sung)"


def vi_number(value: float) -> str:
    """0,83 (Vietnamese decimal comma, two places)."""
    return f"{value:.2f}".replace(".", ",")


def scope_label(scope: Scope) -> str:
    """The period in words: 'học kỳ I năm học 2023-2024', 'tháng 02/2024', a campaign's name."""
    if scope.kind == "campaign":
        return scope.campaign_name
    if scope.kind == "year":
        return f"năm học {scope.school_year}"
    if scope.kind == "semester":
        return f"học kỳ {ROMAN.get(scope.semester, scope.semester)} năm học {scope.school_year}"
    if scope.kind == "month":
        return f"tháng {scope.start:%m/%Y}"
    return f"từ {scope.start:%d/%m/%Y} đến {scope.end:%d/%m/%Y}"


def _people(rows: list[PersonCount]) -> str:
    return "; ".join(
        f"{p.name}{f' ({p.department})' if p.department else ''}: {p.count}" for p in rows
    )


def context(tally: Tally, info: ReportInfo) -> dict[str, Any]:
    """The values the template's tags use (all text; docxtpl escapes it for XML)."""
    scope = tally.scope
    if scope.kind == "campaign":
        subject = f"“{scope.campaign_name}”"
        period_text = f"phong trào “{scope.campaign_name}”"
    else:
        subject = f"“Người tốt, việc tốt” {scope_label(scope)}"
        period_text = scope_label(scope)
    # A period still running is reported up to the report's date, not to its planned end.
    until = min(scope.end, info.today)
    return {
        "parent_name": info.parent_name,
        "org_name": info.org_name,
        # The council issues it; its direct parent body is the school (Nghị định 30/2020).
        "parent_line": info.org_name,
        "issuer_line": "Hội đồng Thi đua – Khen thưởng",
        "place_date": place_and_date(info.place, info.today),
        "subject": subject,
        "scope_line": f"(Từ ngày {scope.start:%d/%m/%Y} đến ngày {until:%d/%m/%Y})",
        "period_text": period_text,
        "total": tally.total,
        "approved": tally.approved,
        "rejected": tally.by_status.get("rejected", 0),
        "pending": tally.by_status.get("pending", 0),
        "changes": tally.by_status.get("changes_requested", 0),
        "departments": [
            {
                "name": d.name,
                "heads": d.heads,
                "approved": d.approved,
                "per_head": vi_number(d.per_head) if d.per_head is not None else "–",
            }
            for d in tally.departments
        ],
        "top_authors": _people(tally.top_authors),
        "top_nominees": _people(tally.top_nominees),
        "registrations": "; ".join(f"{r.label}: {r.count}" for r in tally.registrations),
        "proposals": info.proposals,
        "pending_proposals": info.pending_proposals,
        "recipients": info.recipients,
        "chair_name": info.chair_name,
        "signer_name": info.signer_name or info.chair_name,
        # Written by the council in Word after the export: marked places to fill in.
        "strengths": FILL_IN,
        "weaknesses": FILL_IN,
        "directions": FILL_IN,
        "requests": FILL_IN,
    }


def render_docx(tally: Tally, info: ReportInfo, template: Path | None = None) -> bytes:
    """Fill the template (the school's own, else the default) and return the .docx bytes."""
    document = DocxTemplate(str(template or DEFAULT_TEMPLATE))
    document.render(context(tally, info), autoescape=True)
    properties = document.docx.core_properties
    properties.author = properties.last_modified_by = info.org_name
    properties.title = f"Báo cáo kết quả phong trào thi đua – {scope_label(tally.scope)}"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
