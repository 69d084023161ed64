"""The global error handler."""

from __future__ import annotations


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
