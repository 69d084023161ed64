"""Formula injection: user text that a spreadsheet would read as a formula stays text."""

from __future__ import annotations

# What Excel, LibreOffice and Google Sheets start a formula (or DDE) with (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_risky(value: str) -> bool:
    """Would a spreadsheet take this text for a formula?"""
    return value.startswith(FORMULA_STARTS)


def csv_cell(value: str) -> str:
    """A CSV field that opens as text: a leading apostrophe before a risky first character."""
    return "'" + value if value.startswith(FORMULA_STARTS) else value
