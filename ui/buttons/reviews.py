"""Buttons of the review engine's score sheets (any kind of call: initiatives, the contest)."""

from __future__ import annotations

from dataclasses import dataclass

from ui.buttons.base import Button


@dataclass(frozen=True)
class ReviewSheets(Button, kind="qh"):
    """The reviewer's list of score sheets."""


@dataclass(frozen=True)
class ReviewSheet(Button, kind="qs"):
    """Open one score sheet (private chat)."""

    sheet_id: int


@dataclass(frozen=True)
class ReviewMark(Button, kind="qm"):
    """Give a criterion (by index) a mark."""

    sheet_id: int
    index: int
    mark: int


@dataclass(frozen=True)
class ReviewRedo(Button, kind="qr"):
    """Clear a criterion's mark to give it again."""

    sheet_id: int
    index: int


@dataclass(frozen=True)
class ReviewSend(Button, kind="qx"):
    """Send the complete sheet."""

    sheet_id: int


@dataclass(frozen=True)
class ReviewLater(Button, kind="ql"):
    """Leave the sheet for now (the marks given are kept)."""

    sheet_id: int
