"""The school calendar follows each school's settings."""

from __future__ import annotations

from datetime import date

from services.calendar import month, school_year, semester


def test_the_school_year_starts_in_september() -> None:
    assert school_year(date(2024, 9, 5)).label == "2024-2025"
    assert school_year(date(2024, 9, 4)).label == "2023-2024"
    assert school_year(date(2025, 5, 31)).end == date(2025, 9, 5)


def test_semesters_split_in_mid_january() -> None:
    assert semester(date(2025, 1, 14)).label == "Học kỳ I 2024-2025"
    assert semester(date(2025, 1, 15)).label == "Học kỳ II 2024-2025"
    assert semester(date(2024, 12, 31)).start == date(2024, 9, 5)
    assert semester(date(2025, 3, 1), boundary="01-20").start == date(2025, 1, 20)


def test_months_cross_year_ends() -> None:
    assert month(date(2024, 12, 31)).end == date(2025, 1, 1)
    assert month(date(2024, 2, 29)).label == "Tháng 02/2024"
