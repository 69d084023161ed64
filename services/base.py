"""What every use case is bound to, once, at start-up: sessions, texts, the clock, the zone.

A handler calls one method of an area's use cases
(`context.services.stories.approve(story_id=…, reviewer_tg_id=…)`); the method is the unit of
work: it opens the session, does the work, commits, and closes the session before the handler
talks to Telegram. Handlers never open a session or commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from storage.db import SessionFactory, reading
from ui.texts import Texts


@dataclass(frozen=True)
class Env:
    """The dependencies use cases are bound to."""

    sessions: SessionFactory
    texts: Texts
    clock: Callable[[], datetime]
    tz: ZoneInfo
    # Files a secret ballot's directions (services/judging/ballots.py); from runtime's Settings.
    ballot_key: bytes = b"tests"

    @property
    def reading(self) -> SessionFactory:
        """Sessions for long reads (tallies, exports) that must not hold anyone up."""
        return reading(self.sessions)


class UseCases:
    """An area's use cases; each public method is one unit of work (see the module's docstring)."""

    def __init__(self, env: Env) -> None:
        self.env = env

    @property
    def texts(self) -> Texts:
        """The message texts (for what a use case renders: cards, notices)."""
        return self.env.texts

    def now(self) -> datetime:
        """The current time, from the bound clock."""
        return self.env.clock()

    def today(self) -> date:
        """The school's calendar day now (in its zone)."""
        return self.now().astimezone(self.env.tz).date()
