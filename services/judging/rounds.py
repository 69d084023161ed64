"""A judging round: opened by the chair, its candidates gathered and listed, its result list."""

from __future__ import annotations

from services.base import UseCases


class Rounds(UseCases):
    """A judging round: opened by the chair, its candidates gathered and listed, its result list."""
