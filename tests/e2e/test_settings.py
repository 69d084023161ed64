"""/settings end to end: the chair changes a rule in chat, the vice-chair only reads, others are
refused; a value that is not one is refused politely and the chair types it again."""

from __future__ import annotations

import asyncio
import os
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select

from reports.pdf import converter
from storage.db import SessionFactory
from storage.models import AuditEntry, Org
from tests.e2e.conftest import RunningBot
from tests.e2e.helpers import plant
from tests.factories import CHAIR, TEACHER, VICE, make_school
from tgemu import EmuClient, User
from ui.buttons.settings import SettingEdit, SettingReset, SettingsSection
from ui.texts import Texts

HN = ZoneInfo("Asia/Ho_Chi_Minh")


async def check_the_report(
    chair: User, client: EmuClient, *, place: str, signer: str, parent: str
) -> None:
    """/export, then the PDF the bot sent, as LibreOffice laid it out: the school (the
    council's parent body) above the council, the national title on one line, "<place>, ngày dd
    tháng mm năm yyyy" on the number's row, the body above the school among the recipients, the
    signer's name."""
    await chair.send("/export")
    await chair.wait_message(contains="Đã gửi báo cáo", timeout=60)
    if converter() is None:  # CI installs LibreOffice (REQUIRE_LIBREOFFICE=1)
        assert os.environ.get("REQUIRE_LIBREOFFICE") != "1", "LibreOffice is required"
        return
    sent = [m for m in await client.messages(chair) if m.document]
    pdf = next(m for m in reversed(sent) if m.document and m.document["file_name"].endswith(".pdf"))
    assert pdf.document is not None
    data = await client.download(pdf.document["file_id"])
    laid_out = await asyncio.to_thread(
        subprocess.run,
        ["pdftotext", "-layout", "-", "-"],
        input=data,
        capture_output=True,
        check=True,
    )
    text = laid_out.stdout.decode()
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    assert lines[0].startswith("TRƯỜNG TIỂU HỌC THƯỢNG THANH")
    assert lines[0].endswith("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM")
    assert lines[1].startswith("HỘI ĐỒNG THI ĐUA – KHEN THƯỞNG")
    today = datetime.now(HN)
    dated = next(line for line in lines if "/BC-HĐTĐKT" in line)
    assert dated.endswith(f"{place}, ngày {today:%d} tháng {today:%m} năm {today:%Y}"), dated
    assert signer in text.split("TM. HỘI ĐỒNG", 1)[1]
    assert f"- {parent};" in text.split("Nơi nhận:", 1)[1]


async def test_the_chair_changes_a_rule_in_chat_and_the_vice_chair_sees_it(
    bot: RunningBot, client: EmuClient, sessions: SessionFactory, texts: Texts, now: datetime
) -> None:
    school = await make_school(sessions, texts, now)
    chair = await client.user(CHAIR, "Hà", started=True)
    await chair.send("/settings")
    home = await chair.wait_message(contains="Cài đặt của Trường Tiểu học Thượng Thanh")
    assert "⚖️ Quy định xét khen thưởng" in home.button_texts
    await chair.press(home, callback_data=SettingsSection(section="rules").pack())
    rules = await chair.wait_edit(home, contains="Tỷ lệ phiếu đồng ý tối thiểu")
    assert "70 %" in rules.text
    assert "mặc định theo Thông tư 35/2015/TT-BGDĐT, quy định cũ, nhà trường kiểm tra lại" in (
        rules.text
    )
    await chair.press(rules, callback_data=SettingEdit(key="rules.approval_ldtt").pack())
    ask = await chair.wait_edit(rules, contains="Hiện tại: 70 %")
    assert "Một số từ 0 đến 100" in ask.text
    await chair.send("150")
    await chair.wait_message(contains="Cần một số nguyên từ 0 đến 100")
    await chair.send("75")
    await chair.wait_message(contains="Đã lưu Tỷ lệ phiếu đồng ý tối thiểu: Lao động tiên tiến")
    section = await chair.wait_message(contains="Quy định xét khen thưởng")
    assert "5. Tỷ lệ phiếu đồng ý tối thiểu: Lao động tiên tiến (%): 75 %" in section.text
    assert section.button_texts[:5] == ["✏️ 1", "✏️ 2", "✏️ 3", "✏️ 4", "✏️ 5"]

    # The place name, typed with spaces to tidy.
    await chair.press(section, "‹ Các mục cài đặt")
    home = await chair.wait_edit(section, contains="Thầy/Cô chọn một mục")
    await chair.press(home, "🏫 Thông tin nhà trường")
    facts = await chair.wait_edit(home, contains="Địa danh")
    await chair.press(facts, callback_data=SettingEdit(key="facts.place").pack())
    await chair.wait_edit(facts, contains="Hiện tại: (chưa đặt)")
    await chair.send("  Long   Biên ")
    await chair.wait_message(contains="(chưa đặt) → Long Biên")
    await chair.wait_message(contains="Thông tin nhà trường")
    async with sessions() as s:
        org = await s.get(Org, school.org_id)
        assert org is not None and org.place == "Long Biên"

    # The signer too; then the formal report, as the bot sends it, carries them.
    for key, value in (
        ("facts.signer_council", "Trần Thị Thu Hà"),
        ("facts.parent_name", "UBND phường Bồ Đề"),
    ):
        prompt = await plant(bot.app.bot, CHAIR, chair, SettingEdit(key=key).pack())
        await chair.press(prompt, callback_data=SettingEdit(key=key).pack())
        await chair.wait_edit(prompt, contains="Hiện tại: (chưa đặt)")
        await chair.send(value)
        await chair.wait_message(contains=f"→ {value}")
    await check_the_report(
        chair, client, place="Long Biên", signer="Trần Thị Thu Hà", parent="UBND phường Bồ Đề"
    )

    vice = await client.user(VICE, "Tuấn", started=True)
    await vice.send("/settings")
    home = await vice.wait_message(contains="chỉ Chủ tịch sửa")
    await vice.press(home, callback_data=SettingsSection(section="rules").pack())
    seen = await vice.wait_edit(home, contains="75 %")
    assert not any(label.startswith("✏️") for label in seen.button_texts)
    # A reset button she should not have (forged, or an old message) is refused all the same.
    forged = await plant(bot.app.bot, VICE, vice, SettingReset(key="rules.approval_ldtt").pack())
    answer = await vice.press(forged, callback_data=SettingReset(key="rules.approval_ldtt").pack())
    assert answer is not None and answer.show_alert and "Chủ tịch" in (answer.text or "")

    teacher = await client.user(TEACHER, "Mai", started=True)
    await teacher.send("/settings")
    await teacher.wait_message(contains="chỉ dành cho Chủ tịch, Phó Chủ tịch")

    async with sessions() as s:
        changes = (
            await s.scalars(select(AuditEntry).where(AuditEntry.action == "settings.change"))
        ).all()
    assert [(c.target, c.details["new"]) for c in changes] == [
        ("rules.approval_ldtt", 75),
        ("facts.place", "Long Biên"),
        ("facts.signer_council", "Trần Thị Thu Hà"),
        ("facts.parent_name", "UBND phường Bồ Đề"),
    ]
