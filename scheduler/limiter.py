"""One flood limiter for the whole bot, in front of every Bot API call (a PTB rate limiter).

Telegram's limits: about 30 messages per second per bot, 1 per second per private chat, 20 per
minute per group. Sliding windows, so bursts are cut exactly where Telegram would cut them. A 429
that still happens (another client on the same token, a stricter server) is honoured: the chat
(or the whole bot) waits `retry_after`, then the call is retried.
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
# Requests take a few milliseconds to reach Telegram, so two calls spaced exactly one window
# apart here may arrive closer together there. A small margin keeps us under the real limit.
MARGIN = 0.08


class SlidingWindow:
    """At most `limit` units in any `period` seconds; `blocked_until` pauses it after a 429."""

    def __init__(self, limit: int, period: float) -> None:
        self.limit, self.period = limit, period
        self.stamps: deque[float] = deque()
        self.blocked_until = 0.0

    def wait_time(self, now: float, cost: int) -> float:
        """Seconds until `cost` units fit (0 when they fit now)."""
        while self.stamps and self.stamps[0] <= now - self.period:
            self.stamps.popleft()
        cost = min(cost, self.limit)  # an album larger than the window waits for an empty one
        if len(self.stamps) + cost <= self.limit:
            return max(0.0, self.blocked_until - now)
        # The oldest stamps that must expire before `cost` more fit.
        expiring = self.stamps[len(self.stamps) + cost - self.limit - 1]
        return max(expiring + self.period - now, self.blocked_until - now, 0.001)

    def take(self, now: float, cost: int) -> None:
        """Record `cost` units sent at `now`."""
        self.stamps.extend([now] * min(cost, self.limit))


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
                self.global_window.take(now, cost)
                if chat is not None:
                    chat.take(now, cost)
                return
            await asyncio.sleep(wait)

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
        retries = self.max_retries if rate_limit_args is None else rate_limit_args
        for attempt in range(retries + 1):
            if sending:
                await self.acquire(chat_id, cost)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                delay = exc.retry_after
                seconds = delay.total_seconds() if hasattr(delay, "total_seconds") else float(delay)
                self.retries_after_429 += 1
                window = self._chat_window(chat_id) if chat_id is not None else self.global_window
                window.blocked_until = max(window.blocked_until, self.clock() + seconds)
                if attempt == retries:
                    raise
                log.info("429 on %s; retrying in %.1f s", endpoint, seconds)
                await asyncio.sleep(seconds)
        raise AssertionError("unreachable")
