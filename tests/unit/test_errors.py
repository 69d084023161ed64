"""The global error handler."""

from __future__ import annotations

import logging

import pytest


async def test_the_errors_kept_for_inspection_are_bounded() -> None:
    from types import SimpleNamespace
    from typing import Any, cast

    from bot.errors import ERRORS_KEPT, on_error

    context = SimpleNamespace(bot_data={}, error=None)
    for n in range(ERRORS_KEPT + 5):
        context.error = RuntimeError(n)
        await on_error(None, cast(Any, context))
    kept = context.bot_data["errors"]
    assert len(kept) == ERRORS_KEPT
    assert str(kept[-1]) == str(ERRORS_KEPT + 4)
    assert str(kept[0]) == "5"


def test_a_sender_failure_after_the_lease_is_lost_is_a_warning_not_an_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from typing import Any, cast

    from delivery.outbox import OutboxSender

    holds = True
    sender = OutboxSender(cast(Any, None), cast(Any, None), active=lambda: holds)
    with caplog.at_level(logging.WARNING, logger="delivery.outbox"):
        try:
            raise ConnectionError("terminating connection due to idle-in-transaction timeout")
        except ConnectionError as exc:
            sender._failed("outbox sweep failed; retrying shortly", exc)
            holds = False  # frozen past its lease, then woken: the standby took over
            sender._failed("outbox sweep failed; retrying shortly", exc)
    first, second = caplog.records
    assert (first.levelname, bool(first.exc_info)) == ("ERROR", True)
    assert (second.levelname, second.exc_info) == ("WARNING", None)
    assert "not the active one" in second.getMessage()
