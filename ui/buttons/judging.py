"""The judging round: the chair's round and meeting controls, the members' votes."""

from __future__ import annotations

from dataclasses import dataclass

from ui.buttons.base import Button


@dataclass(frozen=True)
class RoundView(Button, kind="ov"):
    """Show a round: its titles, candidates, warnings, what is next (/round)."""

    round_id: int


@dataclass(frozen=True)
class RoundOpen(Button, kind="oo"):
    """The chair opens a judging round for the current school year (with the school's titles)."""


@dataclass(frozen=True)
class RoundClose(Button, kind="oc"):
    """The chair closes the round: its result list is final."""

    round_id: int


@dataclass(frozen=True)
class VoteOpen(Button, kind="vo"):
    """The chair opens the vote on one title (its index in the round's titles)."""

    meeting_id: int
    title: int


@dataclass(frozen=True)
class VoteCast(Button, kind="vc"):
    """A member's vote on one candidate: Đồng ý (True) or Không đồng ý (False)."""

    ballot_id: int
    candidate_id: int
    yes: bool


@dataclass(frozen=True)
class VoteRest(Button, kind="vr"):
    """A member agrees with every candidate on this page they have not voted on yet."""

    ballot_id: int
    page: int


@dataclass(frozen=True)
class VoteClose(Button, kind="vx"):
    """The chair closes one title's vote: the count and the results."""

    ballot_id: int


@dataclass(frozen=True)
class VoteStatus(Button, kind="vs"):
    """The chair refreshes one vote's progress ("đã bỏ phiếu 7/9")."""

    ballot_id: int


@dataclass(frozen=True)
class MeetingClose(Button, kind="vm"):
    """The chair ends the meeting: the minutes are written."""

    meeting_id: int
