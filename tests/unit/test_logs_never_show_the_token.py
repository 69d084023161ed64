"""The bot token never reaches a log, whatever fails: a real bot talks to an emulator that answers
500, times out, and then disappears (connection refused), with every logger at DEBUG (httpx
writes each request's URL, and the URL holds the token) and tracebacks included; and the bot run
as a process against an address where nothing listens."""

from __future__ import annotations

import asyncio
import io
import logging
import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.app import bootstrap, build_application, serve
from bot.logs import setup_logging
from runtime.config import load_settings
from services import outbox
from tgemu import Emulator

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "987654321:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SECRET = TOKEN.partition(":")[2]  # the part that matters: alone it is a leak too


def leaks(text: str) -> list[str]:
    """The lines showing the token, or its secret part."""
    return [line for line in text.splitlines() if TOKEN in line or SECRET in line]


@pytest.fixture
def captured() -> Iterator[io.StringIO]:
    """Everything logged, at DEBUG for every logger, through the bot's own logging set-up."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    root = logging.getLogger()
    loggers = [logging.getLogger(name) for name in list(root.manager.loggerDict)]
    levels = {lg.name: lg.level for lg in [root, *loggers]}
    filters = {h: list(h.filters) for h in root.handlers}
    root.addHandler(handler)
    setup_logging(TOKEN, level=logging.DEBUG)
    for name in ("httpx", "httpcore", "telegram", "telegram.ext.ExtBot", "apscheduler", "tgemu"):
        logging.getLogger(name).setLevel(logging.DEBUG)  # louder than the bot would ever be
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        for other, kept in filters.items():
            other.filters[:] = kept
        for lg in [root, *(logging.getLogger(name) for name in levels if name != "root")]:
            lg.setLevel(levels.get(lg.name, logging.NOTSET))
        root.setLevel(levels["root"])


async def logged(stream: io.StringIO, text: str, timeout: float = 15.0) -> None:  # noqa: ASYNC109
    """Wait until `text` has been logged."""
    async with asyncio.timeout(timeout):
        while text not in stream.getvalue():  # noqa: ASYNC110 (a log has no event to wait on)
            await asyncio.sleep(0.05)


def free_port() -> int:
    """A local port where nothing listens."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def test_server_errors_and_a_vanished_server_never_log_the_token(
    captured: io.StringIO, tmp_path: Path, sqlite_template: Path
) -> None:
    shutil.copy(sqlite_template, tmp_path / "bot.sqlite3")
    emu = Emulator(port=0)
    await emu.start()
    client = emu.client()
    await client.create_bot(TOKEN, username="thidua_log_bot")
    teacher = await client.user(7001, "Mai", started=True)
    settings = load_settings(
        telegram_base_url=f"{emu.url}/bot",
        telegram_base_file_url=f"{emu.url}/file/bot",
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
        polling_timeout=1,
        outbox_poll_seconds=0.2,
    )
    engine, deps = await bootstrap(settings)
    app = build_application(deps, TOKEN)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, stop))
    try:
        while deps.sender is None and not task.done():  # noqa: ASYNC110 (no event to wait on)
            await asyncio.sleep(0.02)
        await teacher.send("/help")
        await teacher.wait_message(contains="/help")  # it works: now make everything fail

        await client.inject(method="getUpdates", kind="500", count=2)
        await client.inject(method="*", kind="500", count=5)
        await teacher.send("/help")  # its answer fails: the error handler logs the traceback
        async with deps.sessions() as s:
            for i in range(3):
                outbox.enqueue_message(s, chat_id=teacher.id, text=f"Tin {i}", now=deps.clock())
            await s.commit()
        await logged(captured, "error while handling an update")
        await client.close()
        await emu.stop()  # and now nothing answers at all: connection refused
        async with deps.sessions() as s:
            outbox.enqueue_message(s, chat_id=teacher.id, text="Tin cuối", now=deps.clock())
            await s.commit()
        await logged(captured, "Cannot connect to host")
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        await engine.dispose()

    log = captured.getvalue()
    assert leaks(log) == []
    assert "Traceback (most recent call last)" in log  # failures were logged with tracebacks
    assert "<token>" in log  # request URLs were logged, with the token redacted
    for failure in ("Internal Server Error", "Cannot connect to host"):
        assert failure in log, failure


def test_the_bot_process_that_cannot_reach_telegram_prints_no_token(tmp_path: Path) -> None:
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "TELEGRAM_BOT_TOKEN": TOKEN,
        "TELEGRAM_BASE_URL": f"http://127.0.0.1:{free_port()}/bot",
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'bot.sqlite3'}",
    }
    try:
        result = subprocess.run(
            [sys.executable, "-m", "bot", "run"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=10,  # the first attempt fails at once; it then retries, which is fine
        )
        out, err = result.stdout, result.stderr
    except subprocess.TimeoutExpired as still_running:  # it may keep trying: that is fine too
        out, err = str(still_running.stdout or ""), str(still_running.stderr or "")
    assert "Connect" in err  # it did try, and said why it failed
    assert leaks(out) == [] and leaks(err) == []
