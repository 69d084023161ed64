"""Failover, end to end: two bot processes on one PostgreSQL database, one of them active.

Each process talks to the emulator through its own recording pass-through proxy, so every Bot API
call is attributed to the process that made it, with the time it arrived. The emulator's delivery
log judges the broadcast: everybody received it, at most one batch twice.

1. The active process is SIGKILLed mid-broadcast: the standby takes over within moments of the
   lease expiring and finishes the broadcast.
2. The active process is frozen (SIGSTOP) mid-broadcast until its lease expired and the standby
   took over, then woken (SIGCONT): it makes no Bot API call at all after waking and stands by;
   once the other stops cleanly, it takes over again at once.
"""

from __future__ import annotations

import asyncio
import os
import random
import re
import signal
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from sqlalchemy import func, select

from services import broadcasts
from storage.db import SessionFactory
from storage.models import Broadcast, Lease, OutboxMessage, OutboxStatus
from tests.e2e.conftest import BotProcess
from tests.e2e.test_broadcast import add_staff, prepare
from tests.factories import CHAIR, make_school
from tgemu import EmuClient, Emulator
from tgemu.client import User
from ui.texts import Texts

RECIPIENTS, FIRST_ID = 1000, 100_000
BATCH = 20
RATE = 500  # flood limits raised on both sides for speed: this is about failover
LEASE = 2.0
RUNNING, STANDBY = "is running", "standby: another process holds the lease"
LOST = "not active any more"


class Recorder:
    """A pass-through proxy in front of the emulator noting each call of one process."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.calls: list[tuple[float, str]] = []  # (arrival time, Bot API method)
        self.url = ""
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        """Listen on a free port."""
        self._session = aiohttp.ClientSession()
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self._forward)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        host, port = self._runner.addresses[0][:2]
        self.url = f"http://{host}:{port}"

    async def close(self) -> None:
        """Stop listening."""
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()

    def since(self, moment: float) -> list[tuple[float, str]]:
        """Calls that arrived at or after `moment` (time.time())."""
        return [call for call in self.calls if call[0] >= moment]

    async def _forward(self, request: web.Request) -> web.StreamResponse:
        self.calls.append((time.time(), request.path.rsplit("/", 1)[-1]))
        assert self._session is not None
        body = await request.read()
        headers = {"Content-Type": request.headers.get("Content-Type", "application/json")}
        try:
            async with self._session.request(
                request.method, self.upstream + request.path_qs, data=body, headers=headers
            ) as answer:
                payload = await answer.read()
                kind = answer.headers.get("Content-Type", "application/json")
                return web.Response(
                    body=payload, status=answer.status, headers={"Content-Type": kind}
                )
        except aiohttp.ClientError:
            return web.Response(status=502)


class Node:
    """One bot process behind its own recorder."""

    def __init__(self, emu: Emulator, db_url: str, log_path: Path) -> None:
        self.recorder = Recorder(emu.url)
        self.db_url, self.log_path = db_url, log_path
        self.process: BotProcess | None = None

    async def launch(self, **env: str) -> None:
        """Start the process (active or standby: the caller waits for either)."""
        await self.recorder.start()
        self.process = BotProcess(self.recorder.url, self.db_url, self.log_path)
        self.process.env.update(env)
        self.log_path.write_text("")
        await self.process.start(ready="")  # at once: the caller waits for active or standby

    @property
    def pid(self) -> int:
        """The process id."""
        assert self.process is not None and self.process.proc is not None
        return self.process.proc.pid

    def log(self) -> str:
        """Its log so far."""
        return self.log_path.read_text(errors="replace")

    def signal(self, sig: signal.Signals) -> None:
        """Send a signal (SIGSTOP freezes it, SIGCONT wakes it)."""
        os.kill(self.pid, sig)

    async def close(self) -> None:
        """Kill it if still there, stop the recorder."""
        proc = self.process.proc if self.process is not None else None
        if self.process is not None and proc is not None and proc.poll() is None:
            os.kill(proc.pid, signal.SIGCONT)
            self.process.kill()
        await self.recorder.close()


Condition = Callable[[], object | Awaitable[object]]


async def until(condition: Condition, what: str, within: float = 20.0) -> float:
    """Poll `condition` (its result may be awaitable) until true; the time.time() it was."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        result = condition()
        if isinstance(result, Awaitable):
            result = await result
        if result:
            return time.time()
        await asyncio.sleep(0.01)
    raise TimeoutError(f"{what} did not happen within {within}s")


