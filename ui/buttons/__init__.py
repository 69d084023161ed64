"""Button data: the typed kinds, one module per area (see base.py).

Importing the package registers every kind, so a press of any kind parses.
"""

from __future__ import annotations

from ui.buttons import (  # noqa: F401  (registers the kinds)
    achievements,
    broadcasts,
    campaigns,
    common,
    decisions,
    departments,
    facts,
    initiatives,
    judging,
    meetings,
    members,
    minutes,
    proposals,
    publication,
    publishing,
    reviews,
    settings,
    stories,
    tallies,
)
from ui.buttons.base import MAX_BYTES, MAX_INT, BadCallback, Button, any_of, parse

__all__ = [
    "MAX_BYTES",
    "MAX_INT",
    "BadCallback",
    "Button",
    "any_of",
    "parse",
]
