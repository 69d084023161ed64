"""Restarts, end to end: the bot as a real process, killed with SIGKILL or stopped cleanly.

Dialogue steps and outgoing messages live in the database, so a killed bot loses nothing: the
user continues where they were, and what was decided is delivered after the restart.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

from sqlalchemy import select

from storage.db import SessionFactory
from storage.models import MemberStatus, OutboxMessage, OutboxStatus
from tests.e2e.conftest import BotProcess
from tests.e2e.helpers import named
from tests.factories import CHAIR, VICE, School, join, make_school, membership_of
from tgemu import EmuClient
from tgemu.client import Msg
from ui.texts import Texts

NEWCOMER = 2001
NAME = "Bùi Văn Đức"
APPROVED = "đã được duyệt"


async def outbox_rows(sessions: SessionFactory) -> list[OutboxMessage]:
    """Every queued message, oldest first."""
    async with sessions() as s:
        return list((await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all())


async def wait_outbox_drained(sessions: SessionFactory, timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Wait until every queued message is sent (a row a dead process had claimed included)."""
    deadline = time.monotonic() + timeout
    while True:
        rows = await outbox_rows(sessions)
        if rows and all(r.status == OutboxStatus.SENT for r in rows):
            return
        if time.monotonic() > deadline:
            raise TimeoutError(f"outbox not drained: {[(r.id, r.status) for r in rows]}")
        await asyncio.sleep(0.1)


async def pending_request(
    sessions: SessionFactory, texts: Texts, now: datetime, school: School
) -> int:
    """A newcomer's join request, waiting for the leaders (its notices queued)."""
    return await join(
        sessions,
        texts,
        now,
        code=school.invite_code,
        tg_user_id=NEWCOMER,
        name=NAME,
        department_id=school.departments["Tổ 2"],
    )


async def sent_to(client: EmuClient, chat_id: int, contains: str) -> list[Msg]:
    """The bot's messages in a chat that contain `contains`."""
    return [m for m in await client.messages(chat_id) if m.from_bot and contains in m.text]


async def test_a_teacher_killed_mid_join_continues_after_the_restart_where_they_were(
    bot_process: BotProcess,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    school = await make_school(sessions, texts, now)
    chair = await client.user(CHAIR, "Hà", started=True)
    await client.user(VICE, "Tuấn", started=True)
    newcomer = await client.user(NEWCOMER, "Đức")
    await bot_process.start()
    await newcomer.send(f"/start j_{school.invite_code}")
    await newcomer.wait_message(contains="họ và tên đầy đủ")
    picker = await named(newcomer, NAME)

    bot_process.kill()
    await bot_process.start()

    answer = await newcomer.press(picker, "Tổ 2")
    assert answer is not None and not answer.show_alert
    await newcomer.wait_edit(picker, contains="Đã gửi yêu cầu")
    notice = await chair.wait_message(contains="Yêu cầu sử dụng bot")
    assert f"Họ và tên: {NAME}" in notice.text and "Tổ: Tổ 2" in notice.text
    member = await membership_of(sessions, NEWCOMER)
    assert member is not None and member.status == MemberStatus.PENDING
    assert member.department_id == school.departments["Tổ 2"]


async def test_a_bot_killed_right_after_an_approval_still_tells_the_teacher_after_the_restart(
    bot_process: BotProcess,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    school = await make_school(sessions, texts, now)
    chair = await client.user(CHAIR, "Hà", started=True)
    await client.user(VICE, "Tuấn", started=True)
    await client.user(NEWCOMER, "Đức", started=True)
    await pending_request(sessions, texts, now, school)
    await bot_process.start()
    notice = await chair.wait_message(contains="Yêu cầu sử dụng bot")

    toast = await chair.press(notice, "✅ Duyệt")
    bot_process.kill()
    assert toast is not None and toast.text == "Đã duyệt."

    await bot_process.start()
    await wait_outbox_drained(sessions)
    # Delivery is at-least-once: the approval is committed together with its outbox row, so it
    # is never lost. It is sent twice only if the kill fell between Telegram accepting the
    # message and the row being marked sent (the restarted bot resends it once the dead
    # process's 3 s lease ends); nothing can make that window empty, so one extra copy is allowed.
    told = await sent_to(client, NEWCOMER, APPROVED)
    assert 1 <= len(told) <= 2, [m.text for m in told]
    member = await membership_of(sessions, NEWCOMER)
    assert member is not None and member.status == MemberStatus.ACTIVE


async def test_a_clean_restart_right_after_an_approval_sends_every_message_exactly_once(
    bot_process: BotProcess,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    school = await make_school(sessions, texts, now)
    chair = await client.user(CHAIR, "Hà", started=True)
    vice = await client.user(VICE, "Tuấn", started=True)
    await client.user(NEWCOMER, "Đức", started=True)
    await pending_request(sessions, texts, now, school)
    await bot_process.start()
    notice = await chair.wait_message(contains="Yêu cầu sử dụng bot")
    await vice.wait_message(contains="Yêu cầu sử dụng bot")

    await chair.press(notice, "✅ Duyệt")
    assert await bot_process.terminate() == 0
    # A clean stop finishes what it started and leaves nothing half-sent behind.
    assert [r.id for r in await outbox_rows(sessions) if r.claimed_by is not None] == []

    await bot_process.start()
    await wait_outbox_drained(sessions)
    sends = await client.calls(method="sendMessage")
    per_chat: dict[int, int] = {}
    for call in sends:
        if call["ok"]:
            chat_id = int(call["params"]["chat_id"])
            per_chat[chat_id] = per_chat.get(chat_id, 0) + 1
    assert per_chat == {CHAIR: 1, VICE: 1, NEWCOMER: 1}
    edits = [c for c in await client.calls(method="editMessageText") if c["ok"]]
    assert sorted(int(c["params"]["chat_id"]) for c in edits) == [CHAIR, VICE]
    assert len(await sent_to(client, NEWCOMER, APPROVED)) == 1
