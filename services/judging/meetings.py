"""The council's judging meeting: scheduled, announced, reminded; members check in; the quorum."""

from __future__ import annotations

from services.base import UseCases


class Meetings(UseCases):
    """The judging meeting: scheduled, announced, reminded; members check in; the quorum."""
