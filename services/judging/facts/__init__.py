"""The facts the titles' conditions need, per person and school year: XLSX or chat.

Entered once a year by the leaders (chair and vice-chair): each person's annual rating (mức độ
hoàn thành nhiệm vụ), the start of service (for the minimum-service rule), any discipline, and a
recognised initiative (the chair's to record, until the initiatives council is in the bot). Two
ways in: the XLSX the bot hands out pre-filled with the staff list, taken back whole or not at all
(every bad row named, nothing half-imported), or person by person in chat.

The year is the school year's first calendar year (2026 for 2026-2027): the open round's, else
the current one. A start date is entered once: a year without one uses the latest earlier year's.

Modules: store (the facts as stored, `facts_for` for the rounds), rows (a sheet's rows and typed
values, checked), cases (the use cases).
"""

from __future__ import annotations

from services.judging.facts.cases import (
    SHEET_MAX_BYTES,
    DepartmentLine,
    Facts,
    Imported,
    Overview,
    PeoplePage,
    PersonCard,
    PersonLine,
    SheetFile,
    Wanted,
    sheet_title,
    year_label,
)
from services.judging.facts.rows import (
    FIELDS,
    BadDate,
    Field,
    Problem,
    parse_rating,
    parse_start,
)
from services.judging.facts.store import facts_for

__all__ = [
    "FIELDS",
    "SHEET_MAX_BYTES",
    "BadDate",
    "DepartmentLine",
    "Facts",
    "Field",
    "Imported",
    "Overview",
    "PeoplePage",
    "PersonCard",
    "PersonLine",
    "Problem",
    "SheetFile",
    "Wanted",
    "facts_for",
    "parse_rating",
    "parse_start",
    "sheet_title",
    "year_label",
]
