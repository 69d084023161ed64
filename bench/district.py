"""`python -m bench district`: a district on PostgreSQL against one school on SQLite.

The district: 200 schools of 50 (10,000 staff, bulk-seeded rows), each with a history of stories;
200 of the staff chat (about one a school) and 4 council members in 4 schools decide stories;
school 0 only listens, its chair broadcasts to it. The baseline: the same run for one school on
SQLite (the same chatting users and council members, all in that school, and a department of 49
who only listen, for the broadcast). Each run has its own emulator (flood limits off, the bot's
own limiter too, but for Telegram's one message a second per private chat) and the bot as a
process (`python -m bot run`), and measures (see bench/_traffic.py):
  - updates/s: the mixed workload of bench core, queued while the bot is stopped;
  - p95 reply latency: 40 of the chatting staff and the council members act live, with 1–2 s
    between actions, from a user's send to the bot's reply, on the driver's side;
  - broadcast rate: meanwhile, five announcements to one school (49 recipients; in the
    baseline, the department of 49), first to last delivery, the median of the five.
Each figure is printed as a ratio of the district's to the baseline's (for latency, lower is
better). PostgreSQL unreachable: the district is skipped, and said so. Readable lines first;
the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench import _traffic as traffic
from bench._common import drop_pg, emulator_process, pg_database, report
from tgemu import EmuClient
from ui.texts import Texts

THINK = (1.0, 2.0)  # seconds between a live user's actions
BROADCAST_EVERY = 3.0  # seconds between broadcasts, from the start of the live traffic


async def measure(label: str, url: str, plan: traffic.Plan, args: Any) -> dict[str, Any]:
    """Seed, warm up, then the queued burst, then live traffic with broadcasts."""
    started = time.monotonic()
    folder = Path(tempfile.mkdtemp(prefix=f"bench-district-{label}-"))
    texts = Texts(ZoneInfo("Asia/Ho_Chi_Minh"), "vi")
    now = datetime.now(UTC)
    engine, sessions, seeded = await traffic.seed(url, plan, now)
    seed_s = time.monotonic() - started
    members = plan.schools * plan.per_school
    print(
        f"[{label}] seeded {plan.schools} school(s), {members:,} members, "
        f"{plan.schools * plan.history:,} stories in {seed_s:.1f} s",
        flush=True,
    )
    chair = seeded.chairs[0]
    if plan.department:
        audience = f"department:{seeded.department_ids[0]}"
        recipients = set(seeded.members[0][-plan.department :])
    else:
        audience, recipients = "all", set(seeded.members[0][1:])
    async with emulator_process("--no-flood-limits") as emu_url:
        client = EmuClient(emu_url)
        bot = traffic.Proc(["-m", "bot", "run"], traffic.bot_env(emu_url, url), folder / "bot.log")
        try:
            await traffic.populate(client, seeded)
            await traffic.councils(client, sessions, seeded, texts, now)
            await bot.start()
            buttons = await traffic.warm_up(client, seeded, chair)
            await bot.stop()
            actions = traffic.queued_workload(seeded, buttons)
            since = await traffic.call_log_position(client)
            await traffic.enqueue(client, actions)
            await bot.start()
            burst = await traffic.drain(client, actions, since)
            print(
                f"[{label}] {burst.updates} queued updates in {burst.seconds:.1f} s = "
                f"{burst.per_second:.1f} updates/s",
                flush=True,
            )
            progress = buttons.progress
            assert progress is not None
            since = await traffic.call_log_position(client)

            async def announce() -> list[tuple[int, float]]:
                rates = []
                for _ in range(args.broadcasts):
                    await asyncio.sleep(BROADCAST_EVERY)
                    sent, tag = await traffic.broadcast(sessions, texts, chair, progress, audience)
                    await traffic.finished(sessions, sent)
                    rates.append(await traffic.delivery_rate(client, since, tag, recipients))
                return rates

            announcing = asyncio.create_task(announce())
            live = await traffic.live(
                client, seeded, buttons, users=args.live_users, seed=args.seed, think=THINK
            )
            rates = await announcing
            bot.sample_rss()
        finally:
            await bot.stop()
            await client.close()
            await engine.dispose()
    p50, p95 = live.percentile(50), live.percentile(95)
    delivered = rates[0][0] if rates else 0
    rate = sorted(r for _, r in rates)[len(rates) // 2] if rates else 0.0
    print(
        f"[{label}] live: {len(live.latencies)} replies, p50 {p50 * 1000:.0f} ms, "
        f"p95 {p95 * 1000:.0f} ms, max {max(live.latencies) * 1000:.0f} ms; {len(rates)} "
        f"broadcasts to {delivered} ({audience.partition(':')[0]}) meanwhile: median "
        f"{rate:.1f} msg/s ({', '.join(f'{r:.0f}' for _, r in rates)}); bot peak RSS "
        f"{bot.peak_rss_mb} MB; logs: {folder}",
        flush=True,
    )
    print(f"[{label}] p95 by action (ms): {live.summary()}", flush=True)
    return {
        "db": url.split("+", 1)[0],
        "schools": plan.schools,
        "members": members,
        "stories": plan.schools * plan.history,
        "chatting": plan.chatting,
        "council": plan.council,
        "seed_s": round(seed_s, 1),
        "updates": burst.updates,
        "updates_per_s": round(burst.per_second, 1),
        "live_replies": len(live.latencies),
        "p50_ms": round(p50 * 1000, 1),
        "p95_ms": round(p95 * 1000, 1),
        "p95_ms_by_action": {
            action: round(live.percentile(95, action) * 1000, 1) for action in live.by_action
        },
        "broadcast_recipients": delivered,
        "broadcast_msgs_per_s": round(rate, 1),
        "broadcast_runs_msgs_per_s": [round(r, 1) for _, r in rates],
        "bot_peak_rss_mb": bot.peak_rss_mb,
        "seconds": round(time.monotonic() - started, 1),
    }


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


async def _run(args: Any) -> dict[str, Any]:
    per_school = args.staff // args.schools
    common = {
        "chatting": args.chatting,
        "council": args.council,
        "rounds": args.rounds,
        "live_rounds": args.live_rounds,
        "history": args.history,
    }
    print(
        f"district: {args.schools} schools × {per_school} = {args.schools * per_school:,} staff, "
        f"{args.history} stories each; {args.chatting} chatting, {args.council} council members; "
        f"{args.rounds} queued rounds, {args.live_rounds} live rounds ({args.live_users} live "
        "staff); flood limits off",
        flush=True,
    )
    one_school = traffic.Plan(
        schools=1,
        per_school=1 + args.council + args.chatting + 1 + per_school - 1,
        department=per_school - 1,
        **common,
    )
    figures: dict[str, Any] = {"bench": "district"}
    with tempfile.TemporaryDirectory() as folder:
        base = await measure(
            "sqlite", f"sqlite+aiosqlite:///{Path(folder) / 'one.sqlite3'}", one_school, args
        )
    figures["one_school_sqlite"] = base
    pg = args.database_url or await pg_database("district")
    if pg is None:
        print("district on PostgreSQL: SKIPPED (no server); only the baseline ran", flush=True)
        figures["district_postgresql"] = None
        figures["skipped"] = "PostgreSQL not reachable"
        return figures
    try:
        district = traffic.Plan(schools=args.schools, per_school=per_school, **common)
        figures["district_postgresql"] = result = await measure("postgresql", pg, district, args)
    finally:
        if args.database_url is None:
            await drop_pg(pg)
    figures["ratios"] = ratios = {
        "updates_per_s": _ratio(result["updates_per_s"], base["updates_per_s"]),
        "p95_latency": _ratio(result["p95_ms"], base["p95_ms"]),
        "broadcast_rate": _ratio(result["broadcast_msgs_per_s"], base["broadcast_msgs_per_s"]),
    }
    print(
        f"district (PostgreSQL) / one school (SQLite): updates/s ×{ratios['updates_per_s']}, "
        f"p95 latency ×{ratios['p95_latency']} (lower is better), broadcast rate "
        f"×{ratios['broadcast_rate']}",
        flush=True,
    )
    return figures


def main(argv: list[str]) -> int:
    """Command-line entry point (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m bench district", description=__doc__)
    parser.add_argument("--schools", type=int, default=200)
    parser.add_argument("--staff", type=int, default=10_000, help="in all, spread evenly")
    parser.add_argument("--history", type=int, default=50, help="stories per school")
    parser.add_argument("--chatting", type=int, default=200, help="staff chatting, one a school")
    parser.add_argument("--council", type=int, default=4, help="council members deciding")
    parser.add_argument("--rounds", type=int, default=2, help="rounds of the queued workload")
    parser.add_argument("--live-rounds", type=int, default=3, help="rounds of live traffic")
    parser.add_argument("--live-users", type=int, default=40, help="chatting staff acting live")
    parser.add_argument("--broadcasts", type=int, default=5, help="during the live traffic")
    parser.add_argument("--seed", type=int, default=7, help="random seed of the think times")
    parser.add_argument(
        "--database-url", default=None, help="PostgreSQL for the district (default: a fresh one)"
    )
    args = parser.parse_args(argv)
    report(asyncio.run(_run(args)))
    return 0
