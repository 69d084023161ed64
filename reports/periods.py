"""Typed periods (dd/mm/yyyy-dd/mm/yyyy) and the date line of an official document.

Months, semesters and school years come from services/calendar.py (the school's own settings);
this module only parses what people type and writes dates the way Decree 30/2020 asks.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# "01/09/2024-15/01/2025", with any dash, "đến"/"to", or spaces between the two dates.
_RANGE = re.compile(
    r"^\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*(?:-|–|—|đến|to|\s)\s*(\d{1,2})/(\d{1,2})/(\d{4})\s*$",
    re.IGNORECASE,
)
MAX_DAYS = 366 * 5  # a typed range longer than five school years is surely a typo


class BadPeriod(ValueError):
    """Typed dates that do not make a period."""


@dataclass(frozen=True)
class Period:
    """Whole days from `start` to `end` (both included), in the school's time zone."""

    start: date
    end: date

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """[from, to) as aware UTC datetimes, for comparing with stored moments."""
        start = datetime.combine(self.start, time(), tz).astimezone(UTC)
        end = datetime.combine(self.end + timedelta(days=1), time(), tz).astimezone(UTC)
        return start, end

    @property
    def code(self) -> str:
        """The button code: r20240901-20250115 (years before 1000 zero-padded, as `from_code`
        and the button parser read eight digits)."""
        return f"r{self.start.year:04d}{self.start:%m%d}-{self.end.year:04d}{self.end:%m%d}"


def parse_range(text: str) -> Period:
    """Typed 'dd/mm/yyyy-dd/mm/yyyy' (both days included); BadPeriod if it is not one."""
    match = _RANGE.match(text)
    if match is None:
        raise BadPeriod(text)
    d1, m1, y1, d2, m2, y2 = (int(g) for g in match.groups())
    try:
        start, end = date(y1, m1, d1), date(y2, m2, d2)
    except ValueError:
        raise BadPeriod(text) from None
    if end < start or (end - start).days > MAX_DAYS:
        raise BadPeriod(text)
    return Period(start, end)


def from_code(code: str) -> Period:
    """The typed range a button code (r20240901-20250115) names."""
    match = re.fullmatch(r"r(\d{8})-(\d{8})", code)
    if match is None:
        raise BadPeriod(code)
    try:
        start = datetime.strptime(match.group(1), "%Y%m%d").date()
        end = datetime.strptime(match.group(2), "%Y%m%d").date()
    except ValueError:
        raise BadPeriod(code) from None
    if end < start or (end - start).days > MAX_DAYS:
        raise BadPeriod(code)
    return Period(start, end)


def two_digits_early(value: int, below: int) -> str:
    """Decree 30/2020 writes days below 10 and months below 3 with a leading zero."""
    return f"{value:02d}" if value < below else str(value)


def place_and_date(place: str | None, day: date) -> str:
    """'Long Biên, ngày 23 tháng 02 năm 2024' (Nghị định 30/2020/NĐ-CP, form of the date)."""
    text = (
        f"ngày {two_digits_early(day.day, 10)} tháng {two_digits_early(day.month, 3)} "
        f"năm {day.year}"
    )
    return f"{place}, {text}" if place else text.capitalize()
