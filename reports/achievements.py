"""A nominee's achievement report (báo cáo thành tích) as DOCX, from an editable template in the
layout of the personal report form annexed to Nghị định 98/2023/NĐ-CP: the header of Nghị định
30/2020, I. Sơ lược lý lịch, II. Thành tích đạt được, III. Các hình thức đã được khen thưởng, and
the signatures (the nominee's, and the confirmation of the department head or the chair).

The use case (services/judging/achievements) reads the report and hands over plain data; this
module only words and lays it out (the wording of a document is Vietnamese whatever the reader's
language in chat)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from docxtpl import DocxTemplate

from reports.columns import ascii_slug
from reports.minutes import TEMPLATES
from reports.periods import place_and_date

TEMPLATE = TEMPLATES / "bao_cao_thanh_tich.docx"
NOTHING = "Không có."


@dataclass(frozen=True)
class HonourLine:
    """A title granted earlier (from the honours list), for part III."""

    year: str  # "2025-2026"
    title: str
    decision: str  # "Quyết định số 125/QĐ-UBND ngày 20/6/2026"
    signer: str


@dataclass(frozen=True)
class AchievementData:
    """Everything the report says, as plain values."""

    school: str
    parent_body: str
    place: str
    written: date  # the date line: the day it was confirmed, else submitted, else today
    school_year: str
    title: str
    writer: str  # the nominee (or, for a department, its head who writes)
    collective: str  # the department's name for a collective title, else ""
    gender: str  # "Nam" | "Nữ" | ""
    department: str
    position: str
    tasks: str
    results: str
    initiatives: str
    deeds: str
    honours: tuple[HonourLine, ...] = ()
    reviewer_role: str = "Tổ trưởng chuyên môn"
    reviewer: str = ""
    confirmed_on: date | None = None
    final: bool = False  # confirmed: no "(Dự thảo)" line


def lines(text: str) -> list[str]:
    """A typed answer as paragraphs (one per line typed), "Không có." when empty."""
    found = [line.strip() for line in text.splitlines() if line.strip()]
    return found or [NOTHING]


def file_name(data: AchievementData) -> str:
    """bao-cao-thanh-tich-nguyen-thi-lan.docx"""
    return f"bao-cao-thanh-tich-{ascii_slug(data.collective or data.writer)}.docx"


def context(data: AchievementData) -> dict[str, Any]:
    """The values the template's tags use (all text; docxtpl escapes it for XML)."""
    parent, issuer = (data.parent_body, data.school) if data.parent_body else (data.school, "")
    if data.collective:
        subject = f"Tập thể: {data.collective}, {data.school}"
        profile = [
            f"Tên tập thể: {data.collective}",
            f"Đơn vị: {data.school}",
            f"Người đại diện: {data.writer}" + (f", {data.position}" if data.position else ""),
        ]
    else:
        subject = f"{data.writer}" + (f", {data.position}" if data.position else "")
        subject += f", {data.school}"
        profile = [f"Họ và tên: {data.writer}"]
        if data.gender:
            profile.append(f"Giới tính: {data.gender}")
        profile += [
            "Sinh ngày, tháng, năm: ……………",
            f"Đơn vị công tác: {data.department + ', ' if data.department else ''}{data.school}",
            f"Chức vụ (đảng, chính quyền, đoàn thể): {data.position or '……………'}",
            "Trình độ chuyên môn, nghiệp vụ: ……………",
        ]
    confirmed = (
        f"Đã xác nhận {place_and_date(None, data.confirmed_on).lower()}"
        if data.confirmed_on
        else "(Chưa xác nhận)"
    )
    return {
        "parent_line": parent,
        "issuer_line": issuer,
        "place_date": place_and_date(data.place or None, data.written),
        "title": data.title,
        "school_year": data.school_year,
        "draft_line": "" if data.final else "(Dự thảo, chưa được xác nhận)",
        "subject_line": subject,
        "profile": profile,
        "tasks": lines(data.tasks),
        "results": lines(data.results),
        "initiatives": lines(data.initiatives),
        "deeds": lines(data.deeds),
        "honours": [
            {"year": h.year, "title": h.title, "decision": h.decision, "signer": h.signer}
            for h in data.honours
        ],
        "reviewer_role": data.reviewer_role,
        "reviewer_name": data.reviewer,
        "confirmation_line": confirmed,
        "writer_name": data.writer,
    }


def render(data: AchievementData) -> bytes:
    """The report as DOCX bytes."""
    document = DocxTemplate(TEMPLATE)
    document.render(context(data), autoescape=True)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
