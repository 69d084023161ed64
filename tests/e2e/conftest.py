"""End-to-end fixtures: the emulator over HTTP, and the real bot (in-process or as a process)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from bot.app import App, bootstrap, build_application, serve
from runtime.config import load_settings
from runtime.context import Deps
from storage.db import SessionFactory
from tests.e2e.helpers import Council, make_council
from tests.factories import School, make_school
from tgemu import EmuClient, Emulator
from tgemu.client import DEFAULT_TOKEN
from ui.texts import Texts

ROOT = Path(__file__).resolve().parents[2]


def bot_env(emu_url: str, db_url: str, **extra: str) -> dict[str, str]:
    """The environment a bot process gets in tests."""
    return {
        "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
        "TELEGRAM_BASE_URL": f"{emu_url}/bot",
        "TELEGRAM_BASE_FILE_URL": f"{emu_url}/file/bot",
        "DATABASE_URL": db_url,
        "POLLING_TIMEOUT": "1",
        "OUTBOX_POLL_SECONDS": "0.2",
        "OUTBOX_LEASE_SECONDS": "3",
        "SCHEDULER_TICK_SECONDS": "0.5",
        # Short, so a process restarted on PostgreSQL after SIGKILL takes over within seconds.
        "LEASE_SECONDS": "2",
        **extra,
    }


@dataclass
class RunningBot:
    """The real bot running in this process against the emulator."""

    app: App
    deps: Deps
    stop: asyncio.Event
    task: asyncio.Task[None]

    @property
    def errors(self) -> list[Any]:
        """Errors the handlers raised (the global error handler collects them)."""
        return list(self.app.bot_data.get("errors", []))


@asynccontextmanager
async def running_bot(emu: Emulator, db_url: str) -> AsyncIterator[RunningBot]:
    """Start the bot on the long-polling path; stop it cleanly; fail on any handler error."""
    env = bot_env(emu.url, db_url)
    settings = load_settings(**{k.lower(): v for k, v in env.items()})
    engine, deps = await bootstrap(settings)
    app = build_application(deps, DEFAULT_TOKEN)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, stop))
    while deps.sender is None and not task.done():  # noqa: ASYNC110 (no event to wait on)
        await asyncio.sleep(0.02)
    running = RunningBot(app, deps, stop, task)
    try:
        yield running
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        await engine.dispose()
    assert running.errors == [], f"handlers raised: {running.errors!r}"


@pytest.fixture
async def bot(emu: Emulator, client: EmuClient, db_url: str) -> AsyncIterator[RunningBot]:
    """The real bot, in-process, on this test's database."""
    async with running_bot(emu, db_url) as running:
        yield running


class BotProcess:
    """The real bot as a child process (`python -m bot run`), to be killed and restarted."""

    def __init__(self, emu_url: str, db_url: str, log_path: Path) -> None:
        self.env = {**os.environ, **bot_env(emu_url, db_url)}
        self.log_path = log_path
        self.proc: subprocess.Popen[bytes] | None = None

    async def start(self, ready: str = "is running") -> None:
        """Start it and wait until it is polling (or until its log says `ready`)."""
        with self.log_path.open("ab") as log:  # the child keeps its own copy of the handle
            self.proc = subprocess.Popen(  # noqa: ASYNC220 (starting is instant; we poll below)
                [sys.executable, "-m", "bot", "run"], cwd=ROOT, env=self.env, stdout=log, stderr=log
            )
        for _ in range(300):
            if ready in self.log_path.read_text(errors="replace").split("---")[-1]:
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"bot exited: {self.log_path.read_text()[-2000:]}")
            await asyncio.sleep(0.05)
        raise TimeoutError("bot did not start")

    def kill(self) -> None:
        """SIGKILL: no clean-up at all, like a power cut."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()
        with self.log_path.open("a") as log:
            log.write("\n---\n")

    async def terminate(self) -> int:
        """SIGTERM: a graceful stop.

        Waits without blocking the event loop: the emulator may run in it, and a stopping bot
        still talks to it (its last getUpdates, the outbox batch in flight). Blocking it would
        turn a clean stop into timed-out requests that Telegram nevertheless received.
        """
        assert self.proc is not None
        self.proc.terminate()
        code = await asyncio.wait_for(asyncio.to_thread(self.proc.wait), 30)
        with self.log_path.open("a") as log:
            log.write("\n---\n")
        return code


@pytest.fixture
async def bot_process(
    emu: Emulator, client: EmuClient, db_url: str, tmp_path: Path
) -> AsyncIterator[BotProcess]:
    """A bot process (not started yet) on this test's database."""
    process = BotProcess(emu.url, db_url, tmp_path / "bot.log")
    yield process
    if process.proc is not None and process.proc.poll() is None:
        process.kill()


@pytest.fixture
async def council_school(sessions: SessionFactory, texts: Texts, now: datetime) -> School:
    """The school with its chair, vice-chair, council member and teacher (no bot needed)."""
    return await make_school(sessions, texts, now)


@pytest.fixture
async def council(
    council_school: School,
    bot: RunningBot,
    client: EmuClient,
    sessions: SessionFactory,
    now: datetime,
) -> Council:
    """A school with its council group bound (and a group member not on the council), the
    real bot running in this process. The school is made before the bot starts."""
    return await make_council(client, sessions, now, council_school)
