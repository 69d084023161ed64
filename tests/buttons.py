"""Samples of button data for the tests: for every typed kind, values the bot may write (a
hypothesis strategy and one fixed sample per field) and values its parser must refuse."""

from __future__ import annotations

import enum
import itertools
import typing
from collections.abc import Callable, Iterator
from dataclasses import fields
from datetime import date
from typing import Any, Literal, get_args, get_origin

from hypothesis import strategies as st

from reports import periods
from ui.buttons.base import KINDS, MAX_INT, Button, Parsed

_BAD_INTS = ["x", "-1", "01", str(MAX_INT + 1), "", "1e3", " 1", "1٢"]


def _scope_samples() -> st.SearchStrategy[str]:
    return st.one_of(
        st.sampled_from(["m", "s", "y"]),
        st.integers(0, MAX_INT).map(lambda n: f"c{n}"),
        st.dates(date(1000, 1, 1)).map(lambda d: periods.Period(d, d).code),
    )


# Custom string fields (Annotated[str, Parsed(fn)]), by the name of their parser: what the bot
# writes, one fixed sample, and what must be refused. A new custom field needs an entry here.
CUSTOM: dict[str, tuple[Callable[[], st.SearchStrategy[str]], str, list[str]]] = {
    "scope": (_scope_samples, "m", ["c-1", "x", "r2024-01", "c01", f"c{MAX_INT + 1}", ""]),
    "setting_key": (
        lambda: st.from_regex(r"\A[a-z]{1,12}\.[a-z_]{1,40}\Z"),
        "rules.quorum",
        ["rules", "Rules.quorum", "rules.quorum ", "a.b;c", "x" * 13 + ".a", ""],
    ),
    # ---- dossier ----
    "level_slug": (
        lambda: st.from_regex(r"\A[a-z0-9](?:[a-z0-9-]{0,28}[a-z0-9])?\Z"),
        "phuong-xa",
        ["Phường/Xã", "phuong xa", "-phuong", "phuong-", "x" * 31, "a:b", ""],
    ),
}


def kinds() -> list[type[Button]]:
    """Every typed kind, in a stable order."""
    return [KINDS[k] for k in sorted(KINDS)]


def hints(cls: type[Button]) -> list[tuple[str, Any]]:
    """(field name, type) of a kind, in packing order."""
    resolved = typing.get_type_hints(cls, include_extras=True)
    return [(f.name, resolved[f.name]) for f in fields(cls)]  # type: ignore[arg-type]


def _custom(hint: Any) -> tuple[Callable[[], st.SearchStrategy[str]], str, list[str]] | None:
    if get_origin(hint) is not typing.Annotated:
        return None
    for meta in get_args(hint)[1:]:
        if isinstance(meta, Parsed):
            name = meta.parse.__name__.strip("_").removeprefix("parse_")
            return CUSTOM[name]
    return None


def strategy(hint: Any) -> st.SearchStrategy[Any]:
    """Values of a field the bot may write."""
    custom = _custom(hint)
    if custom is not None:
        return custom[0]()
    if get_origin(hint) is typing.Annotated:
        return strategy(get_args(hint)[0])
    if get_origin(hint) is Literal:
        return st.sampled_from(get_args(hint))
    if hint is bool:
        return st.booleans()
    if hint is int:
        return st.integers(0, MAX_INT)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return st.sampled_from(list(hint))
    raise TypeError(hint)


def valid(hint: Any) -> str:
    """One value of a field as written in data."""
    custom = _custom(hint)
    if custom is not None:
        return custom[1]
    if get_origin(hint) is typing.Annotated:
        return valid(get_args(hint)[0])
    if get_origin(hint) is Literal:
        return str(get_args(hint)[0])
    if hint is bool or hint is int:
        return "1"
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return str(next(iter(hint)).value)
    raise TypeError(hint)


def invalid(hint: Any) -> Iterator[str]:
    """Values of a field its parser must refuse."""
    custom = _custom(hint)
    if custom is not None:
        yield from custom[2]
    elif get_origin(hint) is typing.Annotated:
        yield from invalid(get_args(hint)[0])
    elif hint is int:
        yield from _BAD_INTS
    elif hint is bool:
        yield from ["2", "", "true", "01"]
    else:
        yield from ["zz", "", "King", " "]


@st.composite
def buttons(draw: st.DrawFn) -> Button:
    """Any button the bot may put on a message."""
    cls = draw(st.sampled_from(kinds()))
    return cls(**{name: draw(strategy(hint)) for name, hint in hints(cls)})


def forgeries() -> list[str]:
    """For every kind: one field too many, one too few, each field malformed; then unknown kinds
    and versions."""
    out = []
    for cls in kinds():
        good = [valid(hint) for _, hint in hints(cls)]
        out.append(":".join(["v1", cls.kind, *good, "1"]))
        if good:
            out.append(":".join(["v1", cls.kind, *good[:-1]]))
        for i, (_, hint) in enumerate(hints(cls)):
            bad = next(itertools.islice(invalid(hint), i % 3, None), "zz")
            out.append(":".join(["v1", cls.kind, *good[:i], bad, *good[i + 1 :]]))
    out += ["v1:zz:1", "v1:", "v1", "v2:sd:1:approve", "garbage", "v1:SD:1:approve", ":", "v1::"]
    return out
