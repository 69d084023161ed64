"""A half-filled achievement report survives SIGKILL: the bot as a real process, killed after
two answers; restarted, the nominee goes on at the third step with both answers kept."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from services.base import Env
from services.judging.achievements import Achievements
from storage.db import SessionFactory
from storage.models import AchievementReport
from tests.e2e.conftest import BotProcess
from tests.factories import CHAIR, TEACHER, School, forget_outbox
from tests.judging.reports_world import final_round
from tgemu import EmuClient
from ui.texts import Texts


async def test_a_half_filled_report_survives_a_kill(
    school: School,
    bot_process: BotProcess,
    client: EmuClient,
    sessions: SessionFactory,
    texts: Texts,
) -> None:
    now = datetime.now(UTC)
    world = await final_round(sessions, texts, school, now)
    await Achievements(Env(sessions, texts, lambda: now, texts.tz)).request(
        tg_user_id=CHAIR, round_id=world.round_id
    )
    async with sessions() as s:
        report = await s.scalar(
            select(AchievementReport).where(AchievementReport.person_id == world.person[TEACHER])
        )
        assert report is not None
    await forget_outbox(sessions)
    mai = await client.user(TEACHER, "Mai", last_name="Vũ", started=True)
    await bot_process.start()
    await mai.send("/achievements")
    mine = await mai.wait_message(contains="Của Thầy/Cô")
    await mai.press(mine, "📝 Viết báo cáo thành tích: Chiến sĩ thi đua cơ sở")
    await mai.wait_message(contains="bước 1/5")
    await mai.send("Giáo viên chủ nhiệm lớp 3A")
    await mai.wait_message(contains="bước 2/5")
    await mai.send("Dạy Tiếng Việt, Toán lớp 3A")
    await mai.wait_message(contains="bước 3/5")

    bot_process.kill()
    await bot_process.start()

    await mai.send("Lớp 3A: 100% học sinh hoàn thành chương trình")
    await mai.wait_message(contains="bước 4/5")
    async with sessions() as s:
        kept = await s.get_one(AchievementReport, report.id)
        await s.refresh(kept)
    assert kept.answers["position"] == "Giáo viên chủ nhiệm lớp 3A"
    assert kept.answers["tasks"] == "Dạy Tiếng Việt, Toán lớp 3A"
    assert kept.answers["results"] == "Lớp 3A: 100% học sinh hoàn thành chương trình"
    # The request's button, pressed again after the restart, goes on where the form is.
    await mai.send("/achievements")
    mine = await mai.wait_message(contains="Của Thầy/Cô")
    await mai.press(mine, "📝 Viết báo cáo thành tích: Chiến sĩ thi đua cơ sở")
    again = await mai.wait_message(contains="bước 4/5")
    assert again.button_texts == ["Giữ nguyên"]
