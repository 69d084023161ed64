"""Good deeds across a crash: the bot as a real process, killed with SIGKILL at fixed points.

The draft is written at every step and a decision is committed together with the edit of its
card and the author's notice (outbox rows), so a killed bot loses neither: the teacher goes on
from the message they have, and the card catches up after the restart. Delivery is
at-least-once: a row the dead process had claimed is resent once its lease (3 s in tests) ends,
so a message Telegram accepted just before the kill may arrive twice, never zero times.
"""

from __future__ import annotations

import asyncio
import time
from datetime import datetime

from sqlalchemy import select

from services import stories
from storage.db import SessionFactory
from storage.models import AuditEntry, NomineeKind, OutboxMessage, OutboxStatus, Story, StoryStatus
from tests.e2e.conftest import BotProcess
from tests.e2e.helpers import STORY, make_council, wait_for
from tests.factories import TEACHER, School
from tgemu import EmuClient
from ui.texts import Texts

CARD = "Người tốt, việc tốt #1"
APPROVED_NOTICE = "đã được Hội đồng Thi đua – Khen thưởng"


async def test_a_teacher_killed_mid_story_goes_on_from_the_old_message_and_it_arrives_once(
    bot_process: BotProcess,
    client: EmuClient,
    sessions: SessionFactory,
    now: datetime,
    council_school: School,
) -> None:
    council = await make_council(client, sessions, now, council_school)
    teacher = council.teacher
    await bot_process.start()
    await teacher.send("/report")
    ask = await teacher.wait_message(contains="Kể lại việc tốt")
    await teacher.send(STORY)
    await teacher.wait_message(contains="Đã ghi nhận")

    bot_process.kill()
    await bot_process.start()

    answer = await teacher.press(ask, "Xong phần nội dung →")
    assert answer is not None and not answer.show_alert
    photos = await teacher.wait_edit(ask, contains="ảnh minh chứng")
    await teacher.press(photos, "Tiếp tục →")
    nominee = await teacher.wait_edit(photos, contains="Ai là người được nêu gương")
    await teacher.press(nominee, "Chính tôi")
    preview = await teacher.wait_edit(nominee, contains="Xem trước")
    assert STORY in preview.text
    await teacher.press(preview, "📨 Gửi")
    await teacher.wait_edit(preview, contains="Đã gửi câu chuyện #1")

    card = await council.member.wait_message(council.group, contains=CARD)
    assert STORY in card.text and STORY + "\n\n" + STORY not in card.text
    async with sessions() as s:
        assert [(x.id, x.text) for x in (await s.scalars(select(Story))).all()] == [(1, STORY)]
    await asyncio.sleep(0.3)  # anything sent twice would be here by now
    cards = [m for m in await council.group.messages() if CARD in m.text]
    assert len(cards) == 1


async def test_a_decision_committed_before_its_card_was_edited_survives_a_kill_exactly_once(
    bot_process: BotProcess,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
    council_school: School,
) -> None:
    council = await make_council(client, sessions, now, council_school)
    async with sessions() as s:
        await stories.start(s, tg_user_id=TEACHER, now=now)
    async with sessions() as s:
        await stories.add_text(s, tg_user_id=TEACHER, text=STORY, now=now)
    async with sessions() as s:
        await stories.finish_photos(s, tg_user_id=TEACHER, now=now)
    async with sessions() as s:
        await stories.choose_nominee(s, tg_user_id=TEACHER, kind=NomineeKind.SELF, now=now)
    async with sessions() as s:
        await stories.submit(s, tg_user_id=TEACHER, texts=texts, now=now)
    await bot_process.start()
    card = await council.member.wait_message(council.group, contains=CARD)

    # The card's edit reaches Telegram but hangs there: the bot dies before it hears back.
    await client.inject(
        method="editMessageText", kind="slow", delay=6, count=1, chat_id=council.group.id
    )
    toast = await council.member.press(card, "✅ Duyệt")
    assert toast is not None and toast.text == "Đã duyệt."

    async def committed() -> bool:
        async with sessions() as s:
            story = await s.get_one(Story, 1, populate_existing=True)
            return story.status == StoryStatus.APPROVED

    async def edit_in_flight() -> bool:
        return int((await client.stats())["injected_faults"]) >= 1

    await wait_for(committed)
    await wait_for(edit_in_flight)
    bot_process.kill()
    still = next(m for m in await council.group.messages() if m.message_id == card.message_id)
    assert "Chờ Hội đồng xét duyệt" in still.text  # committed, but the card not yet edited
    restarted = time.time()
    await bot_process.start()

    edited = await council.member.wait_edit(card, contains="Phạm Thị Lan đã duyệt")
    assert edited.button_texts[-1] == "↩️ Mở lại (Chủ tịch)"

    async def delivered() -> bool:
        async with sessions() as s:
            rows = (await s.scalars(select(OutboxMessage))).all()
            return all(r.status == OutboxStatus.SENT for r in rows)

    await wait_for(delivered)
    # The restarted bot sent the edit itself once the dead process's lease ended.
    resent = [
        c
        for c in await client.calls(method="editMessageText", chat_id=council.group.id)
        if c["ts"] >= restarted
    ]
    assert resent, "the restarted bot did not catch the card up"
    async with sessions() as s:
        story = await s.get_one(Story, 1)
        approvals = (
            await s.scalars(
                select(AuditEntry).where(
                    AuditEntry.target == "story:1", AuditEntry.action == "story.approve"
                )
            )
        ).all()
    assert story.status == StoryStatus.APPROVED and len(approvals) == 1
    told = [m for m in await client.messages(council.teacher) if APPROVED_NOTICE in m.text]
    assert 1 <= len(told) <= 2, [m.text for m in told]  # at-least-once, at most one resend

    # The card still works: the chair's reopen button answers with a prompt for the reason.
    answer = await council.chair.press(edited, "↩️ Mở lại (Chủ tịch)")
    assert answer is not None and not answer.show_alert
    await council.chair.wait_message(council.group, contains="lý do mở lại câu chuyện #1")
