"""Telegram unreachable when the bot starts (`python -m bot run` as a real process).

At getMe the bot keeps trying, with one warning line per attempt and a growing wait (a network
still coming up at boot is common, and systemd would only restart it anyway), and starts as soon
as Telegram answers. Should Telegram go away later in start-up, it ends with one line and exit
code 1. Never a traceback, never the token.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from tests.e2e.conftest import ROOT, bot_env
from tests.e2e.test_webhook import WELCOME, free_port
from tgemu import EmuClient, Emulator
from tgemu.client import DEFAULT_TOKEN

SECRET_PART = DEFAULT_TOKEN.partition(":")[2]


def read(log_path: Path) -> str:
    """The process's output so far."""
    return log_path.read_text(errors="replace")


@contextlib.contextmanager
def bot_process(env: dict[str, str], log_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m bot run` with this environment, its output to `log_path`; killed at the end if
    the test left it running."""
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "run"],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=log,
        )
    try:
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


async def logged(proc: subprocess.Popen[bytes], log_path: Path, text: str, times: int = 1) -> str:
    """Wait until `text` appears `times` times in the log (or the process ended); the log."""
    async with asyncio.timeout(30):
        while True:
            out = read(log_path)
            if out.count(text) >= times or proc.poll() is not None:
                return out
            await asyncio.sleep(0.05)


async def stopped(proc: subprocess.Popen[bytes]) -> int:
    """SIGTERM, then its exit code."""
    proc.send_signal(signal.SIGTERM)
    return await asyncio.wait_for(asyncio.to_thread(proc.wait), 30)


async def run_to_the_end(
    env: dict[str, str],
    log_path: Path,
    timeout: float = 30,  # noqa: ASYNC109
) -> tuple[int, str]:
    """Run `python -m bot run` until it exits by itself: its exit code and its output."""
    with bot_process(env, log_path) as proc:
        code = await asyncio.wait_for(asyncio.to_thread(proc.wait), timeout)
    return code, read(log_path)


def clean(out: str) -> None:
    """Nothing an operator should not see."""
    assert "Traceback" not in out, out
    assert DEFAULT_TOKEN not in out and SECRET_PART not in out, out


async def test_telegram_unreachable_at_start_is_retried_with_one_line_each_then_the_bot_runs(
    db_url: str, tmp_path: Path
) -> None:
    port = free_port()  # nothing listens there yet: connection refused
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "bot.log"
    with bot_process(bot_env(url, db_url), log_path) as proc:
        warning = f"cannot reach Telegram at {url} ("
        out = await logged(proc, log_path, warning, times=2)
        assert proc.poll() is None, out  # still trying
        clean(out)
        lines = [line for line in out.splitlines() if warning in line]
        assert len(lines) == out.count(warning) >= 2
        assert "WARNING" in lines[0] and "Cannot connect to host" in lines[0]
        assert lines[0].endswith("retrying in 1 s. Check the network or TELEGRAM_BASE_URL.")
        assert lines[1].endswith("retrying in 2 s. Check the network or TELEGRAM_BASE_URL.")

        # The network comes up: Telegram answers, and the bot starts and serves.
        async with Emulator(port=port) as emu:
            client: EmuClient = emu.client()
            await client.create_bot(DEFAULT_TOKEN, username="thidua_test_bot")
            out = await logged(proc, log_path, "is running")
            assert "is running (long polling)" in out, out
            teacher = await client.user(5201, "Lan")
            await teacher.send("/start")
            await teacher.wait_message(contains=WELCOME)
            assert await stopped(proc) == 0
    clean(read(log_path))


async def test_a_stop_while_telegram_is_unreachable_at_start_exits_cleanly_at_once(
    db_url: str, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    log_path = tmp_path / "bot.log"
    with bot_process(bot_env(url, db_url), log_path) as proc:
        await logged(proc, log_path, f"cannot reach Telegram at {url} (")
        async with asyncio.timeout(5):  # not after the whole back-off
            assert await stopped(proc) == 0
    clean(read(log_path))


async def test_telegram_failing_later_in_start_up_ends_with_one_line_and_exit_code_1(
    emu: Emulator, client: EmuClient, db_url: str, tmp_path: Path
) -> None:
    # getMe answers; the next call (the command menus) fails as Telegram does when it is down.
    await client.inject(method="setMyCommands", kind="500", count=1)
    code, out = await run_to_the_end(bot_env(emu.url, db_url), tmp_path / "bot.log")
    assert code == 1, out
    clean(out)
    assert out.splitlines()[-1] == (
        f"Cannot reach Telegram at {emu.url}: Internal Server Error. "
        "Check the network or TELEGRAM_BASE_URL."
    ), out


async def test_a_token_telegram_refuses_ends_with_one_line_and_exit_code_2(
    emu: Emulator, client: EmuClient, db_url: str, tmp_path: Path
) -> None:
    # Revoked with @BotFather: getMe answers 401. PTB's own message for that holds the token.
    await client.inject(method="getMe", kind="unauthorized", count=1)
    code, out = await run_to_the_end(bot_env(emu.url, db_url), tmp_path / "bot.log")
    assert code == 2, out  # the systemd unit does not restart on 2: retrying cannot help
    clean(out)
    assert out.splitlines()[-1].startswith("Telegram refused the bot token (TELEGRAM_BOT_TOKEN)")


async def test_a_database_that_cannot_be_reached_ends_with_one_line_without_its_password(
    tmp_path: Path,
) -> None:
    url = f"postgresql+asyncpg://thidua:s3cr3t-pw@127.0.0.1:{free_port()}/thidua"
    code, out = await run_to_the_end(
        bot_env("http://127.0.0.1:9", url), tmp_path / "bot.log", timeout=60
    )
    assert code == 1, out
    clean(out)
    assert "s3cr3t-pw" not in out
    last = out.splitlines()[-1]
    assert last.startswith("Cannot open the database at postgresql+asyncpg://thidua:***@127.0.0.1:")
    assert last.endswith("Check DATABASE_URL."), last
