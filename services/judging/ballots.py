"""The council's votes, title by title: open or secret, changed until closed, counted."""

from __future__ import annotations

from services.base import UseCases


class Ballots(UseCases):
    """The council's votes, title by title: open or secret, changed until closed, counted."""
