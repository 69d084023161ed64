"""Issue 17, item 13: a campaign's dates are typed as Vietnamese write them, not only
dd/mm/yyyy; without a year, the next such day from today."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from services.campaigns import parse_when
from services.errors import Invalid

HN = ZoneInfo("Asia/Ho_Chi_Minh")
TODAY = date(2026, 12, 5)
SEVEN = time(7, 0)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("05/12/2026", datetime(2026, 12, 5, 7, 0, tzinfo=HN)),
        ("5/12/2026", datetime(2026, 12, 5, 7, 0, tzinfo=HN)),
        ("05-12-2026", datetime(2026, 12, 5, 7, 0, tzinfo=HN)),
        ("5.12.2026", datetime(2026, 12, 5, 7, 0, tzinfo=HN)),
        ("5/12", datetime(2026, 12, 5, 7, 0, tzinfo=HN)),  # today
        ("4/12", datetime(2027, 12, 4, 7, 0, tzinfo=HN)),  # passed this year: next year's
        ("20/1", datetime(2027, 1, 20, 7, 0, tzinfo=HN)),
        ("5-1 07:30", datetime(2027, 1, 5, 7, 30, tzinfo=HN)),
        ("29/2", datetime(2028, 2, 29, 7, 0, tzinfo=HN)),  # the next leap year
        (" 05/12/2026 14h00 ", datetime(2026, 12, 5, 14, 0, tzinfo=HN)),
    ],
)
def test_day_month_and_year_with_any_one_separator(typed: str, expected: datetime) -> None:
    assert parse_when(typed, HN, default=SEVEN, today=TODAY) == expected


@pytest.mark.parametrize("typed", ["5/12-2026", "2026-12-05", "12/2026", "5 12 2026", "hôm nay"])
def test_mixed_separators_or_other_orders_are_refused_as_not_a_date(typed: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_when(typed, HN, default=SEVEN, today=TODAY)
    assert caught.value.key == "campaigns.bad_date"


@pytest.mark.parametrize("typed", ["31/4", "31/02/2026", "32.1"])
def test_a_day_not_on_the_calendar_is_refused(typed: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_when(typed, HN, default=SEVEN, today=TODAY)
    assert caught.value.key == "campaigns.no_such_date"
