"""Typed button data: every kind packs within Telegram's 64 bytes and parses back to itself; the
parser refuses anything but exactly what the bot writes."""

from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from tests import buttons as samples
from ui.buttons.base import MAX_BYTES, BadCallback, Button, parse

# Data shaped like the bot's, with every part drawn from trouble: other digits, signs, spaces.
PART = st.one_of(
    st.sampled_from([cls.kind for cls in samples.kinds()] or ["lang"]),
    st.integers(-5, 2**40).map(str),
    st.sampled_from(["", " 1", "1 ", "+1", "01", "1٢", "²", "١", "1e3", "true", "vi", "approve"]),
    st.text(max_size=8),
)
shaped = st.lists(PART, max_size=6).map(lambda parts: ":".join(["v1", *parts]))


@given(samples.buttons())
def test_every_button_the_bot_can_write_fits_64_bytes_and_parses_back(button: Button) -> None:
    data = button.pack()
    assert len(data.encode()) <= MAX_BYTES
    assert parse(data) == button
    assert type(button).unpack(data) == button
    assert type(button).matches(data)


@given(st.one_of(st.text(max_size=120), shaped))
@example("v1:m:1٢")  # Arabic-Indic digits are digits to `\d`, and to int()
@example("v1:tl:r٢٠٢٤٠١٠١-20240102")
@example("v1:lang:vi:")
def test_the_parser_refuses_anything_but_exactly_what_the_bot_writes(data: str) -> None:
    try:
        button = parse(data)
    except BadCallback:
        return
    assert button.pack() == data  # one spelling per button, no aliases


@pytest.mark.parametrize("data", samples.forgeries())
def test_forged_data_is_refused(data: str) -> None:
    with pytest.raises(BadCallback):
        parse(data)


def test_a_kind_routes_only_its_own_whole_data() -> None:
    for cls in samples.kinds():
        good = ":".join(["v1", cls.kind, *(samples.valid(h) for _, h in samples.hints(cls))])
        assert cls.matches(good), good
        assert not cls.matches(good + ":1")
        others = [other for other in samples.kinds() if other is not cls]
        assert not any(other.matches(good) for other in others), good
