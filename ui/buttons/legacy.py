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


_SCOPE = re.compile(r"^(m|s|y|c(0|[1-9]\d{0,9})|r\d{8}-\d{8})$", re.ASCII)


def _scope(raw: str) -> str:
    """A tally's scope: this month / semester / school year, a campaign, or typed dates."""
    if not _SCOPE.match(raw) or (raw[0] == "c" and int(raw[1:]) > MAX_INT):
        raise BadCallback(raw)
    return raw


# kind -> argument parsers. Kinds are short because the 64-byte budget is shared with ids.
SPEC: dict[str, tuple[Callable[[str], object], ...]] = {
    "jd": (_int,),  # join: department picked
    "ja": (_int, _flag),  # join request: approve (1) / reject (0)
    "ml": (_int,),  # members list page
    "m": (_int,),  # member card
    "mr": (_int, _role),  # member: set role
    "mx": (_int,),  # member: deactivate
    "dl": (),  # departments list
    "d": (_int,),  # department card
    "da": (),  # department: add
    "dr": (_int,),  # department: rename
    "dx": (_int,),  # department: remove
    "ir": (),  # invite: rotate code
    "cs": (),  # new campaign: skip the description
    "cl": (_int,),  # new campaign: launching level (index in the school's list)
    "ck": (_choice("good_deeds", "registration", "opt_in"),),  # new campaign: kind
    "cm": (_choice("default", "none"),),  # new campaign: reminders
    "cp": (_choice("create", "cancel"),),  # new campaign: preview
    "ca": (),  # campaigns list
    "cc": (_int,),  # campaign card (edits the list it was opened from)
    "cn": (_int,),  # campaign card opened from a notice (a new message)
    "cg": (_int, _int),  # campaign: register a title
    "cw": (_int,),  # campaign: withdraw one's registration
    "cj": (_int,),  # campaign: join (opt-in)
    "ce": (_int,),  # campaign: change dates
    "cx": (_int,),  # campaign: close early (asks to confirm)
    "cy": (_int,),  # campaign: close early, confirmed
    "bd": (_choice("aud", "edit", "send", "cancel"),),  # broadcast draft: next step / send
    "ba": (_choice("all", "council", "depts", "camps"),),  # broadcast: audience kind
    "bad": (_int,),  # broadcast: a department picked
    "bac": (_int,),  # broadcast: a campaign picked (its participants)
    "bx": (_int,),  # broadcast: stop sending
    "bs": (_int, _flag),  # broadcast: who has seen it (1 = refresh in place)
    "bm": (_int,),  # broadcast: remind those who have not confirmed
    "rr": (_int,),  # read receipt "Đã xem" (0 = the preview's button)
    "sp": (_int,),  # story: publish to the school's channel
    "tl": (_scope,),  # tally: switch to a scope
    "te": (_scope,),  # tally: export the documents
    "tc": (_scope,),  # tally: the chart
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