def delivered_at_least(client: EmuClient, count: int) -> Condition:
    """A condition: the broadcast reached `count` deliveries."""

    async def check() -> bool:
        return sum((await delivered(client)).values()) >= count

    return check


@pytest.fixture
async def pair(
    db_url: str, emu: Emulator, client: EmuClient, tmp_path: Path
) -> AsyncIterator[tuple[Node, Node]]:
    """Two bot processes on one PostgreSQL database: (active, standby)."""
    if not db_url.startswith("postgresql"):
        pytest.skip("failover needs PostgreSQL: on SQLite one process serves (CI has PostgreSQL)")
    nodes = [Node(emu, db_url, tmp_path / f"bot{i}.log") for i in (1, 2)]
    try:
        env = {
            "FLOOD_PER_SECOND": str(RATE),
            "OUTBOX_BATCH_SIZE": str(BATCH),
            "BROADCAST_PROGRESS_SECONDS": "0.3",
            "LEASE_SECONDS": str(LEASE),
        }
        await asyncio.gather(*(node.launch(**env) for node in nodes))
        await until(
            lambda: (
                sorted((RUNNING in n.log(), STANDBY in n.log()) for n in nodes)
                == [(False, True), (True, False)]
            ),
            "one active, one standby",
        )
        active, standby = sorted(nodes, key=lambda n: RUNNING not in n.log())
        yield active, standby
    finally:
        for node in nodes:
            await node.close()


async def holder_pid(sessions: SessionFactory) -> int | None:
    """The pid in the lease holder's name (host:pid:random)."""
    async with sessions() as s:
        holder = await s.scalar(select(Lease.holder))
    match = re.match(r"^.*:(\d+):[0-9a-f]+$", holder or "")
    return int(match.group(1)) if match else None


async def lease_expiry(sessions: SessionFactory) -> float:
    """When the current lease expires (time.time())."""
    async with sessions() as s:
        expires = await s.scalar(select(Lease.expires_at))
    assert expires is not None
    return expires.timestamp()


async def delivered(client: EmuClient) -> dict[int, int]:
    """Deliveries to the broadcast's recipients, by chat."""
    counts = await client.delivered_counts()
    return {chat: n for chat, n in counts.items() if FIRST_ID <= chat < FIRST_ID + RECIPIENTS}


async def broadcast(
    client: EmuClient, sessions: SessionFactory, texts: Texts, now: datetime
) -> tuple[User, int]:
    """The school and 1,000 staff; the chair's broadcast confirmed; (chair, progress message)."""
    school = await make_school(sessions, texts, now)
    chair = await client.user(CHAIR, "Hà", last_name="Trần", started=True)
    await client.create_users(FIRST_ID, RECIPIENTS)
    department = school.departments["Tổ 2"]
    await add_staff(sessions, school.org_id, department, FIRST_ID, RECIPIENTS, now)
    await client.set_flood_limits(per_bot=RATE)
    # The dialogue is tested elsewhere: the chair's /help answer becomes the progress message.
    await chair.send("/help")
    progress = await chair.wait_message(contains="/broadcast")
    await prepare(sessions, texts, now, audience=f"department:{department}")
    async with sessions() as s:
        await broadcasts.confirm(
            s,
            tg_user_id=CHAIR,
            progress_chat_id=CHAIR,
            progress_message_id=progress.message_id,
            texts=texts,
            now=now,
        )
    return chair, progress.message_id


