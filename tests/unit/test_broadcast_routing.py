"""Routing of the broadcast buttons: each kind reaches exactly its handler, malformed data none."""

from __future__ import annotations

from typing import Any

import pytest
from telegram.ext import Application, CallbackQueryHandler

from handlers import broadcast, common, register


@pytest.fixture(scope="module")
def routes() -> list[CallbackQueryHandler[Any, Any]]:
    """The button handlers, in the order the application tries them."""
    app = Application.builder().token("1:routing-test").build()
    register(app)
    return [h for h in app.handlers[0] if isinstance(h, CallbackQueryHandler)]


def _route(routes: list[CallbackQueryHandler[Any, Any]], data: str) -> object:
    for handler in routes:
        pattern = handler.pattern
        if pattern is None or (callable(pattern) and pattern(data)):
            return handler.callback
    raise AssertionError(f"nothing routes {data!r}")


@pytest.mark.parametrize(
    ("data", "handler"),
    [
        ("v1:bd:aud", broadcast.on_draft_button),
        ("v1:bd:send", broadcast.on_draft_button),
        ("v1:ba:all", broadcast.on_audience),
        ("v1:ba:depts", broadcast.on_audience),
        ("v1:bad:3", broadcast.on_audience),
        ("v1:bac:4", broadcast.on_audience),
        ("v1:bx:5", broadcast.on_stop),
        ("v1:bs:6:0", broadcast.on_seen_list),
        ("v1:bs:6:1", broadcast.on_seen_list),
        ("v1:bm:7", broadcast.on_remind),
        ("v1:rr:0", broadcast.on_seen),
        ("v1:rr:8", broadcast.on_seen),
        # Forged or malformed: the polite "invalid button", never a broadcast handler.
        ("v1:bd:post", common.bad_button),
        ("v1:bs:6", common.bad_button),
        ("v1:bx:01", common.bad_button),
        ("v1:rr:1:1", common.bad_button),
    ],
)
def test_each_broadcast_button_reaches_its_handler(
    routes: list[CallbackQueryHandler[Any, Any]], data: str, handler: object
) -> None:
    assert _route(routes, data) is handler
