"""The outbox says when Telegram could not be reached: one WARNING line per retried send (method,
chat, attempt, error class), one ERROR line when it gives up; never the text, never the token."""

from __future__ import annotations

import logging

import pytest

from delivery.outbox import MAX_ATTEMPTS
from services import outbox
from storage.db import SessionFactory
from storage.models import OutboxStatus
from tests.e2e.conftest import RunningBot
from tests.e2e.test_telegram_faults import rows, settled
from tgemu import EmuClient
from tgemu.client import DEFAULT_TOKEN

TEXT = "Lịch họp hội đồng thi đua thứ Sáu"


def outbox_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """What the outbox sender logged."""
    return [r for r in caplog.records if r.name == "delivery.outbox"]


async def queue(bot: RunningBot, chat_id: int, *, attempts: int = 0) -> int:
    """A message queued as services queue it; `attempts` already made (and failed)."""
    async with bot.deps.sessions() as s:
        row = outbox.enqueue_message(s, chat_id=chat_id, text=TEXT, now=bot.deps.clock())
        row.attempts = attempts
        await s.commit()
        return row.id


async def test_a_send_retried_after_a_network_error_logs_one_warning_line(
    bot: RunningBot,
    client: EmuClient,
    sessions: SessionFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="delivery.outbox")
    teacher = await client.user(7801, "Lan", started=True)
    await client.inject(method="sendMessage", kind="500", count=1, chat_id=teacher.id)
    row_id = await queue(bot, teacher.id)

    await settled(sessions, [row_id])  # failed once (PTB: NetworkError), then sent
    [row] = await rows(sessions, [row_id])
    assert row.status == OutboxStatus.SENT and row.attempts == 1
    [line] = outbox_lines(caplog)
    assert line.levelno == logging.WARNING
    assert line.getMessage() == (
        f"outbox row {row_id}: send_message to chat {teacher.id} failed (NetworkError), "
        f"attempt 1 of {MAX_ATTEMPTS}; retrying in 2 s"
    )
    for record in caplog.records:
        assert TEXT not in record.getMessage() and DEFAULT_TOKEN not in record.getMessage()


async def test_the_last_attempt_failing_logs_one_error_line_and_gives_up(
    bot: RunningBot,
    client: EmuClient,
    sessions: SessionFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="delivery.outbox")
    teacher = await client.user(7802, "Hoa", started=True)
    await client.inject(method="sendMessage", kind="500", count=1, chat_id=teacher.id)
    row_id = await queue(bot, teacher.id, attempts=MAX_ATTEMPTS - 1)

    await settled(sessions, [row_id])
    [row] = await rows(sessions, [row_id])
    assert row.status == OutboxStatus.FAILED and row.attempts == MAX_ATTEMPTS
    [line] = outbox_lines(caplog)
    assert line.levelno == logging.ERROR
    assert line.getMessage() == (
        f"outbox row {row_id}: send_message to chat {teacher.id} failed (NetworkError), "
        f"attempt {MAX_ATTEMPTS} of {MAX_ATTEMPTS}; giving up"
    )
    for record in caplog.records:
        assert TEXT not in record.getMessage() and DEFAULT_TOKEN not in record.getMessage()
