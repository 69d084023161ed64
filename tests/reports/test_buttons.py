"""The buttons under a tally: the same data as before, strictly parsed, routed to their handler."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from telegram import CallbackQuery, Update, User
from telegram.ext import Application, CallbackQueryHandler

from handlers import common, register, reports
from reports import periods
from services import tallies
from services.errors import Invalid
from ui.buttons import MAX_BYTES, MAX_INT, BadCallback, parse
from ui.buttons.tallies import TallyChart, TallyExport, TallyScope

KINDS = (TallyScope, TallyExport, TallyChart)


def test_the_data_is_what_the_legacy_encoding_wrote() -> None:
    assert TallyScope(scope="m").pack() == "v1:tl:m"
    assert TallyExport(scope="c7").pack() == "v1:te:c7"
    assert TallyChart(scope="r20240901-20250115").pack() == "v1:tc:r20240901-20250115"
    assert TallyScope.unpack("v1:tl:y") == TallyScope(scope="y")
    assert parse(f"v1:tc:c{MAX_INT}") == TallyChart(scope=f"c{MAX_INT}")


@pytest.mark.parametrize(
    "data",
    [
        "v1:tl",
        "v1:tl:",
        "v1:tl:x",
        "v1:tl:M",
        "v1:tl:c",
        "v1:tl:c01",
        "v1:tl:c-1",
        f"v1:tl:c{MAX_INT + 1}",
        "v1:te:r2024-2025",
        "v1:te:r20240901-2025011",
        "v1:tc:r\u0662\u0660\u0662\u066420901-20250115",  # other scripts' digits
        "v1:tl:m:extra",
        "v2:tl:m",
    ],
)
def test_forged_scopes_are_refused(data: str) -> None:
    with pytest.raises(BadCallback):
        parse(data)
    assert not any(kind.matches(data) for kind in KINDS)


def test_a_scope_the_parser_refuses_is_not_packed() -> None:
    with pytest.raises(BadCallback):
        TallyScope(scope="week").pack()


@given(st.text(max_size=40))
@example("01/01/0999-02/01/0999")  # a year before 1000: the button code must still parse
@example("học kỳ")
def test_a_typed_period_is_a_scope_every_tally_button_can_carry(text: str) -> None:
    try:
        code = tallies.scope_code(text)
    except Invalid as refusal:
        assert refusal.key == "reports.bad_period"
        return
    for kind in KINDS:
        data = kind(scope=code).pack()
        assert len(data.encode()) <= MAX_BYTES and kind.unpack(data) == kind(scope=code)
    if code.startswith("r"):
        assert periods.from_code(code) == periods.parse_range(text)


@given(st.dates(date(1000, 1, 1)), st.integers(0, MAX_INT))
def test_every_period_and_campaign_fits(day: date, campaign: int) -> None:
    for code in (periods.Period(day, day).code, f"c{campaign}"):
        for kind in KINDS:
            assert kind.unpack(kind(scope=code).pack()).scope == code


def _handler_of(app: Application, data: str) -> object:
    update = Update(
        1,
        callback_query=CallbackQuery("1", User(1, "A", False), chat_instance="c", data=data),
    )
    for handler in app.handlers[0]:
        if isinstance(handler, CallbackQueryHandler) and handler.check_update(update):
            return handler.callback
    return None


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("v1:tl:s", reports.on_tally_scope),
        ("v1:te:c12", reports.on_export),
        ("v1:tc:r20240901-20250115", reports.on_chart),
    ],
)
def test_each_button_reaches_its_handler_and_a_forged_one_the_bad_button_reply(
    data: str, expected: object
) -> None:
    app = Application.builder().token("1:test").build()
    register(app)
    assert _handler_of(app, data) is expected
    assert _handler_of(app, data + "x") is common.bad_button
