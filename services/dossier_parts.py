"""What each room of the end-of-year cycle contributes to the dossier (hồ sơ đề nghị khen thưởng).

The dossier is assembled from parts: the publication room gives the record of the công khai and
each objection with its answer, the achievement reports room gives each nominee's report, the
dossier room itself gives the tờ trình, the list, the minutes and the evidence. A room also says
what stops the dossier from being built (an objection still open, the window not yet closed).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class DossierPart:
    """One file in the dossier's ZIP."""

    path: str  # inside the ZIP, e.g. "05-bao-cao-thanh-tich/01-nguyen-thi-lan.docx"
    title: str  # its line in the table of contents (Vietnamese)
    data: bytes
    section: str = ""  # the heading it is listed under in the table of contents


# A room's parts for a round: called with (session, round_id) and, by keyword, those it declares
# among `now`, `tz`, `files` and `titles` (services/dossier/content.py, _call).
PartSource = Callable[..., Awaitable[list[DossierPart]]]


@dataclass(frozen=True)
class DossierBlocker:
    """Why the dossier cannot be built yet: a text key and its arguments for ui templates."""

    key: str  # a macro name, e.g. "publication.blocked_open_objection"
    args: dict[str, object]


BlockerSource = Callable[..., Awaitable[list[DossierBlocker]]]  # called like a PartSource
