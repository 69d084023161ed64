"""Shared pieces of the good-deed end-to-end tests: the council, a tiny PNG, walking /report."""

from __future__ import annotations

import asyncio
import json
import struct
import zlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from services import orgs
from storage.db import SessionFactory
from storage.models import AuditEntry, Conversation, OutboxMessage, Story, StoryPhoto
from tests.factories import CHAIR, COUNCIL, TEACHER, VICE, School
from tgemu import Chat, EmuClient, Msg, User

STORY = "Sáng 12/3, em Gia Bảo nhặt được ví có 1.200.000 đồng <b>đậm</b> & <script>x</script>"
OUTSIDER = 1999


def png(seed: int = 0) -> bytes:
    """A tiny valid PNG (1×1), different per seed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    raw = zlib.compress(bytes([0, seed % 256, 0, 0]))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


@dataclass
class Council:
    """The school, its people in the emulator, and the bound council group."""

    chair: User
    vice: User
    member: User
    teacher: User
    outsider: User
    group: Chat
    school: School


async def make_council(
    client: EmuClient, sessions: SessionFactory, now: datetime, school: School
) -> Council:
    """The school's people in the emulator, its council group bound, and a group member who is
    not on the council. Make the school (`make_school`) before the bot starts: it clears the
    outbox rows its set-up queued, which a running bot may already be sending."""
    chair = await client.user(CHAIR, "Hà", last_name="Trần", started=True)
    vice = await client.user(VICE, "Tuấn", last_name="Lê", started=True)
    member = await client.user(COUNCIL, "Lan", last_name="Phạm", started=True)
    teacher = await client.user(TEACHER, "Mai", last_name="Vũ", started=True)
    outsider = await client.user(OUTSIDER, "Khách", started=True)
    group = await client.group("Hội đồng TĐKT", members=[chair, vice, member, outsider])
    async with sessions() as s:
        await orgs.bind_council(s, tg_user_id=CHAIR, chat_id=group.id, now=now)
    return Council(chair, vice, member, teacher, outsider, group, school)


async def to_preview(
    teacher: User, text: str = STORY, photos: int = 0, who: str = "Chính tôi"
) -> Msg:
    """Walk /report up to the preview; returns the preview message (with its buttons)."""
    await teacher.send("/report")
    ask = await teacher.wait_message(contains="Kể lại việc tốt")
    await teacher.send(text)
    await teacher.wait_message(contains="Đã ghi nhận")
    await teacher.press(ask, "Xong phần nội dung →")
    photos_prompt = await teacher.wait_edit(ask, contains="ảnh minh chứng")
    if photos == 1:
        await teacher.send_photo(png(1))
        await teacher.wait_message(contains="Đã nhận ảnh (1/10)")
    elif photos > 1:
        await teacher.send_album([png(i) for i in range(photos)])
        await teacher.wait_message(contains="Đã nhận album ảnh")
    await teacher.press(photos_prompt, "Tiếp tục →")
    nominee = await teacher.wait_edit(photos_prompt, contains="Ai là người được nêu gương")
    await teacher.press(nominee, who)
    return await teacher.wait_edit(nominee, contains="Xem trước")


async def report(teacher: User, text: str = STORY, photos: int = 0, who: str = "Chính tôi") -> Msg:
    """Walk /report to the preview and send; returns the author's confirmation."""
    preview = await to_preview(teacher, text, photos, who)
    await teacher.press(preview, "📨 Gửi")
    return await teacher.wait_edit(preview, contains="Đã gửi câu chuyện")


async def card_of(council: Council, story_id: int) -> Msg:
    """The council card of a story, as the group sees it now."""
    for message in reversed(await council.group.messages()):
        if message.from_bot and f"Người tốt, việc tốt #{story_id}" in message.text:
            return message
    raise AssertionError(f"no card for #{story_id}")


async def stories_state(sessions: SessionFactory) -> dict[str, Any]:
    """What a refused input must leave alone: stories, photos, drafts, audit, queued messages."""
    async with sessions() as s:
        stories = (await s.scalars(select(Story).order_by(Story.id))).all()
        photos = (await s.scalars(select(StoryPhoto).order_by(StoryPhoto.id))).all()
        convos = (await s.scalars(select(Conversation).order_by(Conversation.id))).all()
        audit = (await s.scalars(select(AuditEntry).order_by(AuditEntry.id))).all()
        outbox = (await s.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()
    return {
        "stories": [
            (x.id, x.text, str(x.status), x.decided_by, x.reason, x.previous_id) for x in stories
        ],
        "photos": [(p.story_id, p.file_id, p.position) for p in photos],
        "conversations": [
            (c.chat_id, c.user_id, c.kind, c.step, json.dumps(c.data, sort_keys=True))
            for c in convos
        ],
        "audit": [(a.action, a.target) for a in audit],
        "outbox": [(o.id, o.chat_id, o.method, json.dumps(o.payload)) for o in outbox],
    }


async def wait_for(condition: Any, timeout: float = 10.0) -> None:  # noqa: ASYNC109
    """Poll an async condition until it holds."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await condition():
        if loop.time() > deadline:
            raise TimeoutError(f"{condition.__name__} did not hold within {timeout}s")
        await asyncio.sleep(0.05)


async def draft_of(sessions: SessionFactory, tg_user_id: int) -> tuple[str, str] | None:
    """A user's stored private dialogue (kind:step and its data), or None."""
    async with sessions() as s:
        row = await s.scalar(
            select(Conversation).where(
                Conversation.chat_id == tg_user_id, Conversation.user_id == tg_user_id
            )
        )
        if row is None:
            return None
        return f"{row.kind}:{row.step}", json.dumps(row.data, sort_keys=True)


async def plant(bot: Bot, chat_id: int, user: User, *datas: str) -> Msg:
    """A bot message in `chat_id` whose buttons carry `datas` exactly as a forged client, an
    older bot version, or a client that has not yet seen a card's edit would send them back."""
    marker = f"planted {len(datas)}: {datas[0][:20]}"
    await bot.send_message(
        chat_id,
        marker,
        reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton(f"#{i}", callback_data=d)] for i, d in enumerate(datas)]
        ),
    )
    return await user.wait_message(chat_id, contains=marker)


async def named(user: User, name: str, address: str = "Thầy") -> Msg:
    """In the join (or the chair's profile) dialogue: send the full name, press Thầy or Cô;
    returns the question that became the department picker."""
    await user.send(name)
    asked = await user.wait_message(contains="là Thầy hay Cô")
    await user.press(asked, address)
    return await user.wait_edit(asked, contains="thuộc tổ nào")
