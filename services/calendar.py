"""The school calendar: school years and semesters from each school's own settings."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo


@dataclass(frozen=True)
class Period:
    """A half-open range of local dates [start, end) with a label."""

    start: date
    end: date
    label: str

    def bounds(self, tz: ZoneInfo) -> tuple[datetime, datetime]:
        """The period as aware datetimes (local midnight to local midnight)."""
        return (
            datetime.combine(self.start, time(), tzinfo=tz),
            datetime.combine(self.end, time(), tzinfo=tz),
        )


def _md(text: str) -> tuple[int, int]:
    month, day = (int(x) for x in text.split("-"))
    return month, day


DEFAULT_YEAR_START = "09-05"  # mm-dd: the calendar.year_start setting's default


def school_year(today: date, year_start: str = DEFAULT_YEAR_START) -> Period:
    """The school year containing `today` (it starts on `year_start`, mm-dd)."""
    month, day = _md(year_start)
    start = date(today.year, month, day)
    if today < start:
        start = date(today.year - 1, month, day)
    end = date(start.year + 1, month, day)
    return Period(start, end, f"{start.year}-{start.year + 1}")


def semester(today: date, year_start: str = "09-05", boundary: str = "01-15") -> Period:
    """Semester I (year start → boundary) or II (boundary → next year start) containing `today`."""
    year = school_year(today, year_start)
    month, day = _md(boundary)
    split = date(year.start.year + (1 if month < _md(year_start)[0] else 0), month, day)
    if today < split:
        return Period(year.start, split, f"Học kỳ I {year.label}")
    return Period(split, year.end, f"Học kỳ II {year.label}")


def month(today: date) -> Period:
    """The calendar month containing `today`."""
    start = today.replace(day=1)
    end = (start + timedelta(days=32)).replace(day=1)
    return Period(start, end, f"Tháng {start.month:02d}/{start.year}")


@dataclass(frozen=True)
class Examples:
    """Example values a prompt shows, from today and the school's calendar: never fixed years
    (a prompt saying "2025-2026" reads as stale from the next September on)."""

    year: str  # the current school year, as names and tallies write it: "2026-2027"
    start: date  # a day to start something: a week from today
    end: date  # a later day to end it: five weeks from today
    first_semester: tuple[date, date]  # the first semester of this school year, both ends included


def examples(today: date, year_start: str = "09-05", boundary: str = "01-15") -> Examples:
    """The examples prompts show on `today`."""
    year = school_year(today, year_start)
    first = semester(year.start, year_start, boundary)
    start = today + timedelta(days=7)
    return Examples(
        year=year.label,
        start=start,
        end=start + timedelta(days=28),
        first_semester=(first.start, first.end - timedelta(days=1)),
    )
