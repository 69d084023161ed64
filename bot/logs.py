"""Logging that never prints the bot token, even inside a network error's traceback."""

from __future__ import annotations

import logging

from delivery.redaction import RedactTokens


def setup_logging(*secrets: str | None, level: int = logging.INFO) -> None:
    """Log to stderr; redact the token (and secrets) on every handler; quiet httpx's URLs."""
    root = logging.getLogger()
    if not root.handlers:
        stream = logging.StreamHandler()
        stream.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        root.addHandler(stream)
    root.setLevel(level)
    redact = RedactTokens(*(s for s in secrets if s))
    for handler in root.handlers:
        handler.addFilter(redact)
    for noisy in (
        "httpx",
        "httpcore",
        "apscheduler",
        "aiosqlite",
        "alembic",
        "telegram.ext.ExtBot",
    ):
        logging.getLogger(noisy).setLevel(logging.WARNING)
