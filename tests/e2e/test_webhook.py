"""Webhook mode, end to end: the emulator posts updates to the bot's own HTTP server.

The bot sets the webhook itself (with its secret) at start; the emulator then POSTs each update
with the `X-Telegram-Bot-Api-Secret-Token` header, as Telegram does, and refuses `getUpdates`.
"""

from __future__ import annotations

import asyncio
import gc
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.app import bootstrap, build_application, serve, webhook
from runtime.config import SettingsError, load_settings
from tests.e2e.conftest import ROOT, RunningBot, bot_env
from tgemu import EmuClient, Emulator
from tgemu.client import DEFAULT_TOKEN

SECRET = "s3cr3t-Webhook_Token-for-tests"
WELCOME = "Đây là bot"
FORGER = 5002


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def webhook_env(emu_url: str, db_url: str, port: int) -> dict[str, str]:
    """The bot's environment in webhook mode on `port`."""
    return bot_env(
        emu_url,
        db_url,
        WEBHOOK_LISTEN="127.0.0.1",
        WEBHOOK_PORT=str(port),
        WEBHOOK_URL=f"http://127.0.0.1:{port}/telegram",
        WEBHOOK_SECRET=SECRET,
    )


@asynccontextmanager
async def webhook_bot(emu: Emulator, db_url: str) -> AsyncIterator[tuple[RunningBot, str]]:
    """The real bot in this process, receiving by webhook; yields it and its local URL."""
    env = webhook_env(emu.url, db_url, free_port())
    settings = load_settings(**{k.lower(): v for k, v in env.items()})
    hook = settings.require_webhook()
    engine, deps = await bootstrap(settings)
    app = build_application(deps, DEFAULT_TOKEN)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, stop, webhook(hook)))
    # PTB marks the updater running before it has set the webhook and listens: wait until the
    # port accepts a connection (and Telegram was told), not just for the flag.
    while not task.done():
        if app.updater and app.updater.running and await accepts(hook.listen, hook.port):
            break
        await asyncio.sleep(0.02)
    running = RunningBot(app, deps, stop, task)
    try:
        yield running, hook.url
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        await engine.dispose()
    assert running.errors == [], f"handlers raised: {running.errors!r}"


async def accepts(host: str, port: int) -> bool:
    """Whether something listens on host:port."""
    try:
        _, writer = await asyncio.open_connection(host, port)
    except OSError:
        return False
    writer.close()
    await writer.wait_closed()
    return True


def start_update(update_id: int, user_id: int) -> dict[str, Any]:
    """A private `/start` from `user_id`, as Telegram would post it."""
    person = {"id": user_id, "is_bot": False, "first_name": "Kẻ", "language_code": "vi"}
    return {
        "update_id": update_id,
        "message": {
            "message_id": update_id,
            "date": int(time.time()),
            "chat": {"id": user_id, "type": "private", "first_name": "Kẻ"},
            "from": person,
            "text": "/start",
            "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
        },
    }


async def test_a_start_arrives_through_the_webhook_and_is_answered(
    emu: Emulator, client: EmuClient, db_url: str
) -> None:
    async with webhook_bot(emu, db_url) as (_, url):
        teacher = await client.user(5001, "Lan")
        await teacher.send("/start")
        await teacher.wait_message(contains=WELCOME)
        [me] = await client.bots()
        assert me["webhook"]["url"] == url
        assert me["webhook"]["secret_token"] == SECRET
    assert await client.calls(method="getUpdates") == []


async def test_a_post_without_the_secret_is_refused_and_does_nothing(
    emu: Emulator, client: EmuClient, db_url: str
) -> None:
    # started: the emulator lets the bot answer someone whose /start it did not deliver itself.
    forger = await client.user(FORGER, "Kẻ", started=True)
    async with webhook_bot(emu, db_url) as (_, url), aiohttp.ClientSession() as http:
        async with http.post(url, json=start_update(900001, FORGER)) as refused:
            assert refused.status == 403
        wrong = {"X-Telegram-Bot-Api-Secret-Token": "not-the-secret-at-all"}
        async with http.post(url, json=start_update(900002, FORGER), headers=wrong) as refused:
            assert refused.status == 403
        # The same request with the secret is accepted: the 403s were about the secret alone.
        right = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        async with http.post(url, json=start_update(900003, FORGER), headers=right) as accepted:
            assert accepted.status == 200
        # Updates are handled in order, so once this reply is there the refused ones would be too.
        await forger.wait_message(contains=WELCOME)
        replies = [m for m in await client.messages(forger) if m.from_bot]
        assert len(replies) == 1
    assert await client.calls(method="getUpdates") == []


async def test_a_stop_finishes_the_update_the_webhook_already_accepted(
    emu: Emulator, client: EmuClient, db_url: str
) -> None:
    teacher = await client.user(5003, "Hoa")
    async with webhook_bot(emu, db_url):
        # The reply will take a second: the stop comes while the handler is still sending it.
        await client.inject(method="sendMessage", kind="slow", delay=1.0, chat_id=teacher.id)
        await teacher.send("/start")
        while (await client.bots())[0]["pending"]:  # noqa: ASYNC110 (until our 200 to the POST)
            await asyncio.sleep(0.01)
        before_stop = await client.messages(teacher)
        assert all(WELCOME not in m.text for m in before_stop), "replied before the stop"
    assert any(WELCOME in m.text for m in await client.messages(teacher))


async def test_a_port_already_in_use_stops_the_bot_with_one_clear_line(
    emu: Emulator, client: EmuClient, db_url: str
) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        env = webhook_env(emu.url, db_url, port)
        settings = load_settings(**{k.lower(): v for k, v in env.items()})
        engine, deps = await bootstrap(settings)
        try:
            app = build_application(deps, DEFAULT_TOKEN)
            with pytest.raises(SettingsError) as caught:
                await asyncio.wait_for(
                    serve(app, asyncio.Event(), webhook(settings.require_webhook())), 30
                )
        finally:
            await engine.dispose()
    message = str(caught.value)
    assert message.startswith(f"WEBHOOK_LISTEN/WEBHOOK_PORT: cannot listen on 127.0.0.1:{port}: ")
    assert "\n" not in message
    # tornado's bind_sockets does not close the socket whose bind failed (harmless: the process
    # exits on this error); collect it here rather than let it warn in a later test.
    del caught
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


async def test_run_webhook_as_a_process_answers_and_stops_cleanly_without_leaking_secrets(
    emu: Emulator, client: EmuClient, db_url: str, tmp_path: Path
) -> None:
    log_path = tmp_path / "bot.log"
    env = {**os.environ, **webhook_env(emu.url, db_url, free_port())}
    with log_path.open("wb") as log:
        proc = subprocess.Popen(  # noqa: ASYNC220 (starting is instant; we poll below)
            [sys.executable, "-m", "bot", "run", "--webhook"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=log,
        )
    try:
        for _ in range(300):
            if "is running" in log_path.read_text(errors="replace") or proc.poll() is not None:
                break
            await asyncio.sleep(0.05)
        assert "is running (webhook on 127.0.0.1:" in log_path.read_text(), log_path.read_text()
        teacher = await client.user(5004, "Minh")
        await teacher.send("/start")
        await teacher.wait_message(contains=WELCOME)
        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(asyncio.to_thread(proc.wait), 30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert code == 0
    text = log_path.read_text()
    assert DEFAULT_TOKEN not in text and SECRET not in text
    assert await client.calls(method="getUpdates") == []
