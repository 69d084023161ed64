"""The scheduler's pure planning: keys, times, staleness, time zones across month and year ends."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.campaigns import parse_reminders, parse_when
from services.errors import Invalid
from services.planner import campaign_notices, days_left, next_digest, next_stale_check

HN = ZoneInfo("Asia/Ho_Chi_Minh")


def test_a_campaign_gets_launch_reminders_and_closing_in_order() -> None:
    start = datetime(2025, 9, 5, 7, 0, tzinfo=HN)
    end = datetime(2025, 9, 30, 17, 0, tzinfo=HN)
    notices = campaign_notices(3, start, end, [1, 7])
    assert [n.kind for n in notices] == ["launch", "reminder", "reminder", "closing"]
    assert notices[1].due_at == datetime(2025, 9, 23, 17, 0, tzinfo=HN)
    assert notices[1].payload == {"days": 7}
    assert all(n.stale_after == end for n in notices[:3])
    assert notices[3].stale_after is not None and notices[3].stale_after > end


def test_reminders_before_the_start_are_not_planned() -> None:
    start = datetime(2025, 9, 28, 7, 0, tzinfo=HN)
    end = datetime(2025, 9, 30, 17, 0, tzinfo=HN)
    assert [n.payload.get("days") for n in campaign_notices(1, start, end, [7, 1])] == [
        None,
        1,
        None,
    ]


def test_moving_the_deadline_gives_new_reminder_keys() -> None:
    start = datetime(2025, 9, 5, 7, 0, tzinfo=HN)
    before = {n.key for n in campaign_notices(1, start, datetime(2025, 9, 30, 17, tzinfo=HN), [7])}
    after = {n.key for n in campaign_notices(1, start, datetime(2025, 10, 7, 17, tzinfo=HN), [7])}
    assert len(before & after) == 1  # only the launch is the same notice


def test_days_left_rounds_up() -> None:
    end = datetime(2025, 9, 30, 17, 0, tzinfo=HN)
    assert days_left(end - timedelta(days=7), end) == 7
    assert days_left(end - timedelta(days=6, hours=23), end) == 7
    assert days_left(end + timedelta(hours=1), end) == 0


def test_the_weekly_digest_falls_on_monday_morning_across_a_year_end() -> None:
    wednesday = datetime(2025, 12, 31, 10, 0, tzinfo=HN)
    digest = next_digest(1, wednesday.astimezone(UTC), HN)
    assert digest.due_at == datetime(2026, 1, 5, 7, 30, tzinfo=HN)
    assert digest.key == "digest:1:2026-W02"


def test_the_daily_check_moves_to_tomorrow_after_eight_local_time() -> None:
    # 01:30 UTC on 31/01 is 08:30 in Hà Nội: past today's 08:00, so 01/02 (a month end crossed).
    late = datetime(2025, 1, 31, 1, 30, tzinfo=UTC)
    check = next_stale_check(1, late, HN)
    assert check.due_at == datetime(2025, 2, 1, 8, 0, tzinfo=HN)
    early = datetime(2025, 1, 30, 23, 30, tzinfo=UTC)  # 06:30 on 31/01 local
    assert next_stale_check(1, early, HN).due_at.date() == datetime(2025, 1, 31).date()


def test_dates_are_typed_the_vietnamese_way_in_local_time() -> None:
    assert parse_when("05/09/2025", HN, default=time(7)) == datetime(2025, 9, 5, 7, tzinfo=HN)
    assert parse_when("5/9/2025 23:30", HN, default=time(7)).astimezone(UTC) == datetime(
        2025, 9, 5, 16, 30, tzinfo=UTC
    )


@pytest.mark.parametrize("text", ["31/02/2025", "29/02/2025", "12/13/2025", "05/09/2025 25:00"])
def test_impossible_dates_are_refused(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_when(text, HN, default=time(7))
    assert caught.value.key == "campaigns.no_such_date"


@pytest.mark.parametrize("text", ["2025-09-05", "mai", "05/09", ""])
def test_other_shapes_are_refused(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_when(text, HN, default=time(7))
    assert caught.value.key == "campaigns.bad_date"


def test_reminder_days_are_parsed_and_bounded() -> None:
    assert parse_reminders("7, 3,1") == [7, 3, 1]
    for bad in ("0", "61", "a", "1,2,3,4,5,6"):
        with pytest.raises(Invalid):
            parse_reminders(bad)
