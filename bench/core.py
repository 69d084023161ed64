"""`python -m bench core`: the bot's updates/s on a mixed workload, next to a bare PTB echo bot.

One school on SQLite (or --database-url): staff ask /help and /mine and press a choice in the
language menu; council members ask /pending and /tally, press a period under their tally and
approve stories on their cards in the council group (see bench/_traffic.py). The emulator runs
in its own process with flood limits off (the bot's own limiter too, but for Telegram's one
message a second per private chat), the bot in another (`python -m bot run`), then a bare
python-telegram-bot echo bot (a minimal Application, one MessageHandler replying the text) as a
process too, before and after, on the same emulator: the same users, the same number of updates,
queued while the bot is stopped, so the figure is the bot's, not the driver's.

The updates go round-robin over the users, so two replies to one person are `users` updates
apart: at more than `users` updates a second they would come less than a second apart and the
per-chat limit, not the bot's speed, would set the pace (with 200 users it did, at ~200 updates/s).
Hence 600 users by default.

Figures: both rates and their ratio (target ≥ 0.5); the CPU time each process spent per update
and its ratio (steadier than the rates on a shared machine); the bot's peak RSS. Readable lines
first; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench import _traffic as traffic
from bench._common import emulator_process, report
from bench._echo import READY as ECHO_READY
from tgemu import EmuClient
from tgemu.client import DEFAULT_TOKEN
from ui.texts import Texts

RATIO_TARGET = 0.5


def _echo_workload(actions: list[traffic.Action]) -> list[traffic.Action]:
    """The same users and number of updates, as texts in their private chats."""
    return [traffic.Action(a.user, text=a.text or "Tiếng Việt") for a in actions]


@dataclass
class Burst:
    """One run of the workload: its rate, and the CPU the bot process spent on each update."""

    rate: traffic.Rate
    cpu_ms: float

    @property
    def per_second(self) -> float:
        """Updates per second."""
        return self.rate.per_second


async def _burst(
    client: EmuClient, bot: traffic.Proc, actions: list[traffic.Action], ready: str
) -> Burst:
    since = await traffic.call_log_position(client)
    await traffic.enqueue(client, actions)
    await bot.start(ready)
    try:
        cpu = bot.cpu_seconds()
        rate = await traffic.drain(client, actions, since)
        return Burst(rate, 1000 * (bot.cpu_seconds() - cpu) / len(actions))
    finally:
        await bot.stop()


async def _run(args: Any) -> dict[str, Any]:
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="bench-core-"))
    url = args.database_url or f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    plan = traffic.Plan(
        schools=1,
        per_school=args.users + args.council + 2,
        chatting=args.users,
        council=args.council,
        rounds=args.rounds,
        history=args.history,
    )
    texts = Texts(ZoneInfo("Asia/Ho_Chi_Minh"), "vi")
    now = datetime.now(UTC)
    engine, sessions, seeded = await traffic.seed(url, plan, now)
    async with emulator_process("--no-flood-limits") as emu_url:
        client = EmuClient(emu_url)
        bot = traffic.Proc(["-m", "bot", "run"], traffic.bot_env(emu_url, url), folder / "bot.log")
        echo_env = {"TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN, "TELEGRAM_BASE_URL": f"{emu_url}/bot"}
        echo = traffic.Proc(["-m", "bench._echo"], echo_env, folder / "echo.log")
        try:
            await traffic.populate(client, seeded)
            await traffic.councils(client, sessions, seeded, texts, now)
            await bot.start()
            buttons = await traffic.warm_up(client, seeded, None)
            await bot.stop()
            actions = traffic.queued_workload(seeded, buttons)
            print(
                f"emulator {emu_url} (own process, flood limits off); database "
                f"{url.split(':', 1)[0]}; {args.users} staff and {args.council} council members "
                f"chatting; {len(actions)} updates a run, queued while the bot is stopped",
                flush=True,
            )
            echo_before = await _burst(client, echo, _echo_workload(actions), ECHO_READY)
            print(
                f"echo bot: {echo_before.per_second:.1f} updates/s, "
                f"{echo_before.cpu_ms:.2f} ms CPU an update",
                flush=True,
            )
            ours = await _burst(client, bot, actions, "is running")
            print(
                f"the bot: {ours.rate.updates} updates in {ours.rate.seconds:.1f} s = "
                f"{ours.per_second:.1f} updates/s, {ours.cpu_ms:.2f} ms CPU an update; "
                f"peak RSS {bot.peak_rss_mb} MB",
                flush=True,
            )
            echo_after = await _burst(client, echo, _echo_workload(actions), ECHO_READY)
            print(
                f"echo bot again: {echo_after.per_second:.1f} updates/s, "
                f"{echo_after.cpu_ms:.2f} ms CPU an update",
                flush=True,
            )
        finally:
            await bot.stop()
            await echo.stop()
            await client.close()
            await engine.dispose()
    echo_rate = (echo_before.per_second + echo_after.per_second) / 2
    ratio = ours.per_second / echo_rate if echo_rate else 0.0
    echo_cpu = (echo_before.cpu_ms + echo_after.cpu_ms) / 2
    print(
        f"bot/echo: {ours.per_second:.1f} / {echo_rate:.1f} updates/s = {ratio:.2f} "
        f"(target ≥ {RATIO_TARGET}); bot peak RSS {bot.peak_rss_mb} MB; logs: {folder}",
        flush=True,
    )
    return {
        "bench": "core",
        "db": url.split("+", 1)[0],
        "users": args.users,
        "council": args.council,
        "updates": len(actions),
        "bot_updates_per_s": round(ours.per_second, 1),
        "echo_updates_per_s": round(echo_rate, 1),
        "echo_runs_updates_per_s": [
            round(echo_before.per_second, 1),
            round(echo_after.per_second, 1),
        ],
        "ratio": round(ratio, 3),
        "bot_cpu_ms_per_update": round(ours.cpu_ms, 2),
        "echo_cpu_ms_per_update": round(echo_cpu, 2),
        "cpu_ratio": round(echo_cpu / ours.cpu_ms, 3) if ours.cpu_ms else 0.0,
        "bot_peak_rss_mb": bot.peak_rss_mb,
        "echo_peak_rss_mb": echo.peak_rss_mb,
        "seconds": round(time.monotonic() - started, 1),
        "targets": {"ratio>=0.5": ratio >= RATIO_TARGET},
    }


def main(argv: list[str]) -> int:
    """Command-line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m bench core", description=__doc__)
    parser.add_argument("--users", type=int, default=600, help="staff chatting at once")
    parser.add_argument("--council", type=int, default=5, help="council members deciding")
    parser.add_argument("--rounds", type=int, default=4, help="rounds of the workload")
    parser.add_argument("--history", type=int, default=500, help="stories the school has")
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp folder")
    args = parser.parse_args(argv)
    figures = asyncio.run(_run(args))
    report(figures)
    return 0 if all(figures["targets"].values()) else 1
