"""The minutes of the judging meeting end to end: the secretary gets them in her private chat
(.docx, and PDF when LibreOffice is there), adds a remark, makes the final version; a council
member who is not the secretary, and a teacher, are refused politely."""

from __future__ import annotations

import asyncio
import io
import os
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

from docx import Document
from sqlalchemy import select

from reports.pdf import converter
from services.judging.minutes import minutes_buttons, write_version
from storage.db import SessionFactory
from storage.models import Meeting, MinutesVersion
from tests.e2e.conftest import RunningBot
from tests.e2e.helpers import plant
from tests.factories import COUNCIL, TEACHER, School
from tests.minutes_world import MEMBER, judged_meeting
from tgemu import EmuClient
from ui.buttons.minutes import MinutesDocument, MinutesRemark
from ui.keyboards import keyboard
from ui.texts import Texts

HN = ZoneInfo("Asia/Ho_Chi_Minh")
SLOW = 120.0  # two LibreOffice conversions on a busy machine


async def test_the_secretary_reads_adds_a_remark_and_finalises_the_minutes(
    school: School,
    bot: RunningBot,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
    now: datetime,
) -> None:
    world = await judged_meeting(sessions, school, now)
    async with sessions() as s:
        meeting = await s.get(Meeting, world.meeting_id)
        assert meeting is not None
        await write_version(s, meeting=meeting, texts=texts, tz=HN, actor_id=None, now=now)
        await s.commit()
    secretary = await client.user(COUNCIL, "Lan", last_name="Phạm", started=True)
    member = await client.user(MEMBER, "Bình", last_name="Nguyễn", started=True)
    teacher = await client.user(TEACHER, "Mai", last_name="Vũ", started=True)

    # The lead's closing notice carries the minutes' buttons.
    buttons = minutes_buttons(texts, world.meeting_id)
    await bot.app.bot.send_message(
        COUNCIL,
        "Cuộc họp xét thi đua đã kết thúc.",
        reply_markup=keyboard([[list(b) for b in row] for row in buttons]),
    )
    notice = await secretary.wait_message(contains="đã kết thúc")
    answer = await secretary.press(notice, "📄 Biên bản")
    assert answer is not None and not answer.show_alert
    sent = await secretary.wait_message(contains="Bot đã gửi biên bản, dự thảo lần 1", timeout=SLOW)
    assert sent.button_texts == [
        "✏️ Thêm ý kiến vào biên bản",
        "✅ Hoàn tất biên bản",
        "🗂 Các bản đã lưu",
    ]
    files = {
        m.document["file_name"]: m
        for m in await client.messages(secretary)
        if m.document is not None
    }
    expected = {"bien-ban-hop-xet-thi-dua-2026-2027-v1", "bien-ban-kiem-phieu-2026-2027-v1"}
    has_pdf = converter() is not None
    assert has_pdf or os.environ.get("REQUIRE_LIBREOFFICE") != "1", "LibreOffice is required"
    extensions = (".docx", ".pdf") if has_pdf else (".docx",)
    assert set(files) == {stem + ext for stem in expected for ext in extensions}
    minutes = files["bien-ban-hop-xet-thi-dua-2026-2027-v1.docx"]
    assert minutes.text == "Biên bản họp Hội đồng xét thi đua – dự thảo lần 1"
    assert minutes.document is not None
    document = Document(io.BytesIO(await client.download(minutes.document["file_id"])))
    assert "Phạm Thị Lan" in [c.text for row in document.tables[1].rows for c in row.cells]
    if has_pdf:
        pdf = files["bien-ban-hop-xet-thi-dua-2026-2027-v1.pdf"].document
        assert pdf is not None
        laid_out = await asyncio.to_thread(
            subprocess.run,
            ["pdftotext", "-layout", "-", "-"],
            input=await client.download(pdf["file_id"]),
            capture_output=True,
            check=True,
        )
        first = laid_out.stdout.decode().splitlines()[0]
        assert first.strip().startswith("UBND PHƯỜNG BỒ ĐỀ")
        assert first.endswith("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")

    # A remark, typed in the private chat.
    await secretary.press(sent, "✏️ Thêm ý kiến vào biên bản")
    await secretary.wait_message(contains="cần ghi vào biên bản")
    await secretary.send("Đề nghị các tổ nộp minh chứng sáng kiến trước ngày 20/5.")
    saved = await secretary.wait_message(contains="Biên bản hiện là dự thảo lần 2")

    # Others: a council member may read but not edit; a teacher may not even read.
    refused = await plant(bot.app.bot, MEMBER, member, MinutesRemark(world.meeting_id).pack())
    answer = await member.press(refused, callback_data=MinutesRemark(world.meeting_id).pack())
    assert answer is not None and answer.show_alert
    assert answer.text is not None and answer.text.startswith("Xin lỗi, chỉ Thư ký cuộc họp")
    stranger = await plant(bot.app.bot, TEACHER, teacher, MinutesDocument(world.meeting_id).pack())
    answer = await teacher.press(stranger, callback_data=MinutesDocument(world.meeting_id).pack())
    assert answer is not None and answer.show_alert
    assert answer.text is not None and "chỉ dành cho thành viên Hội đồng" in answer.text

    # The final version, asked once.
    await secretary.press(saved, "✅ Hoàn tất biên bản")
    confirm = await secretary.wait_message(contains="hoàn tất biên bản từ dự thảo lần 2")
    await secretary.press(confirm, "✅ Hoàn tất")
    done = await secretary.wait_edit(confirm, contains="Đã hoàn tất biên bản (bản 3)")
    assert done.button_texts == ["📄 Biên bản"]
    answer = await secretary.press(saved, "✏️ Thêm ý kiến vào biên bản")
    assert answer is not None and answer.show_alert
    assert answer.text is not None and answer.text.startswith("Biên bản đã hoàn tất")

    async with sessions() as s:
        stored = (
            await s.execute(
                select(MinutesVersion.kind, MinutesVersion.version, MinutesVersion.final)
                .where(MinutesVersion.meeting_id == world.meeting_id)
                .order_by(MinutesVersion.version, MinutesVersion.kind)
            )
        ).all()
        final = await s.scalar(
            select(MinutesVersion.content).where(
                MinutesVersion.kind == "minutes", MinutesVersion.version == 3
            )
        )
    assert [(str(k), v, f) for k, v, f in stored] == [
        ("count", 1, False), ("minutes", 1, False), ("count", 2, False), ("minutes", 2, False),
        ("count", 3, True), ("minutes", 3, True),
    ]  # fmt: skip
    assert final is not None
    text = "\n".join(p.text for p in Document(io.BytesIO(final)).paragraphs)
    assert "- Đề nghị các tổ nộp minh chứng sáng kiến trước ngày 20/5." in text
    assert "Dự thảo" not in text
