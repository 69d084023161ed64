"""/settings end to end: the chair changes a rule in chat, the vice-chair only reads, others are
refused; a value that is not one is refused politely and the chair types it again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from storage.db import SessionFactory
from storage.models import AuditEntry, Org
from tests.e2e.conftest import RunningBot
from tests.e2e.helpers import plant
from tests.factories import CHAIR, TEACHER, VICE, make_school
from tgemu import EmuClient
from ui.buttons.settings import SettingEdit, SettingReset, SettingsSection
from ui.texts import Texts


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
    await chair.press(section, "« Các mục cài đặt")
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
    ]
