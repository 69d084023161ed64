"""What every use case is bound to, once, at start-up: sessions, texts, the clock, the zone.

A handler calls one method of an area's use cases
(`context.services.stories.approve(story_id=…, reviewer_tg_id=…)`); the method is the unit of
work: it opens the session, does the work, commits, and closes the session before the handler
talks to Telegram. Handlers never open a session or commit.
"""

from __future__ import annotations

import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from storage.db import SessionFactory, reading
from storage.files import FileGone, FileStore
from ui.texts import Texts

Fetch = Callable[[str], Awaitable[bytes]]


@dataclass
class Fetcher:
    """Downloads a Telegram file by id; bound by the application once the bot exists."""

    fetch: Fetch | None = None

    def bind(self, fetch: Fetch) -> None:
        """Use `fetch` from now on."""
        self.fetch = fetch

    async def __call__(self, file_id: str) -> bytes:
        if self.fetch is None:
            raise FileGone(f"no bot to download {file_id} with")
        return await self.fetch(file_id)


def _scratch_files() -> FileStore:
    # Only where nothing configured a store (service tests): the application passes FILES_DIR.
    return FileStore(Path(tempfile.gettempdir()) / "thidua-files")


@dataclass(frozen=True)
class Env:
    """The dependencies use cases are bound to."""

    sessions: SessionFactory
    texts: Texts
    clock: Callable[[], datetime]
    tz: ZoneInfo
    # Files a secret ballot's directions (services/judging/ballots.py); from runtime's Settings.
    ballot_key: bytes = b"tests"
    # Files people sent, kept by content (services/files.py), and how to download them.
    files: FileStore = field(default_factory=_scratch_files)
    fetcher: Fetcher = field(default_factory=Fetcher)

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
