"""Callback data: what the bot packs it parses back; anything else is refused."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from storage.models import Role
from ui.buttons import MAX_BYTES, MAX_INT, BadCallback, parse
from ui.buttons.members import DepartmentList, JoinDecided, MemberRole


def test_packed_data_round_trips() -> None:
    assert JoinDecided(12, approve=True).pack() == "v1:ja:12:1"
    assert parse("v1:ja:12:1") == JoinDecided(12, approve=True)
    assert parse(MemberRole(7, Role.COUNCIL).pack()) == MemberRole(7, Role.COUNCIL)
    assert DepartmentList().pack() == "v1:dl"
    assert parse("v1:dl") == DepartmentList()


@pytest.mark.parametrize(
    "data",
    [
        "",
        "v1",
        "v2:ja:1:1",
        "v1:zz:1",
        "v1:ja:1",
        "v1:ja:1:2",
        "v1:ja:-1:1",
        "v1:ja:01:1",
        "v1:mr:1:king",
        "v1:jd:1:extra",
        "v1:lang:fr",
        "v1:jd:" + "9" * 70,
        f"v1:jd:{MAX_INT + 1}",
    ],
)
def test_tampered_data_is_refused(data: str) -> None:
    with pytest.raises(BadCallback):
        parse(data)


@given(st.text(max_size=80))
def test_parser_never_crashes_on_arbitrary_text(data: str) -> None:
    try:
        parsed = parse(data)
    except BadCallback:
        return
    assert len(data.encode()) <= MAX_BYTES and parsed.kind


@given(st.integers(min_value=0, max_value=MAX_INT), st.booleans())
def test_largest_ids_still_fit_telegrams_64_bytes(ident: int, flag: bool) -> None:
    data = JoinDecided(ident, approve=flag).pack()
    assert len(data.encode()) <= MAX_BYTES
    assert parse(data) == JoinDecided(ident, approve=flag)
