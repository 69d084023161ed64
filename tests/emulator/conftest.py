"""Fixtures for the emulator's own tests: a PTB Bot on the shared emulator (tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from telegram import Bot

from tgemu import EmuClient, Emulator
from tgemu.client import DEFAULT_TOKEN

TOKEN = DEFAULT_TOKEN  # the token the shared `client` fixture registers


@pytest.fixture(autouse=True)
def _ptb_timedelta(monkeypatch: pytest.MonkeyPatch) -> None:
    """PTB 22 warns when RetryAfter is built unless PTB_TIMEDELTA opts in (warnings are errors)."""
    monkeypatch.setenv("PTB_TIMEDELTA", "1")


@pytest.fixture
async def bot(emu: Emulator, client: EmuClient) -> AsyncIterator[Bot]:
    """A real PTB Bot pointed at the emulator."""
    b = Bot(TOKEN, base_url=emu.base_url, base_file_url=emu.base_file_url)
    async with b:
        yield b
