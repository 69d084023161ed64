"""Crash safety: SIGKILL the bot process in the middle of a 1,000-recipient broadcast, restart it.

The emulator's own delivery log is the judge: every recipient received the announcement, and
no more than one batch (the rows in flight when the process died) was sent twice.
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import datetime

from sqlalchemy import func, select

from services import broadcasts
from storage.db import SessionFactory
from storage.models import Broadcast, OutboxMessage, OutboxStatus
from tests.e2e.conftest import BotProcess
from tests.e2e.test_broadcast import add_staff, prepare
from tests.factories import CHAIR, make_school
from tgemu import EmuClient
from ui.texts import Texts

RECIPIENTS, FIRST_ID = 1000, 100_000
BATCH = 20
# Flood limits raised on both sides for speed: this test is about crashes. The bot's own limiter
# stays in front of every call, set to the emulator's limit, so no 429 is provoked either.
RATE = 500


async def _finished(sessions: SessionFactory, broadcast_id: int, within: float = 30.0) -> None:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        async with sessions() as s:
            done = await s.scalar(select(Broadcast.finished_at).where(Broadcast.id == broadcast_id))
        if done is not None:
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"broadcast {broadcast_id} did not finish within {within}s")


async def _delivered(client: EmuClient) -> dict[int, int]:
    counts = await client.delivered_counts()
    return {chat: n for chat, n in counts.items() if FIRST_ID <= chat < FIRST_ID + RECIPIENTS}


async def test_a_broadcast_survives_sigkill_nobody_skipped_at_most_a_batch_twice(
    bot_process: BotProcess,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    school = await make_school(sessions, texts, now)
    chair = await client.user(CHAIR, "Hà", last_name="Trần", started=True)
    await client.create_users(FIRST_ID, RECIPIENTS)
    department = school.departments["Tổ 2"]
    await add_staff(sessions, school.org_id, department, FIRST_ID, RECIPIENTS, now)
    await client.set_flood_limits(per_bot=RATE)
    bot_process.env.update(
        FLOOD_PER_SECOND=str(RATE),
        OUTBOX_BATCH_SIZE=str(BATCH),
        # Longer than Telegram's 1 s per chat: a resent row never provokes a 429 on its chat.
        OUTBOX_LEASE_SECONDS="1.5",
        BROADCAST_PROGRESS_SECONDS="0.3",
    )
    await bot_process.start()
    # The dialogue is tested elsewhere: here the chair's /help answer becomes the progress message.
    await chair.send("/help")
    progress = await chair.wait_message(contains="/broadcast")
    seed = random.randrange(2**32)
    rng = random.Random(seed)
    for trial in (1, 2):
        before = await _delivered(client)
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
        kill_after = rng.randint(20, RECIPIENTS - 100)
        # The emulator is another component: poll its log (no event crosses the boundary).
        while sum((await _delivered(client)).values()) - sum(before.values()) < kill_after:  # noqa: ASYNC110
            await asyncio.sleep(0.005)
        bot_process.kill()
        await bot_process.start()
        await _finished(sessions, trial)

        after = await _delivered(client)
        received = {
            chat: after.get(chat, 0) - before.get(chat, 0)
            for chat in range(FIRST_ID, FIRST_ID + RECIPIENTS)
        }
        skipped = [chat for chat, n in received.items() if n == 0]
        twice = sum(n - 1 for n in received.values() if n > 1)
        context = f"trial {trial}, seed {seed}, killed after {kill_after}"
        assert skipped == [], context
        assert twice <= BATCH, context
        async with sessions() as s:
            statuses = dict(
                (
                    await s.execute(
                        select(OutboxMessage.status, func.count())
                        .where(OutboxMessage.ref == f"bc:{trial}")
                        .group_by(OutboxMessage.status)
                    )
                ).all()
            )
        assert statuses == {OutboxStatus.SENT: RECIPIENTS}, context
        # The progress message, whose id the broadcast row kept, was finished by the new process.
        await chair.wait_message(contains=f"Báo cáo gửi thông báo #{trial}")
        shown = {m.message_id: m.text for m in await client.messages(chair)}[progress.message_id]
        assert f"Thông báo #{trial}" in shown and f"Đã gửi: {RECIPIENTS}/{RECIPIENTS}" in shown
    bad = [
        (c["method"], c["params"].get("chat_id"), round(c["ts"], 3))
        for c in await client.calls()
        if c.get("error_code") == 429
    ]
    print("DBG429", bad[:30])
    assert (await client.stats())["provoked_429"] == 0
