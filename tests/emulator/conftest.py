"""Fixtures for the emulator's own tests: an in-process emulator, its client and a PTB Bot."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from tgemu import EmuClient, Emulator

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw1"


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns when RetryAfter is built unless PTB_TIMEDELTA opts in (warnings are errors)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
async def emu() -> AsyncIterator[Emulator]:
    """An emulator with flood limits on (Telegram's defaults)."""
    async with Emulator() as e:
        yield e


@pytest.fixture
async def client(emu: Emulator) -> EmuClient:
    """The control client, with the test bot registered."""
    c = emu.client()
    await c.create_bot(TOKEN, username="thidua_test_bot")
    return c


@pytest.fixture
async def bot(emu: Emulator, client: EmuClient) -> AsyncIterator[Bot]:
    """A real PTB Bot pointed at the emulator."""
    b = Bot(TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url)
    async with b:
        yield b
