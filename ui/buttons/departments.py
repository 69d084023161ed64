"""Department heads (tổ trưởng) proposing the department's candidates in a judging round."""

from __future__ import annotations

from dataclasses import dataclass

from ui.buttons.base import Button


@dataclass(frozen=True)
class DeptReview(Button, kind="hv"):
    """Open the department's registrants in a round (sent to each head when the round opens):
    a head's own list, the departments for a leader."""

    round_id: int


@dataclass(frozen=True)
class DeptOpen(Button, kind="hd"):
    """Open one department's list in a round (a leader picks it; back from the note)."""

    round_id: int
    department_id: int


@dataclass(frozen=True)
class DeptToggle(Button, kind="ht"):
    """Flip one registrant's tick: Đề nghị ✓ / Không đề nghị (kept in the draft)."""

    round_id: int
    department_id: int
    candidate_id: int


@dataclass(frozen=True)
class DeptCollective(Button, kind="hc"):
    """Flip the department's own tick for a collective title (its index in the round's titles)."""

    round_id: int
    department_id: int
    title: int


@dataclass(frozen=True)
class DeptConfirm(Button, kind="hk"):
    """ "Xác nhận danh sách của tổ": the ticks wait for a short note."""

    round_id: int
    department_id: int


@dataclass(frozen=True)
class DeptNoNote(Button, kind="hn"):
    """Send the list without a note."""

    round_id: int
    department_id: int
