"""The flood limiter's windows, on a fake clock (no sleeping, no timing)."""

from __future__ import annotations

from delivery.limiter import SlidingWindow


def test_a_private_chat_gets_one_message_per_second() -> None:
    window = SlidingWindow(1, 1.0)
    assert window.wait_time(0.0, 1) == 0
    window.take(0.0, 1)
    assert 0.99 <= window.wait_time(0.01, 1) <= 1.0
    assert window.wait_time(1.0, 1) == 0


def test_a_group_gets_twenty_messages_per_minute() -> None:
    window = SlidingWindow(20, 60.0)
    for i in range(20):
        assert window.wait_time(i * 0.1, 1) == 0
        window.take(i * 0.1, 1)
    assert window.wait_time(2.0, 1) > 57
    assert window.wait_time(60.0, 1) == 0


def test_thirty_per_second_is_a_sliding_not_a_fixed_window() -> None:
    window = SlidingWindow(30, 1.0)
    for _ in range(30):
        window.take(0.9, 1)
    # A fixed window would reset at 1.0; a sliding one waits until 1.9.
    assert window.wait_time(1.0, 1) > 0.85


def test_an_album_counts_per_item_and_a_429_pauses_the_window() -> None:
    window = SlidingWindow(20, 60.0)
    window.take(0.0, 10)
    assert window.wait_time(0.0, 10) == 0
    window.take(0.0, 10)
    assert window.wait_time(0.0, 1) > 0
    fresh = SlidingWindow(1, 1.0)
    fresh.blocked_until = 5.0
    assert fresh.wait_time(1.0, 1) == 4.0
