"""Wiring: bootstrap the dependencies, build the PTB application, run it until told to stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any
from urllib.parse import urlsplit

import tornado.web
from sqlalchemy.ext.asyncio import AsyncEngine
from telegram import Update
from telegram.error import BadRequest, NetworkError
from telegram.ext import Application, ContextTypes

from bot.errors import on_error
from bot.updates import PerChatUpdates
from delivery.downloads import telegram_fetch
from delivery.gate import GatedRequest
from delivery.lease import LeaseKeeper, LeaseLost
from delivery.limiter import FloodLimiter
from delivery.outbox import OutboxSender
from handlers import register
from handlers.menus import set_council_menu, set_default_menus
from runtime.config import Settings, SettingsError, Webhook
from runtime.context import BotContext, Deps
from scheduler import jobs
from scheduler.progress import BroadcastProgress
from services import orgs
from storage.db import make_engine, make_session_factory, on_commit
from storage.migrate import upgrade
from storage.models import OutboxMessage
from ui.texts import Texts

log = logging.getLogger(__name__)
App = Application[Any, BotContext, Any, Any, Any, Any]
DEFAULT_BASE_URL = "https://api.telegram.org/bot"
# Start-up retries while Telegram cannot be reached: 1, 2, 4, ... seconds, then every 30.
REACH_FIRST_DELAY, REACH_MAX_DELAY = 1.0, 30.0


class UpdateQueue(asyncio.Queue[object]):
    """The application's update queue. In webhook mode it takes an update only while `admit()`
    (the lease is surely held) says so.

    PTB's webhook handler puts each posted update here before it answers the POST, so refusing
    one here (tornado's HTTPError) answers Telegram 503 instead of 200: Telegram keeps the update
    and posts it again later, by then to the active process. Taken with a 200, the update would
    be lost, as the lease's gate refuses the handler's reply. The secret token is checked first.
    """

    def __init__(self) -> None:
        super().__init__()
        self.admit: Callable[[], bool] | None = None  # set in webhook mode

    def put_nowait(self, item: object) -> None:
        """Queue it (`put` comes here too), unless it is an update this process must refuse."""
        if isinstance(item, Update) and self.admit is not None and not self.admit():
            log.warning(
                "webhook: update %s answered 503: this process is not active", item.update_id
            )
            raise tornado.web.HTTPError(HTTPStatus.SERVICE_UNAVAILABLE)
        super().put_nowait(item)


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
    """The PTB application: one flood limiter and the lease's gate in front of every call."""
    settings = deps.settings
    deps.lease = lease = LeaseKeeper(deps.sessions, seconds=settings.lease_seconds)
    requests = (
        GatedRequest(lease, connection_pool_size=16, pool_timeout=30.0),
        GatedRequest(lease, connection_pool_size=1, nothing_when_lost=True),
    )
    builder = (
        Application.builder()
        .token(token)
        .context_types(ContextTypes(context=BotContext))
        # PTB's default is one connection: sends would queue behind each other after the limiter
        # released them, then arrive at Telegram in bursts. Sixteen: Telegram answers in ~0.1 s,
        # so 30 messages a second need a few.
        .request(requests[0])
        .get_updates_request(requests[1])
        .rate_limiter(FloodLimiter(per_second=settings.flood_per_second))
        # One chat's updates in order, other chats meanwhile: a slow answer holds up one chat.
        .concurrent_updates(PerChatUpdates())
        .update_queue(UpdateQueue())
    )
    if settings.telegram_base_url:
        builder = builder.base_url(settings.telegram_base_url)
    if settings.telegram_base_file_url:
        builder = builder.base_file_url(settings.telegram_base_file_url)
    app: App = builder.build()
    app.bot_data["deps"] = deps
    app.bot_data["requests"] = requests
    deps.schedule_changed = lambda: jobs.wake(app)
    deps.fetcher.bind(telegram_fetch(app.bot))
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
        deps.work_sessions,  # fenced: every commit proves this process still holds the lease
        poll_seconds=deps.settings.outbox_poll_seconds,
        lease_seconds=deps.settings.outbox_lease_seconds,
        batch_size=deps.settings.outbox_batch_size,
        on_migrate=follow_migration,
        exclusive=deps.lease is not None,
        active=deps.lease.holds if deps.lease is not None else None,
    )
    deps.sender = sender
    await set_default_menus(app.bot)
    async with deps.sessions() as session:
        council_chats = await orgs.council_chats(session)
    for chat_id in council_chats:  # a bound council group's own menu
        await set_council_menu(app.bot, chat_id)
    sender.start()
    progress = BroadcastProgress(
        app.bot,
        deps.work_sessions,
        deps.texts,
        interval=deps.settings.broadcast_progress_seconds,
        active=deps.lease.holds if deps.lease is not None else None,
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
        deps.sender = None


# How updates arrive: starts the updater's way in and says which, for the log.
Receive = Callable[[App], Awaitable[str]]


async def polling(app: App) -> str:
    """Updates arrive by long polling (this also removes a webhook left from webhook mode)."""
    assert app.updater is not None
    await app.updater.start_polling(
        timeout=app.bot_data["deps"].settings.polling_timeout,
        allowed_updates=Update.ALL_TYPES,
    )
    return "long polling"


def webhook(hook: Webhook) -> Receive:
    """Updates arrive at our HTTP server: set the webhook, refuse posts without the secret."""

    async def receive(app: App) -> str:
        assert app.updater is not None
        lease = app.bot_data["deps"].lease
        queue = app.update_queue
        assert isinstance(queue, UpdateQueue) and lease is not None
        queue.admit = lease.holds  # an update this process could not act on is answered 503
        try:
            await app.updater.start_webhook(
                listen=hook.listen,
                port=hook.port,
                url_path=hook.path,
                webhook_url=hook.url,
                secret_token=hook.secret,  # tornado answers 403 to a request without it
                allowed_updates=Update.ALL_TYPES,
            )
        except BadRequest as exc:
            raise SettingsError(f"WEBHOOK_URL: Telegram refused it: {exc.message}") from None
        except OSError as exc:
            raise SettingsError(
                f"WEBHOOK_LISTEN/WEBHOOK_PORT: cannot listen on {hook.listen}:{hook.port}: "
                f"{exc.strerror or exc}"
            ) from None
        return f"webhook on {hook.listen}:{hook.port}{hook.path}"

    return receive


async def serve(app: App, stop: asyncio.Event, receive: Receive = polling) -> None:
    """Stand by until this process holds the lease, then work until `stop` (drain, release) or
    until the lease is lost (stop receiving and sending at once, stand by again)."""
    deps: Deps = app.bot_data["deps"]
    lease = deps.lease
    assert lease is not None, "build_application wires the lease"

    def wake_sender() -> None:
        if deps.sender is not None:
            deps.sender.wake()

    # Any commit may have queued messages: look at once instead of waiting for the next poll.
    for factory in (deps.sessions, lease.fenced):
        on_commit(factory, wake_sender, wrote=OutboxMessage)
    if not await _reach_telegram(app, stop):
        return
    async with app:
        try:
            while await lease.acquire(stop):
                try:
                    await _serve_active(app, stop, receive, lease)
                except LeaseLost:
                    log.warning("lease lost while starting; standing by")
                if stop.is_set():
                    break
        finally:
            try:
                await lease.release()
            except Exception as exc:  # it expires on its own
                log.warning("could not release the lease (%s)", type(exc).__name__)


def telegram_origin(base_url: str | None) -> str:
    """Where the Bot API is, for a log line: scheme, host and port only (never a token)."""
    parts = urlsplit(base_url or DEFAULT_BASE_URL)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}"  # no user:password@ either


