"""Formula injection: user text that a spreadsheet would read as a formula stays text."""

from __future__ import annotations

import re

# What Excel, LibreOffice and Google Sheets start a formula (or DDE) with (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_risky(value: str) -> bool:
    """Would a spreadsheet take this text for a formula?"""
    return value.startswith(FORMULA_STARTS)


# Where a spreadsheet may cut a CSV field into cells: Excel splits on the list separator of the
# computer's regional settings (";" in Vietnamese, "," in English) and on tabs when pasted.
SEPARATORS = re.compile(r"([;,\t\r\n])([ ]*)(?=[=+\-@])")


def csv_cell(value: str) -> str:
    """A CSV field that opens as text wherever it is split: a leading apostrophe before a risky
    first character, and before a risky character that follows a separator (`…;=HYPERLINK(…)`
    would otherwise become a formula of its own cell once Excel splits the line on ";")."""
    value = SEPARATORS.sub(r"\1\2'", value)
    return "'" + value if value.startswith(FORMULA_STARTS) else value
