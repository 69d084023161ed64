"""Buttons of the decision that comes back (quyết định khen thưởng): prefix "e"."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ui.buttons.base import Button


@dataclass(frozen=True)
class DecisionTick(Button, kind="et"):
    """In the chair's decision dialogue: tick or untick a passed candidate as granted."""

    candidate_id: int


@dataclass(frozen=True)
class DecisionSave(Button, kind="es"):
    """Record the decision with the ticked candidates, or throw the draft away."""

    action: Literal["save", "cancel"]
