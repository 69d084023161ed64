"""`python -m bench broadcast`: an announcement to 10,000 staff at full speed, and crash trials.

The emulator runs in its own process with Telegram's flood limits on (30 messages a second per
bot, 1 per private chat), the bot in another (`python -m bot run`), exactly as in production.
Figures: the achieved delivery rate (from the emulator's own call log) as a ratio of 30 msg/s
(target ≥ 0.95); 429s the emulator counted (target 0); the bot process's peak RSS; then crash
trials: SIGKILL at a random moment of a 1,000-recipient broadcast, restart, and check with the
emulator's delivery log that nobody was skipped and at most one batch was sent twice. The crash
trials raise the flood limits on both sides (the bot's limiter stays on) so they take seconds,
not minutes: they are about crashes, not speed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psutil
from sqlalchemy import func, select, update

from bench._common import emulator_process, report, seed_staff
from services import broadcasts, orgs
from storage.db import SessionFactory, make_engine, make_session_factory
from storage.migrate import upgrade
from storage.models import Broadcast, Department, OutboxMessage, OutboxStatus, Person
from tgemu import EmuClient
from tgemu.client import DEFAULT_TOKEN
from ui.texts import Texts

ROOT = Path(__file__).resolve().parents[1]
TELEGRAM_RATE = 30
CHAIR = 1001
RATE_FROM, CRASH_FROM = 1_000_000, 2_000_000
BATCH = 20
CRASH_RATE = 500  # msg/s on both sides during the crash trials
TEXT = "📣 <b>Thông báo</b>: họp toàn trường lúc 14:00 thứ Sáu tại hội trường."


class BotProcess:
    """`python -m bot run` as a child process, started, killed and restarted at will."""

    def __init__(self, env: dict[str, str], log_path: Path) -> None:
        self.env, self.log_path = env, log_path
        self.proc: subprocess.Popen[bytes] | None = None
        self.peak_rss = 0

    async def start(self) -> None:
        """Start and wait until it polls."""
        with self.log_path.open("ab") as log:
            log.write(b"\n---\n")
            self.proc = subprocess.Popen(  # noqa: ASYNC220 (starting is instant; we poll below)
                [sys.executable, "-m", "bot", "run"],
                cwd=ROOT,
                env={**os.environ, **self.env},
                stdout=log,
                stderr=log,
            )
        for _ in range(600):
            if "is running" in self.log_path.read_text(errors="replace").split("\n---\n")[-1]:
                return
            if self.proc.poll() is not None:
                raise RuntimeError(f"bot exited: {self.log_path.read_text()[-2000:]}")
            await asyncio.sleep(0.05)
        raise TimeoutError("bot did not start")

    def sample_rss(self) -> None:
        """Remember the highest resident memory seen (the kernel's own peak when available)."""
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            process = psutil.Process(self.proc.pid)
            rss = process.memory_info().rss
            status = Path(f"/proc/{self.proc.pid}/status")
            if status.exists():
                for line in status.read_text().splitlines():
                    if line.startswith("VmHWM:"):
                        rss = max(rss, int(line.split()[1]) * 1024)
            self.peak_rss = max(self.peak_rss, rss)
        except (psutil.Error, OSError):
            pass

    def kill(self) -> None:
        """SIGKILL, like a power cut."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()

    def terminate(self) -> None:
        """A clean stop."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(timeout=60)


async def _seed(url: str, rate_staff: int, crash_staff: int) -> tuple[SessionFactory, int, int]:
    """The school, its chair, two departments: one for the rate run, one for the crash trials."""
    engine = make_engine(url)
    await upgrade(engine)
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)
    async with sessions() as session:
        created = await orgs.create_org(
            session, name="Trường Tiểu học Thượng Thanh", chair_tg_id=CHAIR, now=now
        )
    async with sessions() as session:
        await session.execute(
            update(Person).where(Person.tg_user_id == CHAIR).values(full_name="Trần Thị Thu Hà")
        )
        departments = dict(
            (
                await session.execute(
                    select(Department.name, Department.id).where(
                        Department.org_id == created.org_id
                    )
                )
            ).all()
        )
        await session.commit()
    rate_dept, crash_dept = departments["Tổ 1"], departments["Tổ 2"]
    plan = ((rate_dept, RATE_FROM, rate_staff), (crash_dept, CRASH_FROM, crash_staff))
    for department, first, count in plan:
        await seed_staff(
            sessions,
            org_id=created.org_id,
            department_id=department,
            start_id=first,
            count=count,
            now=now,
        )
    return sessions, rate_dept, crash_dept