async def check_delivery(
    client: EmuClient, sessions: SessionFactory, chair: User, progress_id: int, context: str
) -> int:
    """Everybody got it, at most one batch twice, every row sent, the report filed; duplicates."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        async with sessions() as s:
            if await s.scalar(select(Broadcast.finished_at)) is not None:
                break
        await asyncio.sleep(0.1)
    counts = await delivered(client)
    skipped = [chat for chat in range(FIRST_ID, FIRST_ID + RECIPIENTS) if chat not in counts]
    twice = sum(n - 1 for n in counts.values())
    assert skipped == [], context
    assert twice <= BATCH, context
    async with sessions() as s:
        statuses = dict(
            (
                await s.execute(
                    select(OutboxMessage.status, func.count())
                    .where(OutboxMessage.ref == "bc:1")
                    .group_by(OutboxMessage.status)
                )
            ).all()
        )
    assert statuses == {OutboxStatus.SENT: RECIPIENTS}, context
    await chair.wait_message(contains="Báo cáo gửi thông báo #1")
    shown = {m.message_id: m.text for m in await client.messages(chair)}[progress_id]
    assert f"Đã gửi: {RECIPIENTS}/{RECIPIENTS}" in shown, context
    # A resent row never lands within Telegram's per-chat second of the original (the quiet second).
    assert (await client.stats())["provoked_429"] == 0, context
    return twice


async def test_the_standby_takes_over_when_the_active_process_is_killed_mid_broadcast(
    pair: tuple[Node, Node],
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    active, standby = pair
    assert [method for _, method in standby.recorder.calls] == ["getMe"]  # a standby is quiet
    chair, progress_id = await broadcast(client, sessions, texts, now)
    seed = random.randrange(2**32)
    kill_after = random.Random(seed).randint(20, RECIPIENTS - 200)
    await until(delivered_at_least(client, kill_after), "deliveries before the kill")
    assert active.process is not None
    active.process.kill()
    killed = time.time()
    expiry = await lease_expiry(sessions)  # the dead process's last renewal
    took_over = await until(lambda: standby.recorder.since(killed), "the takeover", 10)
    await until(lambda: RUNNING in standby.log(), "the standby running")
    assert await holder_pid(sessions) == standby.pid
    context = f"seed {seed}, killed after {kill_after}"
    twice = await check_delivery(client, sessions, chair, progress_id, context)
    after_expiry = took_over - expiry
    print(
        f"FAILOVER sigkill: killed after {kill_after} deliveries; lease expired "
        f"{expiry - killed:.2f}s after the kill; first call of the new active process "
        f"{after_expiry:.2f}s after the expiry; {twice} sent twice"
    )
    assert after_expiry < 2.0, context  # "within seconds of the lease expiring"


async def test_a_process_frozen_past_its_lease_sends_nothing_once_woken_and_stands_by(
    pair: tuple[Node, Node],
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    frozen, standby = pair
    chair, progress_id = await broadcast(client, sessions, texts, now)
    seed = random.randrange(2**32)
    freeze_after = random.Random(seed).randint(20, RECIPIENTS - 400)
    await until(delivered_at_least(client, freeze_after), "deliveries before the freeze")
    frozen.signal(signal.SIGSTOP)
    stopped = time.time()
    expiry = await lease_expiry(sessions)

    async def taken_over() -> bool:
        return await holder_pid(sessions) == standby.pid

    await until(taken_over, "the takeover", LEASE + 10)
    await until(lambda: standby.recorder.since(stopped), "its first call", 5)
    took_over = standby.recorder.since(stopped)[0][0]
    woken = time.time()
    frozen.signal(signal.SIGCONT)
    await until(lambda: LOST in frozen.log(), "the woken process standing by", 10)
    context = f"seed {seed}, frozen after {freeze_after}"
    twice = await check_delivery(client, sessions, chair, progress_id, context)
    late = frozen.recorder.since(woken)
    print(
        f"FAILOVER sigstop: frozen after {freeze_after} deliveries; lease expired "
        f"{expiry - stopped:.2f}s after the freeze; first call of the new active process "
        f"{took_over - expiry:.2f}s after the expiry; woken {woken - took_over:.2f}s after "
        f"the takeover; calls of the woken process: {len(late)}; {twice} sent twice"
    )
    # Not one Bot API call after waking: no send, no getUpdates.
    assert late == [], f"{context}: {[(round(t - woken, 4), m) for t, m in late]}"
    assert frozen.process is not None and frozen.process.proc is not None
    assert frozen.process.proc.poll() is None  # alive, standing by
    assert LOST in frozen.log() and frozen.log().count(RUNNING) == 1
    # An expected hand-over is WARNING lines, no ERROR and no traceback (those need a person).
    woken_log = frozen.log()
    assert " ERROR " not in woken_log and "Traceback" not in woken_log, woken_log[-4000:]

    # It really stands by: when the other stops cleanly (releasing the lease), it takes over.
    assert standby.process is not None
    released = time.time()
    assert await standby.process.terminate() == 0
    await until(lambda: frozen.log().count(RUNNING) == 2, "the second takeover", 10)
    await chair.send("/help")
    await chair.wait_message(contains="/broadcast", timeout=10)
    sends = [method for _, method in frozen.recorder.since(released) if method == "sendMessage"]
    assert sends, "the answer came from the process that had been frozen"
