"""A half-filled score sheet across a crash: each mark is written when it is given, so a reviewer
whose bot was killed mid-sheet goes on from the message they have (the next mark pressed on it,
then typed), and the total counts every mark."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from services.reviews import calls, entries, scoring
from storage.db import SessionFactory
from storage.models import ReviewAssignment
from tests.e2e.conftest import BotProcess
from tests.factories import VICE
from tests.reviews.world import R2, build
from tgemu import EmuClient
from ui.texts import Texts


async def test_a_reviewer_killed_mid_sheet_goes_on_where_they_were(
    bot_process: BotProcess,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    world = await build(sessions, texts, now)
    async with sessions() as s:
        call = await calls.call_of(s, world.org_id, world.call_id)
        entry = await entries.entry_of(s, world.org_id, world.entry_id)
        await scoring.assign(
            s, call=call, entry=entry, reviewer_id=world.person[R2], by=world.person[VICE], now=now
        )
        await s.commit()
    reviewer = await client.user(R2, "Hoa", last_name="Ngô", started=True)
    await bot_process.start()
    await reviewer.send("/sheets")
    listing = await reviewer.wait_message(contains="Phiếu chấm của Thầy/Cô")
    await reviewer.press(listing, listing.button_texts[0])
    sheet = await reviewer.wait_message(contains="Phiếu chấm sáng kiến")
    await reviewer.press(sheet, "9")
    sheet = await reviewer.wait_edit(sheet, contains="2. Khả năng áp dụng")
    await reviewer.press(sheet, "6")
    sheet = await reviewer.wait_edit(sheet, contains="3. Hiệu quả")

    bot_process.kill()
    await bot_process.start()

    await reviewer.press(sheet, "7")  # on the message from before the crash
    sheet = await reviewer.wait_edit(sheet, contains="4. Phạm vi ảnh hưởng")
    await reviewer.send("10")  # typed: the draft survived too
    await reviewer.wait_message(contains="nhận xét ngắn")
    await reviewer.send("Áp dụng tốt ở khối 1")
    ready = await reviewer.wait_message(contains="Gửi phiếu")
    await reviewer.press(ready, "📨 Gửi phiếu")
    await reviewer.wait_message(contains="Đã gửi phiếu")
    async with sessions() as s:
        sent = await s.scalar(select(ReviewAssignment))
        assert sent is not None and sent.submitted_at is not None
        assert sent.scores == {"0": 9, "1": 6, "2": 7, "3": 10}
        assert sent.total == 80 and sent.comment == "Áp dụng tốt ở khối 1"