async def _broadcast(
    sessions: SessionFactory, texts: Texts, department: int, progress_message_id: int
) -> int:
    """The chair's announcement to one department, written the way /broadcast writes it."""
    now = datetime.now(UTC)
    async with sessions() as s:
        await broadcasts.start(s, tg_user_id=CHAIR, texts=texts, now=now)
        await broadcasts.to_compose(s, tg_user_id=CHAIR, now=now)
        await broadcasts.set_text(s, tg_user_id=CHAIR, html=TEXT, length=len(TEXT), now=now)
        await broadcasts.to_audience(s, tg_user_id=CHAIR, now=now)
        await broadcasts.choose_audience(
            s, tg_user_id=CHAIR, audience=f"department:{department}", now=now
        )
        state = await broadcasts.confirm(
            s,
            tg_user_id=CHAIR,
            progress_chat_id=CHAIR,
            progress_message_id=progress_message_id,
            texts=texts,
            now=now,
        )
    return state.id


async def _wait_finished(
    sessions: SessionFactory, broadcast_id: int, bot: BotProcess, limit: float
) -> float:
    started = time.monotonic()
    while time.monotonic() - started < limit:
        bot.sample_rss()
        async with sessions() as s:
            done = await s.scalar(select(Broadcast.finished_at).where(Broadcast.id == broadcast_id))
        if done is not None:
            return time.monotonic() - started
        await asyncio.sleep(0.5)
    raise TimeoutError(f"broadcast {broadcast_id} did not finish in {limit:.0f} s")


async def _delivered(client: EmuClient, first: int, count: int) -> dict[int, int]:
    counts = await client.delivered_counts()
    return {chat: counts.get(chat, 0) for chat in range(first, first + count)}


async def _rate_run(
    client: EmuClient, sessions: SessionFactory, texts: Texts, bot: BotProcess, args: Any
) -> dict[str, Any]:
    chair_help = await _help_message(client)
    broadcast_id = await _broadcast(sessions, texts, args.rate_department, chair_help)
    print(f"broadcast #{broadcast_id}: {args.recipients} recipients queued; sending…", flush=True)
    await _wait_finished(sessions, broadcast_id, bot, args.recipients / 20 + 120)
    calls = [
        c
        for c in await client.calls(method="sendMessage")
        if c.get("ok") and RATE_FROM <= int(c["params"]["chat_id"]) < RATE_FROM + args.recipients
    ]
    stamps = sorted(c["ts"] for c in calls)
    seconds = stamps[-1] - stamps[0]
    rate = (len(stamps) - 1) / seconds if seconds > 0 else 0.0
    delivered = await _delivered(client, RATE_FROM, args.recipients)
    missing = sum(1 for n in delivered.values() if n == 0)
    provoked = int((await client.stats())["provoked_429"])
    print(
        f"delivered {len(stamps)} messages in {seconds:.1f} s: {rate:.2f} msg/s "
        f"= {rate / TELEGRAM_RATE:.3f} of Telegram's {TELEGRAM_RATE} msg/s "
        f"(missing {missing}); 429s provoked: {provoked}",
        flush=True,
    )
    return {
        "rate_msgs_per_s": round(rate, 2),
        "rate_ratio": round(rate / TELEGRAM_RATE, 3),
        "provoked_429": provoked,
        "missing": missing,
    }


async def _help_message(client: EmuClient) -> int:
    """The chair asks /help; that answer becomes the progress message the bot keeps editing."""
    chair = await client.user(CHAIR, "Hà", last_name="Trần", started=True)
    await chair.send("/help")
    return (await chair.wait_message(contains="/broadcast", timeout=30)).message_id


