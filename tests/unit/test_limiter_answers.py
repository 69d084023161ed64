"""The flood limiter counts a message from its answer: late delivery cannot bunch messages up."""

from __future__ import annotations

from delivery.limiter import SlidingWindow


def test_a_message_in_flight_holds_its_place_until_answered() -> None:
    window = SlidingWindow(2, 1.0)
    window.begin(1)
    window.begin(1)
    assert 0 < window.wait_time(5.0, 1) < 0.01  # full of messages in flight: look again soon
    window.end(0.3, 1)
    assert window.in_flight == 1 and window.wait_time(0.4, 1) > 0.85


def test_a_window_is_counted_from_the_answers_not_the_starts() -> None:
    window = SlidingWindow(1, 1.0)
    window.begin(1)  # allowed at 0.0, but the answer only comes at 0.25 (a slow network)
    window.end(0.25, 1)
    assert window.wait_time(1.0, 1) > 0.2  # one period after the answer, not after the start
    assert window.wait_time(1.25, 1) == 0
