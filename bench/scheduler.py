"""`python -m bench scheduler`: start-up with 1,000 campaigns, and a launch notice to 2,000 staff.

Figures: seconds from start to ready (migrations, first scheduler tick) with 1,000 campaigns and
their notices in the database (target ≤ 2 s); the launch notice's delivery rate on the emulator
(its own process, flood limits on) as a ratio of Telegram's 30 msg/s (target ≥ 0.9); 429s the
emulator counted; peak RSS.
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from bench._common import emulator_process, peak_rss_mb, report, seed_staff
from bot.app import bootstrap, build_application, serve
from runtime.config import load_settings
from scheduler import jobs
from services import campaigns, orgs
from storage.db import make_engine, make_session_factory
from storage.migrate import upgrade
from storage.models import CampaignKind, Department
from tgemu import EmuClient
from tgemu.client import DEFAULT_TOKEN
from ui.texts import Texts

CAMPAIGNS, STAFF = 1000, 2000


async def _seed_campaigns(url: str) -> int:
    engine = make_engine(url)
    await upgrade(engine)
    sessions = make_session_factory(engine)
    now = datetime.now(UTC)
    async with sessions() as session:
        created = await orgs.create_org(session, name="Trường Tiểu học Thượng Thanh", now=now)
    async with sessions() as session:
        for i in range(CAMPAIGNS):
            start = now + timedelta(days=1 + i % 30, hours=i % 24)
            await campaigns.create_direct(
                session,
                org_id=created.org_id,
                name=f"Phong trào {i}",
                now=now,
                kind=CampaignKind.GOOD_DEEDS,
                starts_at=start,
                ends_at=start + timedelta(days=30),
            )
    await engine.dispose()
    return created.org_id


async def startup_seconds(url: str) -> float:
    """From nothing to a bot that polls and has armed its schedule from the database."""
    async with emulator_process("--no-flood-limits") as emu_url:
        settings = load_settings(
            telegram_bot_token=DEFAULT_TOKEN,
            telegram_base_url=f"{emu_url}/bot",
            telegram_base_file_url=f"{emu_url}/file/bot",
            database_url=url,
            polling_timeout=1,
        )
        started = time.perf_counter()
        engine, deps = await bootstrap(settings)
        app = build_application(deps, DEFAULT_TOKEN)
        stop = asyncio.Event()
        task = asyncio.create_task(serve(app, stop))
        while not app.bot_data.get(jobs.READY_KEY):
            if task.done():
                await task
            await asyncio.sleep(0.005)
        ready = time.perf_counter() - started
        stop.set()
        await task
        await engine.dispose()
        return ready


async def launch_rate(url: str) -> tuple[float, int, int]:
    """A campaign opens for 2,000 staff: messages per second from first to last delivery."""
    async with emulator_process() as emu_url:
        client = EmuClient(emu_url)
        await client.create_bot(DEFAULT_TOKEN)
        await client.create_users(500_000, STAFF)
        engine = make_engine(url)
        await upgrade(engine)
        sessions = make_session_factory(engine)
        now = datetime.now(UTC)
        async with sessions() as session:
            created = await orgs.create_org(session, name="Trường B", now=now)
            dept = await session.scalar(
                select(Department.id).where(Department.org_id == created.org_id).limit(1)
            )
            assert dept is not None
        await seed_staff(
            sessions,
            org_id=created.org_id,
            department_id=dept,
            now=now,
            start_id=500_000,
            count=STAFF,
        )
        settings = load_settings(
            telegram_bot_token=DEFAULT_TOKEN,
            telegram_base_url=f"{emu_url}/bot",
            telegram_base_file_url=f"{emu_url}/file/bot",
            database_url=url,
            polling_timeout=1,
            scheduler_tick_seconds=0.5,
            outbox_poll_seconds=0.2,
        )
        _, deps = await bootstrap(settings, migrate=False)
        deps.texts = Texts(settings.tz)
        app = build_application(deps, DEFAULT_TOKEN)
        stop = asyncio.Event()
        task = asyncio.create_task(serve(app, stop))
        async with sessions() as session:
            await campaigns.create_direct(
                session,
                org_id=created.org_id,
                name="Người tốt, việc tốt",
                now=now,
                kind=CampaignKind.GOOD_DEEDS,
                starts_at=datetime.now(UTC),
                ends_at=now + timedelta(days=30),
                reminder_days=[],
            )
        while sum((await client.delivered_counts()).values()) < STAFF:  # noqa: ASYNC110
            await asyncio.sleep(1)
        calls = [c for c in await client.calls(method="sendMessage") if c["ok"]]
        stamps = sorted(c["ts"] for c in calls)
        stats = await client.stats()
        stop.set()
        await task
        await engine.dispose()
        await client.close()
        rate = (len(stamps) - 1) / (stamps[-1] - stamps[0])
        return rate, int(stats.get("provoked_429", 0)), len(stamps)


async def run() -> dict[str, object]:
    """Both measurements, each on a fresh SQLite file."""
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite+aiosqlite:///{Path(tmp) / 'start.sqlite3'}"
        print(f"seeding {CAMPAIGNS} campaigns…", flush=True)
        await _seed_campaigns(url)
        ready = await startup_seconds(url)
        print(f"start-up to ready with {CAMPAIGNS} campaigns: {ready:.2f} s (target ≤ 2 s)")
        rate, provoked, sent = await launch_rate(
            f"sqlite+aiosqlite:///{Path(tmp) / 'rate.sqlite3'}"
        )
        print(
            f"launch notice to {sent} staff: {rate:.1f} msg/s = {rate / 30:.2f} of 30 msg/s "
            f"(target ≥ 0.9); 429s provoked: {provoked}"
        )
    return {
        "bench": "scheduler",
        "startup_s": round(ready, 2),
        "rate_ratio": round(rate / 30, 3),
        "provoked_429": provoked,
        "peak_rss_mb": peak_rss_mb(),
    }


def main(argv: list[str]) -> int:
    """Entry point for `python -m bench scheduler`."""
    figures = asyncio.run(run())
    print(f"peak RSS: {figures['peak_rss_mb']} MB")
    report(figures)
    return 0
