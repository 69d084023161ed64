"""The bare echo bot of `bench core`: a minimal PTB Application, one MessageHandler replying the
text (run as `python -m bench._echo`, with TELEGRAM_BOT_TOKEN and TELEGRAM_BASE_URL set)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal

from telegram import Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

READY = "echo bot is running"


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply the text."""
    message = update.effective_message
    if message is not None and message.text:
        await message.reply_text(message.text)


async def run() -> None:
    """Poll until SIGTERM."""
    builder = Application.builder().token(os.environ["TELEGRAM_BOT_TOKEN"])
    application = builder.base_url(os.environ["TELEGRAM_BASE_URL"]).build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(sig, stop.set)
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(timeout=1)
        print(READY, flush=True)
        await stop.wait()
        await application.updater.stop()
        await application.stop()


if __name__ == "__main__":
    asyncio.run(run())
