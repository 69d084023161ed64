"""Working days: weekends and the school's holidays skipped (pure functions, no clock)."""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from datetime import date, timedelta

_DATE = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{1,2})\s*/\s*(\d{4})\s*$", re.ASCII)
SATURDAY = 5


def parse_holidays(lines: Iterable[str]) -> frozenset[date]:
    """The holidays of the school's list (one dd/mm/yyyy a line); a line that is not a date is
    left out (the setting is free text)."""
    days = set()
    for line in lines:
        found = _DATE.match(str(line))
        if found is None:
            continue
        day, month, year = (int(part) for part in found.groups())
        try:
            days.add(date(year, month, day))
        except ValueError:
            continue
    return frozenset(days)


def is_working_day(day: date, holidays: Collection[date]) -> bool:
    """Monday to Friday and not a holiday."""
    return day.weekday() < SATURDAY and day not in holidays


def add_working_days(start: date, days: int, holidays: Collection[date]) -> date:
    """The `days`-th working day after `start` (start itself not counted; 0: start)."""
    day, left = start, days
    while left > 0:
        day += timedelta(days=1)
        if is_working_day(day, holidays):
            left -= 1
    return day


def previous_working_day(day: date, holidays: Collection[date]) -> date:
    """The last working day before `day`."""
    day -= timedelta(days=1)
    while not is_working_day(day, holidays):
        day -= timedelta(days=1)
    return day
