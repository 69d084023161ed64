"""One flood limiter for the whole bot, in front of every Bot API call (a PTB rate limiter).

Telegram's limits: about 30 messages per second per bot, 1 per second per private chat, 20 per
minute per group. Sliding windows, so bursts are cut exactly where Telegram would cut them. A
message is counted from the moment it may go until Telegram has answered, and then at the time of
the answer: Telegram received it before we got the answer, and the next one leaves after it, so
however late a busy event loop or the network delivers a request, two messages a window apart here
are a window apart there too. (Counting at the start instead needs a guessed safety margin, which
either costs throughput or, under load, provokes 429s.) A 429 that still happens (another client
on the same token, a stricter server) is honoured: the chat (or the whole bot) waits
`retry_after`, then the call is retried.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from collections.abc import Callable, Coroutine
from typing import Any

from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

log = logging.getLogger(__name__)

SENDING = frozenset(
    {
        "sendMessage",
        "sendPhoto",
        "sendDocument",
        "sendMediaGroup",
        "sendVideo",
        "sendAudio",
        "sendVoice",
        "sendAnimation",
        "sendSticker",
        "sendLocation",
        "sendContact",
        "sendPoll",
        "copyMessage",
        "forwardMessage",
        "copyMessages",
        "forwardMessages",
    }
)
JSON = bool | dict[str, Any] | list[dict[str, Any]]
# Stamps are taken when Telegram's answer arrives (see above), so only clock granularity is left
# to cover.
MARGIN = 0.005
# While only messages in flight fill a window, look again this often (they end within an RTT).
IN_FLIGHT_POLL = 0.002
# A call's `rate_limit_args`: how many 429s to wait out before giving up (default `max_retries`).
# PTB drops a falsy value, so "give up at the first 429" is spelled NO_RETRY.
NO_RETRY = -1


class SlidingWindow:
    """At most `limit` units in any `period` seconds; `blocked_until` pauses it after a 429."""

    def __init__(self, limit: int, period: float) -> None:
        self.limit, self.period = limit, period
        self.stamps: deque[float] = deque()
        self.in_flight = 0  # units allowed to go whose answer has not come yet
        self.blocked_until = 0.0

    def wait_time(self, now: float, cost: int) -> float:
        """Seconds until `cost` units fit (0 when they fit now)."""
        while self.stamps and self.stamps[0] <= now - self.period:
            self.stamps.popleft()
        cost = min(cost, self.limit)  # an album larger than the window waits for an empty one
        excess = len(self.stamps) + self.in_flight + cost - self.limit
        if excess <= 0:
            return max(0.0, self.blocked_until - now)
        if excess > len(self.stamps):  # the window is full of messages still in flight
            return max(IN_FLIGHT_POLL, self.blocked_until - now)
        # The oldest stamps that must expire before `cost` more fit.
        expiring = self.stamps[excess - 1]
        return max(expiring + self.period - now, self.blocked_until - now, 0.001)

    def take(self, now: float, cost: int) -> None:
        """Record `cost` units sent (and answered) at `now`."""
        self.stamps.extend([now] * min(cost, self.limit))

    def begin(self, cost: int) -> None:
        """`cost` units may go now; they count as in flight until `end`."""
        self.in_flight += min(cost, self.limit)

    def end(self, now: float, cost: int) -> None:
        """The answer to `cost` units came at `now`: they count from now on, for one period."""
        cost = min(cost, self.limit)
        self.in_flight = max(0, self.in_flight - cost)
        self.take(now, cost)


class FloodLimiter(BaseRateLimiter[int]):
    """Global, per-private-chat and per-group sliding windows; honours `retry_after`."""

    def __init__(
        self,
        *,
        per_second: int = 30,
        per_chat_second: int = 1,
        per_group_minute: int = 20,
        max_retries: int = 5,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.per_second, self.per_chat_second = per_second, per_chat_second
        self.per_group_minute, self.max_retries = per_group_minute, max_retries
        self.clock = clock
        self.global_window = SlidingWindow(per_second, 1.0 + MARGIN)
        self.chats: dict[int | str, SlidingWindow] = {}
        self.retries_after_429 = 0

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""

    def _chat_window(self, chat_id: int | str) -> SlidingWindow:
        window = self.chats.get(chat_id)
        if window is None:
            is_group = isinstance(chat_id, str) or chat_id < 0
            window = (
                SlidingWindow(self.per_group_minute, 60.0 + MARGIN)
                if is_group
                else SlidingWindow(self.per_chat_second, 1.0 + MARGIN)
            )
            self.chats[chat_id] = window
        return window

    async def acquire(self, chat_id: int | str | None, cost: int = 1) -> None:
        """Wait until one more message (or an album of `cost`) may go to `chat_id`."""
        chat = self._chat_window(chat_id) if chat_id is not None else None
        while True:
            now = self.clock()
            wait = self.global_window.wait_time(now, cost)
            if chat is not None:
                wait = max(wait, chat.wait_time(now, cost))
            if wait <= 0:
                self.global_window.begin(cost)
                if chat is not None:
                    chat.begin(cost)
                return
            await asyncio.sleep(wait)

    def release(self, chat_id: int | str | None, cost: int = 1) -> None:
        """Telegram answered the message(s) `acquire` let go: count them from now."""
        now = self.clock()
        self.global_window.end(now, cost)
        if chat_id is not None:
            self._chat_window(chat_id).end(now, cost)

    async def process_request(
        self,
        callback: Callable[..., Coroutine[Any, Any, JSON]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: int | None,
    ) -> JSON:
        """Throttle sending methods, then call; on 429 pause that chat and retry."""
        chat_id: int | str | None = data.get("chat_id")
        if isinstance(chat_id, str) and chat_id.lstrip("-").isdigit():
            chat_id = int(chat_id)
        sending = endpoint in SENDING
        cost = len(data.get("media") or ()) or 1
        retries = self.max_retries if rate_limit_args is None else max(rate_limit_args, 0)
        for attempt in range(retries + 1):
            if sending:
                await self.acquire(chat_id, cost)
            try:
                result = await callback(*args, **kwargs)
            except RetryAfter as exc:
                if sending:
                    self.release(chat_id, cost)
                delay = exc.retry_after
                seconds = delay.total_seconds() if hasattr(delay, "total_seconds") else float(delay)
                self.retries_after_429 += 1
                window = self._chat_window(chat_id) if chat_id is not None else self.global_window
                window.blocked_until = max(window.blocked_until, self.clock() + seconds)
                if attempt == retries:
                    raise
                log.info("429 on %s; retrying in %.1f s", endpoint, seconds)
                await asyncio.sleep(seconds)
                continue
            except BaseException:  # sent or not, it may have reached Telegram: count it
                if sending:
                    self.release(chat_id, cost)
                raise
            if sending:
                self.release(chat_id, cost)
            return result
        raise AssertionError("unreachable")
