"""Department heads (tổ trưởng) proposing the department's candidates in a judging round."""

from __future__ import annotations

from dataclasses import dataclass

from ui.buttons.base import Button


@dataclass(frozen=True)
class DeptReview(Button, kind="hv"):
    """Open the department's registrants in a round (sent to each head when the round opens)."""

    round_id: int
