"""Công khai and objections (kiến nghị): the chair publishes the round's final result list to
every member with read receipts and an objection window (working days, the school's holidays
skipped); members file objections privately; the chair (or the member she assigns) answers; a
result changes only through a recorded re-vote; the dossier gets the record and waits for every
objection to be answered and the window to close.

One module per concern: workdays (pure working-day arithmetic), common (the calendar rules,
the published lines, who may act), publish (publishing, receipts, the chair's panel), filing
(the member's durable objection dialogue), cards (an objection as shown), answers (assign,
answer), revotes (the re-vote), reminders (the scheduled notices), dossier (its parts and
blockers).
"""

from __future__ import annotations

from services.judging.publication.answers import Answering, Choices
from services.judging.publication.cards import Card
from services.judging.publication.filing import Filed, Filing, Step
from services.judging.publication.publish import Panel, Publishing, announcement_buttons
from services.judging.publication.revotes import (
    RevoteView,
    Revoting,
    ballot_buttons,
    progress_buttons,
)

__all__ = [
    "Card",
    "Choices",
    "Filed",
    "Panel",
    "Publications",
    "RevoteView",
    "Step",
    "announcement_buttons",
    "ballot_buttons",
    "progress_buttons",
]


class Publications(Publishing, Filing, Answering, Revoting):
    """The publication room's use cases (see the package's docstring)."""