async def _crash_trials(
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    bot: BotProcess,
    args: Any,
) -> dict[str, Any]:
    """Kill the bot at a random moment of each broadcast, restart it, judge by the emulator."""
    await client.set_flood_limits(per_bot=CRASH_RATE)
    bot.terminate()
    bot.env.update(FLOOD_PER_SECOND=str(CRASH_RATE), OUTBOX_LEASE_SECONDS="1.5")
    await bot.start()
    progress = await _help_message(client)
    rng = random.Random(args.seed)
    failures, worst = 0, 0
    for trial in range(1, args.trials + 1):
        before = await _delivered(client, CRASH_FROM, args.crash_recipients)
        broadcast_id = await _broadcast(sessions, texts, args.crash_department, progress)
        kill_after = rng.randint(1, args.crash_recipients - 1)
        while True:
            now = await _delivered(client, CRASH_FROM, args.crash_recipients)
            if sum(now.values()) - sum(before.values()) >= kill_after:
                break
            await asyncio.sleep(0.005)
        bot.kill()
        await bot.start()
        await _wait_finished(sessions, broadcast_id, bot, 120)
        after = await _delivered(client, CRASH_FROM, args.crash_recipients)
        got = {chat: after[chat] - before[chat] for chat in after}
        skipped = sum(1 for n in got.values() if n == 0)
        twice = sum(n - 1 for n in got.values() if n > 1)
        async with sessions() as s:
            unsent = await s.scalar(
                select(func.count())
                .select_from(OutboxMessage)
                .where(
                    OutboxMessage.ref == broadcasts.delivery_ref(broadcast_id),
                    OutboxMessage.status != OutboxStatus.SENT,
                )
            )
        ok = skipped == 0 and twice <= BATCH and unsent == 0
        failures += 0 if ok else 1
        worst = max(worst, twice)
        print(
            f"crash trial {trial}: killed after {kill_after} deliveries; skipped {skipped}, "
            f"sent twice {twice} (bound {BATCH}){'' if ok else '  FAILED'}",
            flush=True,
        )
    return {"crash_trials": args.trials, "crash_failures": failures, "max_duplicates": worst}


async def _run(args: Any) -> int:
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix="bench-broadcast-"))
    url = args.database_url or f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    texts = Texts(ZoneInfo("Asia/Ho_Chi_Minh"), "vi")
    sessions, args.rate_department, args.crash_department = await _seed(
        url, args.recipients, args.crash_recipients if args.trials else 0
    )
    async with emulator_process() as emu_url:  # Telegram's flood limits on
        client = EmuClient(emu_url)
        await client.create_bot(DEFAULT_TOKEN, username="thidua_bench_bot")
        await client.create_users(RATE_FROM, args.recipients)
        if args.trials:
            await client.create_users(CRASH_FROM, args.crash_recipients)
        bot = BotProcess(
            {
                "TELEGRAM_BOT_TOKEN": DEFAULT_TOKEN,
                "TELEGRAM_BASE_URL": f"{emu_url}/bot",
                "TELEGRAM_BASE_FILE_URL": f"{emu_url}/file/bot",
                "DATABASE_URL": url,
                "POLLING_TIMEOUT": "1",
                "OUTBOX_POLL_SECONDS": "0.2",
                "OUTBOX_BATCH_SIZE": str(BATCH),
            },
            folder / "bot.log",
        )
        await bot.start()
        pid = bot.proc.pid if bot.proc else "?"
        print(
            f"emulator {emu_url} (own process, flood limits on); bot pid {pid}; "
            f"database {url.split(':', 1)[0]}",
            flush=True,
        )
        figures: dict[str, Any] = {"bench": "broadcast", "recipients": args.recipients}
        try:
            figures |= await _rate_run(client, sessions, texts, bot, args)
            bot.sample_rss()
            figures["peak_rss_mb"] = round(bot.peak_rss / 2**20, 1)
            print(f"bot peak RSS: {figures['peak_rss_mb']} MB", flush=True)
            if args.trials:
                figures |= await _crash_trials(client, sessions, texts, bot, args)
            else:
                print("crash trials: skipped (--trials 0)", flush=True)
                figures |= {"crash_trials": 0}
        finally:
            bot.terminate()
            await client.close()
    figures |= {
        "batch_size": BATCH,
        "db": url.split("+", 1)[0],
        "seconds": round(time.monotonic() - started, 1),
    }
    print(f"logs: {folder}", flush=True)
    report(figures)
    ok = figures.get("rate_ratio", 0) >= 0.95 and figures.get("provoked_429", 1) == 0
    return 0 if ok and not figures.get("crash_failures") else 1


def main(argv: list[str]) -> int:
    """Command-line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m bench broadcast", description=__doc__)
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--trials", type=int, default=10, help="crash trials (0 to skip)")
    parser.add_argument("--crash-recipients", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=None, help="random seed of the kill moments")
    parser.add_argument("--database-url", default=None, help="default: SQLite in a temp folder")
    args = parser.parse_args(argv)
    if args.seed is None:
        args.seed = random.randrange(2**32)
    print(f"seed {args.seed}", flush=True)
    return asyncio.run(_run(args))
