"""Working days for the objection window and the answer deadline."""

from __future__ import annotations

from datetime import date

from services.judging.publication.workdays import (
    add_working_days,
    is_working_day,
    parse_holidays,
    previous_working_day,
)

FRIDAY = date(2027, 5, 28)
MONDAY = date(2027, 5, 31)


def test_five_working_days_from_a_monday_end_on_the_next_monday() -> None:
    assert add_working_days(MONDAY, 5, ()) == date(2027, 6, 7)


def test_the_weekend_is_skipped() -> None:
    assert add_working_days(FRIDAY, 1, ()) == MONDAY


def test_a_holiday_is_skipped() -> None:
    holidays = {date(2027, 9, 2)}  # a Thursday
    assert add_working_days(date(2027, 9, 1), 1, holidays) == date(2027, 9, 3)
    assert add_working_days(date(2027, 9, 1), 2, holidays) == date(2027, 9, 6)


def test_zero_days_is_the_start_itself() -> None:
    assert add_working_days(MONDAY, 0, ()) == MONDAY


def test_a_window_opened_on_a_saturday_counts_from_monday() -> None:
    assert add_working_days(date(2027, 5, 29), 1, ()) == MONDAY


def test_the_day_before_a_monday_is_the_friday() -> None:
    assert previous_working_day(MONDAY, ()) == FRIDAY


def test_the_day_before_skips_holidays_too() -> None:
    assert previous_working_day(MONDAY, {FRIDAY}) == date(2027, 5, 27)


def test_weekends_and_holidays_are_not_working_days() -> None:
    assert not is_working_day(date(2027, 5, 29), ())
    assert not is_working_day(date(2027, 5, 30), ())
    assert not is_working_day(MONDAY, {MONDAY})
    assert is_working_day(MONDAY, ())


def test_holidays_are_read_from_lines_and_bad_lines_left_out() -> None:
    found = parse_holidays(["02/09/2027", " 1/1/2028 ", "31/02/2027", "Tết", ""])
    assert found == {date(2027, 9, 2), date(2028, 1, 1)}