async def _reach_telegram(app: App, stop: asyncio.Event) -> bool:
    """Initialise the application (its first call is getMe), retrying while Telegram cannot be
    reached (a network still coming up at boot is common): one warning line per attempt, the
    wait doubling up to 30 s. False when `stop` came first."""
    deps: Deps = app.bot_data["deps"]
    delay = REACH_FIRST_DELAY
    try:
        while not stop.is_set():
            try:
                await app.initialize()
                return True
            except NetworkError as exc:  # TimedOut too; a refused token is not retried
                log.warning(
                    "cannot reach Telegram at %s (%s); retrying in %.0f s. "
                    "Check the network or TELEGRAM_BASE_URL.",
                    telegram_origin(deps.settings.telegram_base_url),
                    exc.message,
                    delay,
                )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)
            delay = min(delay * 2, REACH_MAX_DELAY)
    except BaseException:
        await _close_connections(app)  # PTB leaves them open when its initialize fails
        raise
    await _close_connections(app)
    return False


async def _close_connections(app: App) -> None:
    for request in app.bot_data["requests"]:
        await request.shutdown()


async def _serve_active(
    app: App, stop: asyncio.Event, receive: Receive, lease: LeaseKeeper
) -> None:
    """Holding the lease: receive, send and schedule until `stop` or the lease is lost."""
    keeper = asyncio.create_task(lease.keep(), name="lease-keeper")
    assert app.updater is not None
    try:
        await _start_services(app)
        await app.start()
        # After start: a job armed before the JobQueue runs would count as missed and wait a tick.
        jobs.arm(app, app.bot_data["deps"].settings.scheduler_tick_seconds)
        way = await receive(app)
        log.info("bot @%s is running (%s)", app.bot.username, way)
        lost = asyncio.create_task(lease.lost.wait())
        stopped = asyncio.create_task(stop.wait())
        await asyncio.wait((lost, stopped), return_when=asyncio.FIRST_COMPLETED)
        lost.cancel()
        stopped.cancel()
        if lease.lost.is_set():
            log.warning("not active any more: stopped receiving and sending; standing by")
        else:
            log.info("stopping: finishing work in flight")
    finally:
        # A clean stop drains (updates in flight, then the outbox batch) while the lease is kept.
        if app.updater.running:
            await app.updater.stop()
        if app.running:
            await app.stop()
        await _stop_services(app)
        keeper.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await keeper
