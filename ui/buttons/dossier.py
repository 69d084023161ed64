"""Buttons of the dossier (kinds "y…")."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from ui.buttons.base import BadCallback, Button, Parsed

_SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,28}[a-z0-9])?$", re.ASCII)


def parse_level_slug(raw: str) -> str:
    """A deciding level as its button names it ('phuong-xa')."""
    if not _SLUG.match(raw):
        raise BadCallback(raw)
    return raw


@dataclass(frozen=True)
class DossierBuild(Button, kind="yb"):
    """Build (or rebuild) the round's dossier for one deciding level."""

    round_id: int
    level: Annotated[str, Parsed(parse_level_slug)]


@dataclass(frozen=True)
class DossierOverview(Button, kind="yo"):
    """The round's dossiers: levels, versions, what stops them."""

    round_id: int


@dataclass(frozen=True)
class DossierVersions(Button, kind="yv"):
    """Every kept version of the round's dossiers, each with its own button."""

    round_id: int


@dataclass(frozen=True)
class DossierCopy(Button, kind="yc"):
    """Send a kept version of a dossier again."""

    version_id: int
