"""Announcements: the draft, the audience, delivery and read receipts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ui.buttons.base import Button


@dataclass(frozen=True)
class BroadcastDraft(Button, kind="bd"):
    """The draft's next step: choose the audience, edit the text, send, cancel."""

    action: Literal["aud", "edit", "send", "cancel"]


@dataclass(frozen=True)
class BroadcastAudience(Button, kind="ba"):
    """An audience kind: everyone, the council, or the list of departments / campaigns."""

    audience: Literal["all", "council", "depts", "camps"]


@dataclass(frozen=True)
class BroadcastDepartment(Button, kind="bad"):
    """A department picked as the audience."""

    department_id: int


@dataclass(frozen=True)
class BroadcastCampaign(Button, kind="bac"):
    """A campaign picked as the audience (its participants)."""

    campaign_id: int


@dataclass(frozen=True)
class BroadcastStop(Button, kind="bx"):
    """Stop sending a broadcast."""

    broadcast_id: int


@dataclass(frozen=True)
class BroadcastSeenList(Button, kind="bs"):
    """Who has seen a broadcast (refresh: edit the list in place)."""

    broadcast_id: int
    refresh: bool


@dataclass(frozen=True)
class BroadcastRemind(Button, kind="bm"):
    """Remind those who have not confirmed."""

    broadcast_id: int


@dataclass(frozen=True)
class ReadReceipt(Button, kind="rr"):
    """A recipient's "Đã xem" (broadcast 0: the preview's button, which only explains itself)."""

    broadcast_id: int
