"""Local Telegram Bot API emulator for tests, benchmarks and the no-token demo."""

from .client import CallbackAnswer, Chat, EmuClient, EmuError, Msg, User
from .server import Emulator

__all__ = ["CallbackAnswer", "Chat", "EmuClient", "EmuError", "Emulator", "Msg", "User"]
