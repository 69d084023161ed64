"""Buttons of the judging round: the minutes (kinds "n…")."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ui.buttons.base import Button


@dataclass(frozen=True)
class MinutesDocument(Button, kind="nd"):
    """Send the minutes (and the count record) in the private chat: a version, 0 the newest."""

    meeting_id: int
    version: int = 0


@dataclass(frozen=True)
class MinutesVersions(Button, kind="nv"):
    """List every version of the minutes, each with its own button."""

    meeting_id: int


@dataclass(frozen=True)
class MinutesRemark(Button, kind="nr"):
    """The secretary (or the chair) adds a remark: they type it next."""

    meeting_id: int


@dataclass(frozen=True)
class MinutesFinalize(Button, kind="nf"):
    """The final version: asked first ("ask"), then made ("yes") or left for later ("no")."""

    meeting_id: int
    step: Literal["ask", "yes", "no"]
