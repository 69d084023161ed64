"""The typed context every handler receives, and the dependencies it carries."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from delivery.lease import LeaseKeeper
from delivery.outbox import OutboxSender
from runtime.config import Settings
from services.base import Env, Fetcher
from services.registry import Services
from storage.db import SessionFactory
from storage.files import FileStore
from ui.texts import Texts


def utcnow() -> datetime:
    """The current time, aware, in UTC."""
    return datetime.now(UTC)


@dataclass
class Deps:
    """What handlers and jobs need, wired once in bootstrap."""

    settings: Settings
    texts: Texts
    sessions: SessionFactory
    sender: OutboxSender | None = None
    lease: LeaseKeeper | None = None
    bot_username: str = "bot"
    clock: Callable[[], datetime] = field(default=utcnow)
    # Tells the scheduler that what is due changed (a campaign created or moved); wired by the
    # application to scheduler.jobs.wake, a no-op where nothing schedules (service tests).
    schedule_changed: Callable[[], None] = field(default=lambda: None)
    # Downloads Telegram files for the file store; bound to the bot by the application.
    fetcher: Fetcher = field(default_factory=Fetcher)

    @property
    def work_sessions(self) -> SessionFactory:
        """Sessions for the sender and the scheduler: fenced by the lease when there is one."""
        return self.lease.fenced if self.lease is not None else self.sessions

    def __post_init__(self) -> None:
        # The clock is read through `self`, so a test that sets `deps.clock` moves it everywhere.
        env = Env(
            sessions=self.sessions,
            texts=self.texts,
            clock=lambda: self.clock(),
            tz=self.settings.tz,
            ballot_key=self.settings.ballot_key(),
            files=FileStore(self.settings.files_root()),
            fetcher=self.fetcher,
        )
        self.services = Services(env)

    def deep_link(self, payload: str) -> str:
        """https://t.me/<bot>?start=<payload>"""
        return f"https://t.me/{self.bot_username}?start={payload}"

    def group_link(self, payload: str) -> str:
        """https://t.me/<bot>?startgroup=<payload>: pick a group and add the bot to it"""
        return f"https://t.me/{self.bot_username}?startgroup={payload}"


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    """CallbackContext with typed access to the dependencies."""

    def __init__(
        self,
        application: Application[Any, Any, Any, Any, Any, Any],
        chat_id: int | None = None,
        user_id: int | None = None,
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def services(self) -> Services:
        """The use cases, bound once at start-up."""
        services: Services = self.application.bot_data["deps"].services
        return services

    @property
    def deps(self) -> Deps:
        """The wired dependencies."""
        deps: Deps = self.application.bot_data["deps"]
        return deps
