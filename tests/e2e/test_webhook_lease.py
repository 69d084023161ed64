"""Webhook mode and the lease: an update is taken (200) only while this process surely holds the
lease; otherwise the POST is answered 503, so Telegram keeps the update and posts it again.

A 200 followed by a reply the lease's gate refuses would lose the update. Here the local deadline
is made to pass by moving the lease keeper's clock on (what a process woken from SIGSTOP, or one
whose database stopped answering, sees); the lease is made long (30 s) so that no renewal
falls inside the test's window.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import aiohttp
import pytest

from bot.app import bootstrap, build_application, serve, webhook
from runtime.config import load_settings
from tests.e2e.conftest import RunningBot
from tests.e2e.helpers import wait_for
from tests.e2e.test_webhook import (
    SECRET,
    WELCOME,
    accepts,
    free_port,
    start_update,
    webhook_env,
)
from tgemu import EmuClient, Emulator
from tgemu.client import DEFAULT_TOKEN

RIGHT = {"X-Telegram-Bot-Api-Secret-Token": SECRET}


@asynccontextmanager
async def long_lease_webhook_bot(
    emu: Emulator, db_url: str
) -> AsyncIterator[tuple[RunningBot, str]]:
    """The real bot in this process, by webhook, with a 30 s lease (renewed every 10 s)."""
    env = {**webhook_env(emu.url, db_url, free_port()), "LEASE_SECONDS": "30"}
    settings = load_settings(**{k.lower(): v for k, v in env.items()})
    hook = settings.require_webhook()
    engine, deps = await bootstrap(settings)
    app = build_application(deps, DEFAULT_TOKEN)
    stop = asyncio.Event()
    task = asyncio.create_task(serve(app, stop, webhook(hook)))
    running = RunningBot(app, deps, stop, task)
    updater = app.updater
    assert updater is not None
    try:
        async with asyncio.timeout(30):  # serving: the webhook set, the port listening
            while not (updater.running and await accepts(hook.listen, hook.port)):
                assert not task.done(), task
                await asyncio.sleep(0.02)
        yield running, hook.url
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)
        await engine.dispose()
    assert running.errors == [], f"handlers raised: {running.errors!r}"


async def test_an_update_posted_while_the_lease_is_not_held_is_answered_503_and_comes_again(
    emu: Emulator, client: EmuClient, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.app")
    early = await client.user(5101, "Lan", started=True)
    late = await client.user(5102, "Hoa")
    async with long_lease_webhook_bot(emu, db_url) as (bot, url), aiohttp.ClientSession() as http:
        lease = bot.deps.lease
        assert lease is not None and lease.holds()
        # Holding the lease: taken (200) and answered.
        async with http.post(url, json=start_update(910001, early.id), headers=RIGHT) as taken:
            assert taken.status == 200
        await early.wait_message(contains=WELCOME)

        # The local deadline passes (the keeper could not renew in time): not surely active.
        lease.clock = lambda: time.monotonic() + 3600.0
        assert not lease.holds()
        async with http.post(url, json=start_update(910002, early.id), headers=RIGHT) as refused:
            assert refused.status == 503
        # Without the secret it is still 403: the secret is checked before the lease.
        async with http.post(url, json=start_update(910003, early.id)) as forged:
            assert forged.status == 403

        # Telegram's own delivery: the 503 makes it keep the update and try again.
        await late.send("/start")

        async def refused_by_the_bot() -> bool:
            [me] = await client.bots()
            return "503" in str(me["webhook"].get("last_error_message")) and me["pending"] == 1

        await wait_for(refused_by_the_bot, 10)
        assert [m for m in await client.messages(late) if m.from_bot] == []

        # Renewed in time after all: the update Telegram kept is posted again, taken, answered.
        lease.clock = time.monotonic
        assert lease.holds()
        await late.wait_message(contains=WELCOME)
        assert (await client.bots())[0]["pending"] == 0
        assert len([m for m in await client.messages(early) if m.from_bot]) == 1  # 910002: not
    refusals = [r.getMessage() for r in caplog.records if "answered 503" in r.getMessage()]
    assert refusals and "update 910002 answered 503" in refusals[0]
    assert all(DEFAULT_TOKEN not in r.getMessage() for r in caplog.records)
