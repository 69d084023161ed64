"""The untyped button kinds not yet moved to a class of their own (see ui/buttons/base.py).

Short, versioned callback data (`v1:<kind>:<args>`) and its one strict parser.

Telegram allows 1-64 bytes of callback data and returns it untouched, so anything pressed may
have been forged: the parser rejects unknown kinds, wrong arity and malformed arguments, and the
services then check the presser's rights anyway.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from storage.models import Role
from ui.buttons.base import MAX_BYTES, MAX_INT, VERSION, BadCallback
from ui.buttons.tallies import parse_scope as _scope  # noqa: F401  (tests still name it)

_INT = re.compile(r"^(0|[1-9]\d{0,9})$", re.ASCII)


def _int(raw: str) -> int:
    if not _INT.match(raw) or int(raw) > MAX_INT:
        raise BadCallback(raw)
    return int(raw)


def _flag(raw: str) -> bool:
    if raw not in ("0", "1"):
        raise BadCallback(raw)
    return raw == "1"


def _role(raw: str) -> Role:
    try:
        return Role(raw)
    except ValueError:
        raise BadCallback(raw) from None


def _choice(*allowed: str) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        if raw not in allowed:
            raise BadCallback(raw)
        return raw

    return parse


# kind -> argument parsers. Kinds are short because the 64-byte budget is shared with ids.
SPEC: dict[str, tuple[Callable[[str], object], ...]] = {
    "rp": (_choice("text", "photos", "send", "edit", "cancel", "et", "ep", "en"),),  # report flow
    "rn": (_choice("self", "colleague", "pupil", "group"),),  # report: who did it
    "rc": (_int,),  # report: colleague picked (membership id)
    "rcp": (_int,),  # report: colleague list page
    "rk": (_flag,),  # report: pupil consent given
    "rg": (_int,),  # report: campaign to attach (0: none)
    "sd": (_int, _choice("approve", "reject", "changes")),  # story decision
    "sr": (_int, _choice("reject", "changes"), _int),  # story: canned reason picked
    "so": (_int,),  # story: the chair reopens
    "se": (_int,),  # story: the author edits and resubmits
    "sw": (_int,),  # story: the author withdraws
    "sp": (_int,),  # story: publish to the school's channel
    "pp": (_choice("s", "r"), _int),  # propose a commendation: for a story / a registration
    "pf": (_choice("s", "r"), _int, _int),  # proposal: form picked (index in the list)
    "pl": (_choice("s", "r"), _int, _int, _int),  # proposal: level picked (index)
    "pz": (),  # proposal: the picker is dismissed
    "pc": (_int, _flag),  # proposal: the chair confirms (1) / declines (0)
    "pr": (_int, _int),  # proposal: canned reason to decline picked
}


@dataclass(frozen=True)
class Callback:
    """A parsed button press."""

    kind: str
    args: tuple[object, ...]

    def int(self, index: int = 0) -> int:
        """Argument `index` as an int (the parser already checked it)."""
        value = self.args[index]
        assert isinstance(value, int) and not isinstance(value, bool)
        return value


def pack(kind: str, *args: object) -> str:
    """Build callback data; refuses what the parser would refuse or Telegram would reject."""
    parts = [
        VERSION,
        kind,
        *(
            str(a.value if isinstance(a, Role) else int(a) if isinstance(a, bool) else a)
            for a in args
        ),
    ]
    data = ":".join(parts)
    unpack(data)
    return data


def unpack(data: str | None) -> Callback:
    """Parse callback data strictly; raise BadCallback on anything this bot did not produce."""
    if not data or len(data.encode()) > MAX_BYTES:
        raise BadCallback(repr(data))
    parts = data.split(":")
    if len(parts) < 2 or parts[0] != VERSION or parts[1] not in SPEC:
        raise BadCallback(data)
    parsers = SPEC[parts[1]]
    raw_args = parts[2:]
    if len(raw_args) != len(parsers):
        raise BadCallback(data)
    return Callback(
        parts[1], tuple(parse(raw) for parse, raw in zip(parsers, raw_args, strict=True))
    )
