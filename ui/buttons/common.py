"""Buttons every user meets: the language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ui.buttons.base import Button


@dataclass(frozen=True)
class LanguageChosen(Button, kind="lang"):
    """A language button (/lang)."""

    locale: Literal["vi", "en"]
