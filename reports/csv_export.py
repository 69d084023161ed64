"""CSV of one table: UTF-8 with a BOM (so Excel shows Vietnamese), fields separated by ";",
risky text kept as text.

Why ";": Excel splits a CSV on the list separator of the computer's regional settings, which is
";" in the Vietnamese format (where "," is the decimal comma), so a school's Excel opens it in
columns. The other way, "," with a `sep=,` first line, does not work here: Excel ignores `sep=`
in a file that starts with a byte order mark, and without the mark it shows Vietnamese letters
garbled. LibreOffice and scripts read ";" when told (csv.reader(f, delimiter=";")).
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from typing import IO
from zoneinfo import ZoneInfo

from reports.model import Sheet
from reports.safe import csv_cell

DELIMITER = ";"


def write_csv(out: IO[bytes], sheet: Sheet, tz: ZoneInfo) -> int:
    """Write the sheet's header and rows to `out`; returns the number of data rows."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    try:
        writer = csv.writer(text, delimiter=DELIMITER, lineterminator="\r\n")
        writer.writerow([c.header for c in sheet.columns])
        kinds = [c.kind for c in sheet.columns]
        count = 0
        for row in sheet.rows:
            writer.writerow(
                [_cell(kind, value, tz) for kind, value in zip(kinds, row, strict=False)]
            )
            count += 1
        text.flush()
    finally:
        text.detach()  # leave `out` open for the caller
    return count


def _cell(kind: str, value: object, tz: ZoneInfo) -> str:
    if value is None:
        return ""
    if kind == "datetime" and isinstance(value, datetime):
        local = value.astimezone(tz) if value.tzinfo else value
        return local.strftime("%d/%m/%Y %H:%M")
    if kind == "date" and isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if kind in ("int", "float"):
        return str(value)
    # Every text cell, not only those typed by users: names and reasons are user text too.
    return csv_cell(str(value))
