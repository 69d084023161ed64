"""Buttons of công khai and objections (kiến nghị): the chair's panel and publishing, "Đã đọc",
filing an objection, answering or assigning it, and the re-vote it may lead to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ui.buttons.base import Button

# ------------------------------------------------------------------------------ công khai


@dataclass(frozen=True)
class PubPanel(Button, kind="kp"):
    """The chair's publication panel of a round (refresh)."""

    round_id: int


@dataclass(frozen=True)
class PubPublish(Button, kind="kx"):
    """The chair publishes the round's result list to every member."""

    round_id: int


@dataclass(frozen=True)
class PubSeen(Button, kind="kr"):
    """A member's "Đã đọc" under the published list."""

    publication_id: int


# ------------------------------------------------------------------------ filing an objection


@dataclass(frozen=True)
class ObjStart(Button, kind="ks"):
    """ "Gửi kiến nghị" under the published list."""

    publication_id: int


@dataclass(frozen=True)
class ObjTarget(Button, kind="kt"):
    """The candidate the objection is about (0: the whole list)."""

    candidate_id: int


@dataclass(frozen=True)
class ObjNoFile(Button, kind="kf"):
    """No photo or file with the objection."""


@dataclass(frozen=True)
class ObjName(Button, kind="kn"):
    """Whether the council may see the filer's name."""

    show: bool


@dataclass(frozen=True)
class ObjSend(Button, kind="ko"):
    """File the objection from its preview, or throw the draft away."""

    action: Literal["send", "cancel"]


# ------------------------------------------------------------------------ answering, re-voting


@dataclass(frozen=True)
class ObjAnswer(Button, kind="ka"):
    """The chair (or the member she assigned) answers an objection."""

    objection_id: int


@dataclass(frozen=True)
class ObjAssign(Button, kind="kg"):
    """The chair assigns a council member to answer (person 0: show the members)."""

    objection_id: int
    person_id: int


@dataclass(frozen=True)
class RevoteOpen(Button, kind="kv"):
    """The chair opens a re-vote on the candidate an objection is about."""

    objection_id: int


@dataclass(frozen=True)
class RevoteCast(Button, kind="kb"):
    """A council member's vote in a re-vote."""

    revote_id: int
    yes: bool


@dataclass(frozen=True)
class RevoteClose(Button, kind="kc"):
    """The chair's re-vote controls: refresh the count of votes, or close and count."""

    revote_id: int
    close: bool
