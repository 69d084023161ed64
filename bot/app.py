"""Wiring: bootstrap the dependencies, build the PTB application, run it until told to stop."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Update
from telegram.ext import Application, ContextTypes

from bot.config import Settings
from bot.context import BotContext, Deps
from bot.errors import on_error
from bot.texts import Texts
from handlers import register
from handlers.menus import set_default_menus
from scheduler import jobs
from scheduler.limiter import FloodLimiter
from scheduler.outbox import OutboxSender
from scheduler.progress import BroadcastProgress
from services import orgs
from storage.db import make_engine, make_session_factory, on_commit
from storage.migrate import upgrade

log = logging.getLogger(__name__)
App = Application[Any, BotContext, Any, Any, Any, Any]


async def bootstrap(settings: Settings, *, migrate: bool = True) -> tuple[AsyncEngine, Deps]:
    """Open the database (migrated to the newest schema) and wire the dependencies."""
    engine = make_engine(settings.database_url)
    if migrate:
        await upgrade(engine)
    deps = Deps(
        settings=settings,
        texts=Texts(settings.tz, settings.default_locale),
        sessions=make_session_factory(engine),
    )
    return engine, deps


def build_application(deps: Deps, token: str) -> App:
    """The PTB application: one flood limiter for every call, handlers, error handler, outbox."""
    settings = deps.settings
    builder = (
        Application.builder()
        .token(token)
        .context_types(ContextTypes(context=BotContext))
        # PTB's default is one connection: sends would queue behind each other after the limiter
        # released them, then arrive at Telegram in bursts. One connection per concurrent send.
        .connection_pool_size(64)
        .pool_timeout(30.0)
        .rate_limiter(FloodLimiter(per_second=settings.flood_per_second))
    )
    if settings.telegram_base_url:
        builder = builder.base_url(settings.telegram_base_url)
    if settings.telegram_base_file_url:
        builder = builder.base_file_url(settings.telegram_base_file_url)
    app: App = builder.build()
    app.bot_data["deps"] = deps
    register(app)
    app.add_error_handler(on_error)
    return app


async def _start_services(app: App) -> None:
    """Start what runs beside the handlers: the outbox sender; set the command menus."""
    deps: Deps = app.bot_data["deps"]
    deps.bot_username = app.bot.username

    async def follow_migration(old: int, new: int) -> None:
        async with deps.sessions() as session:
            await orgs.migrate_chat(session, old_chat_id=old, new_chat_id=new)

    sender = OutboxSender(
        app.bot,
        deps.sessions,
        poll_seconds=deps.settings.outbox_poll_seconds,
        lease_seconds=deps.settings.outbox_lease_seconds,
        batch_size=deps.settings.outbox_batch_size,
        on_migrate=follow_migration,
    )
    # Any commit may have queued messages: look at once instead of waiting for the next poll.
    on_commit(deps.sessions, sender.wake)
    deps.sender = sender
    await set_default_menus(app.bot)
    sender.start()
    progress = BroadcastProgress(
        app.bot, deps.sessions, deps.texts, interval=deps.settings.broadcast_progress_seconds
    )
    app.bot_data["broadcast_progress"] = progress
    progress.start()


async def _stop_services(app: App) -> None:
    """Drain the outbox batch in flight, then stop the sender."""
    deps: Deps = app.bot_data["deps"]
    progress: BroadcastProgress | None = app.bot_data.pop("broadcast_progress", None)
    if progress is not None:
        await progress.stop()
    if deps.sender is not None:
        await deps.sender.stop()


async def serve(app: App, stop: asyncio.Event) -> None:
    """Long-poll until `stop` is set, then drain: updates in flight, then the outbox batch."""
    async with app:
        await _start_services(app)
        await app.start()
        # After start: a job armed before the JobQueue runs would count as missed and wait a tick.
        jobs.arm(app, app.bot_data["deps"].settings.scheduler_tick_seconds)
        assert app.updater is not None
        await app.updater.start_polling(
            timeout=app.bot_data["deps"].settings.polling_timeout,
            allowed_updates=Update.ALL_TYPES,
        )
        log.info("bot @%s is running", app.bot.username)
        await stop.wait()
        log.info("stopping: finishing work in flight")
        await app.updater.stop()
        await app.stop()
        await _stop_services(app)
