"""Buttons of the judging round: the council's meeting (scheduling, absence, opening, check-in)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ui.buttons.base import Button

# ---------------------------------------------------------------------------- the chair schedules


@dataclass(frozen=True)
class MeetingAgendaDefault(Button, kind="ga"):
    """Scheduling: use the default agenda."""


@dataclass(frozen=True)
class MeetingSecretary(Button, kind="gs"):
    """Scheduling: the secretary (a council member's person id; 0: none, when nobody else is on
    the council)."""

    person_id: int


@dataclass(frozen=True)
class MeetingConfirm(Button, kind="gc"):
    """Scheduling: schedule the meeting from the preview, or throw the draft away."""

    action: Literal["create", "cancel"]


@dataclass(frozen=True)
class MeetingReschedule(Button, kind="gr"):
    """The chair moves the scheduled meeting (schedules again; the old one is cancelled)."""


@dataclass(frozen=True)
class MeetingCancel(Button, kind="gx"):
    """The chair cancels the scheduled meeting (confirm=False asks first)."""

    meeting_id: int
    confirm: bool


# ---------------------------------------------------------------------------- at the meeting


@dataclass(frozen=True)
class MeetingAbsent(Button, kind="gb"):
    """A member reports an absence ("Báo vắng"); the reason is asked next."""

    meeting_id: int


@dataclass(frozen=True)
class MeetingOpen(Button, kind="go"):
    """The chair opens the meeting ("Bắt đầu họp")."""

    meeting_id: int


@dataclass(frozen=True)
class MeetingCheckIn(Button, kind="gi"):
    """A member checks in at the open meeting ("✋ Điểm danh")."""

    meeting_id: int
