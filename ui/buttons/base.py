"""Typed button data: one small frozen dataclass per kind, which packs and unpacks itself.

Data is `v1:<kind>:<field>:<field>...` (Telegram allows 1-64 bytes and returns it untouched, so
anything pressed may be forged). A kind's class declares its fields with types; the parser takes
only what `pack` can produce (ASCII digits in range, a listed choice, a known role) and refuses
the rest with `BadCallback`. The services still check the presser's rights.

    @dataclass(frozen=True)
    class StoryDecision(Button, kind="sd"):
        story_id: int
        verdict: Literal["approve", "reject", "changes"]

    StoryDecision(story_id=7, verdict="approve").pack()   # "v1:sd:7:approve"
    StoryDecision.unpack(query.data)                       # parsed once per data, then cached
    CallbackQueryHandler(on_decision, pattern=StoryDecision.matches)   # routed by its prefix
"""

from __future__ import annotations

import enum
import functools
import re
import typing
from collections.abc import Callable
from dataclasses import fields
from typing import Any, ClassVar, Literal, Self, get_args, get_origin

VERSION = "v1"
MAX_BYTES = 64
# Numbers in callback data are database ids and page numbers: 32-bit integer columns, so a
# forged larger number is refused here rather than reaching the database (PostgreSQL rejects it).
MAX_INT = 2**31 - 1
# ASCII digits only: `\d` alone also matches other scripts' digits (int() reads "1٢" as 12),
# which would give one button two spellings.
_INT = re.compile(r"^(0|[1-9]\d{0,9})$", re.ASCII)


class BadCallback(ValueError):
    """Callback data that this bot did not produce."""


def parse_int(raw: str) -> int:
    """A non-negative 32-bit integer written the one way `pack` writes it."""
    if not _INT.match(raw) or int(raw) > MAX_INT:
        raise BadCallback(raw)
    return int(raw)


def parse_flag(raw: str) -> bool:
    """ "1" or "0"."""
    if raw not in ("0", "1"):
        raise BadCallback(raw)
    return raw == "1"


class Parsed:
    """`Annotated[str, Parsed(check)]`: a string field with its own strict parser."""

    def __init__(self, parse: Callable[[str], Any]) -> None:
        self.parse = parse


def _parser(hint: Any) -> Callable[[str], Any]:
    origin = get_origin(hint)
    if origin is typing.Annotated:
        base, *meta = get_args(hint)
        for item in meta:
            if isinstance(item, Parsed):
                return item.parse
        return _parser(base)
    if origin is Literal:
        allowed = tuple(str(a) for a in get_args(hint))

        def choice(raw: str) -> str:
            if raw not in allowed:
                raise BadCallback(raw)
            return raw

        return choice
    if hint is bool:
        return parse_flag
    if hint is int:
        return parse_int
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        members = hint

        def member(raw: str) -> Any:
            try:
                return members(raw)
            except ValueError:
                raise BadCallback(raw) from None

        return member
    raise TypeError(f"no button field parser for {hint!r}")


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, enum.Enum):
        return str(value.value)
    return str(value)


KINDS: dict[str, type[Button]] = {}


class Button:
    """Base of every button kind (subclasses are frozen dataclasses with typed fields)."""

    kind: ClassVar[str]
    _parsers: ClassVar[tuple[Callable[[str], Any], ...] | None] = None

    def __init_subclass__(cls, kind: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if kind in KINDS or ":" in kind:
            raise TypeError(f"button kind {kind!r} is taken or malformed")
        cls.kind = kind
        KINDS[kind] = cls

    @classmethod
    def _field_parsers(cls) -> tuple[Callable[[str], Any], ...]:
        if cls._parsers is None:
            hints = typing.get_type_hints(cls, include_extras=True)
            cls._parsers = tuple(_parser(hints[f.name]) for f in fields(cls))  # type: ignore[arg-type]
        return cls._parsers

    def pack(self) -> str:
        """The callback data; refuses what the parser would refuse or Telegram would reject."""
        values = (getattr(self, f.name) for f in fields(self))  # type: ignore[arg-type]
        data = ":".join([VERSION, self.kind, *(_text(v) for v in values)])
        if parse(data) != self:
            raise ValueError(f"{self!r} does not survive packing")
        return data

    @classmethod
    def unpack(cls, data: str | None) -> Self:
        """This kind's button from callback data; BadCallback on anything else."""
        pressed = parse(data)
        if not isinstance(pressed, cls):
            raise BadCallback(repr(data))
        return pressed

    @classmethod
    def matches(cls, data: object) -> bool:
        """A routing pattern: the data is this kind's, and whole (malformed data falls through)."""
        if not isinstance(data, str):
            return False
        prefix = f"{VERSION}:{cls.kind}"
        if data != prefix and not data.startswith(prefix + ":"):
            return False
        try:
            return isinstance(parse(data), cls)
        except BadCallback:
            return False


def any_of(*kinds: type[Button]) -> Callable[[object], bool]:
    """A routing pattern for a handler that takes several kinds."""
    return lambda data: any(kind.matches(data) for kind in kinds)


@functools.lru_cache(maxsize=4096)
def _parse(data: str) -> Button:
    if len(data.encode()) > MAX_BYTES:
        raise BadCallback(repr(data))
    version, _, rest = data.partition(":")
    kind, _, args = rest.partition(":")
    cls = KINDS.get(kind)
    if version != VERSION or cls is None:
        raise BadCallback(data)
    raw = args.split(":") if args or data.endswith(":") else []
    parsers = cls._field_parsers()
    if len(raw) != len(parsers):
        raise BadCallback(data)
    return cls(*(p(r) for p, r in zip(parsers, raw, strict=True)))


def parse(data: str | None) -> Button:
    """The button behind callback data, parsed once per distinct data (then cached)."""
    if not data:
        raise BadCallback(repr(data))
    return _parse(data)
