"""What the dossier's use cases return: plain views, and the refusal that lists the blockers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from markupsafe import Markup

from services.errors import NotAllowed


class Blocked(NotAllowed):
    """The dossier cannot be built yet; `reasons` say why, already in the chair's words."""

    def __init__(self, reasons: Sequence[str]) -> None:
        super().__init__("dossier.blocked", reasons=reasons)
        self.reasons = list(reasons)


@dataclass(frozen=True)
class LevelLine:
    """A deciding level of the round: how many passed for it, its newest dossier."""

    level: str
    slug: str
    nominees: int
    version: int | None
    built_at: datetime | None


@dataclass(frozen=True)
class Overview:
    """The round's dossiers as the chair sees them."""

    round_id: int
    round_name: str
    levels: tuple[LevelLine, ...]
    blockers: tuple[Markup, ...]


@dataclass(frozen=True)
class VersionLine:
    """A kept version, as the listing shows it."""

    id: int
    level: str
    version: int
    created_at: datetime
    nominees: int
    photos: int
    missing: int
    size: int


@dataclass(frozen=True)
class MissingPhoto:
    """A photo the dossier could not include, and why."""

    nominee: str
    story_id: int
    position: int
    reason: str  # "gone" | "too_large"


@dataclass(frozen=True)
class Built:
    """A dossier ready to send: a new version, or the newest one when nothing changed."""

    round_id: int
    level: str
    slug: str
    addressee: str
    version: int
    name: str
    path: Path
    size: int
    nominees: int
    photos: int
    missing: tuple[MissingPhoto, ...]
    new: bool
