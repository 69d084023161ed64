"""Buttons of the initiatives (sáng kiến): the call, the initiatives council, registering and
submitting, assigning reviewers, confirming, the decision."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ui.buttons.base import Button


@dataclass(frozen=True)
class InitiativesHome(Button, kind="qi"):
    """The /initiatives screen."""


@dataclass(frozen=True)
class InitiativesOpen(Button, kind="qo"):
    """The chair opens the year's call (confirm=False shows the dates first)."""

    confirm: bool


@dataclass(frozen=True)
class InitiativesJury(Button, kind="qj"):
    """The chair's list of members, to set the initiatives council."""


@dataclass(frozen=True)
class InitiativesJurySet(Button, kind="qk"):
    """Put a member on the initiatives council as its chair or a member, or take them off."""

    person_id: int
    role: Literal["chair", "member", "none"]


@dataclass(frozen=True)
class InitiativesRegister(Button, kind="qn"):
    """A member starts registering an initiative."""


@dataclass(frozen=True)
class InitiativesSubmit(Button, kind="qu"):
    """An author starts sending the write-up of an initiative."""

    entry_id: int


@dataclass(frozen=True)
class InitiativesSubmitDone(Button, kind="qd"):
    """An author has sent every file."""

    entry_id: int


@dataclass(frozen=True)
class InitiativesPanel(Button, kind="qp"):
    """The initiatives council chair's list of entries."""


@dataclass(frozen=True)
class InitiativesEntry(Button, kind="qe"):
    """One entry's card for the initiatives council chair."""

    entry_id: int


@dataclass(frozen=True)
class InitiativesAssign(Button, kind="qa"):
    """Assign a reviewer (a jury member's person id) to an entry."""

    entry_id: int
    person_id: int


@dataclass(frozen=True)
class InitiativesConfirm(Button, kind="qc"):
    """Confirm an entry's result."""

    entry_id: int


@dataclass(frozen=True)
class InitiativesDecision(Button, kind="qq"):
    """The draft decision recognising the initiatives (DOCX)."""


@dataclass(frozen=True)
class InitiativesRelax(Button, kind="qw"):
    """Let reviewers score entries of their own department (or stop it)."""

    allowed: bool
