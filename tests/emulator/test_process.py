"""The emulator as a subprocess, and webhook delivery to a local HTTP server."""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path

from aiohttp import web
from telegram import Bot

from tgemu import EmuClient

from .conftest import TOKEN

ROOT = Path(__file__).resolve().parents[2]


async def test_subprocess_serves_the_same_client() -> None:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tgemu", "--port", "0", "--no-flood-limits",
        cwd=ROOT, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        line = (await asyncio.wait_for(proc.stdout.readline(), 10)).decode().strip()
        assert line.startswith("TGEMU_READY http://127.0.0.1:")
        url = line.split()[1]
        async with EmuClient(url) as client:
            alice = await client.user(1001, "Alice")
            async with Bot(TOKEN, base_url=url + "/bot", base_file_url=url + "/file/bot") as bot:
                await alice.send("/start")
                update = (await bot.get_updates(timeout=1))[0]
                assert update.message and update.message.text == "/start"
                await bot.send_message(alice.id, "Chào em")
                await bot.send_message(alice.id, "Không giới hạn")  # --no-flood-limits
                assert (await alice.wait_message(timeout=2)).text == "Chào em"
            assert (await client.stats())["sent"] == 2
    finally:
        proc.terminate()
        await proc.stdout.read()
        assert await proc.wait() == 0


async def test_webhook_delivery_with_secret_and_retry(client: EmuClient, bot: Bot) -> None:
    received: list[tuple[str | None, dict[str, object]]] = []
    attempts = 0

    async def hook(request: web.Request) -> web.Response:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            return web.Response(status=500)
        received.append(
            (request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json())
        )
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    await web.SockSite(runner, sock).start()
    try:
        await bot.set_webhook(
            f"http://127.0.0.1:{sock.getsockname()[1]}/hook", secret_token="s3cret"
        )
        alice = await client.user(1001, "Alice")
        await alice.send("qua webhook")
        for _ in range(100):
            if received:
                break
            await asyncio.sleep(0.02)
        assert attempts == 2 and received[0][0] == "s3cret"
        assert received[0][1]["message"]["text"] == "qua webhook"  # type: ignore[index]
        info = await bot.get_webhook_info()
        assert info.pending_update_count == 0 and info.last_error_message
        await bot.delete_webhook()
    finally:
        await runner.cleanup()
