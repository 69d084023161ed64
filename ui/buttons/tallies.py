"""Tallies, exports and charts: the buttons under a tally, each carrying the scope it is for."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from ui.buttons.base import MAX_INT, BadCallback, Button, Parsed

_SCOPE = re.compile(r"^(m|s|y|c(0|[1-9]\d{0,9})|r\d{8}-\d{8})$", re.ASCII)


def parse_scope(raw: str) -> str:
    """A tally's scope: this month / semester / school year, a campaign, or typed dates."""
    if not _SCOPE.match(raw) or (raw[0] == "c" and int(raw[1:]) > MAX_INT):
        raise BadCallback(raw)
    return raw


ScopeCode = Annotated[str, Parsed(parse_scope)]  # m | s | y | c<id> | r<yyyymmdd>-<yyyymmdd>


@dataclass(frozen=True)
class TallyScope(Button, kind="tl"):
    """A period or campaign button under a tally: switch to that scope."""

    scope: ScopeCode


@dataclass(frozen=True)
class TallyExport(Button, kind="te"):
    """The export button under a tally: the documents of its scope."""

    scope: ScopeCode


@dataclass(frozen=True)
class TallyChart(Button, kind="tc"):
    """The chart button under a tally: the chart of its scope."""

    scope: ScopeCode
