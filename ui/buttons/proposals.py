"""Commendation proposals."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ui.buttons.base import Button

Source = Literal["s", "r"]  # a story, a registration


@dataclass(frozen=True)
class Propose(Button, kind="pp"):
    """Propose a commendation for a story or a registration."""

    source: Source
    source_id: int


@dataclass(frozen=True)
class ProposalForm(Button, kind="pf"):
    """A proposal's form picked (index in the list)."""

    source: Source
    source_id: int
    form: int


@dataclass(frozen=True)
class ProposalLevel(Button, kind="pl"):
    """A proposal's level picked (index in the list): the proposal is made."""

    source: Source
    source_id: int
    form: int
    level: int


@dataclass(frozen=True)
class ProposalDismissed(Button, kind="pz"):
    """The picker is dismissed."""


@dataclass(frozen=True)
class ProposalChair(Button, kind="pc"):
    """The chair confirms (True) or declines (False) a proposal."""

    proposal_id: int
    confirm: bool


@dataclass(frozen=True)
class ProposalReason(Button, kind="pr"):
    """A canned reason to decline picked (index in the list)."""

    proposal_id: int
    index: int
