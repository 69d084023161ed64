"""Secrets out of text: the bot token (and other secrets) never reach a log line or an error."""

from __future__ import annotations

import logging
import re

_TOKEN_RE = re.compile(r"\d{3,20}:[A-Za-z0-9_-]{20,80}")


def redact(text: str, *secrets: str) -> str:
    """`text` with these secrets, and anything shaped like a bot token, replaced."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "<token>")
    return _TOKEN_RE.sub("<token>", text)


class RedactTokens(logging.Filter):
    """Replace anything shaped like a bot token in the rendered record (message and traceback)."""

    def __init__(self, *secrets: str) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def _clean(self, text: str) -> str:
        return redact(text, *self.secrets)

    def filter(self, record: logging.LogRecord) -> bool:
        """Render the record now, clean it, and drop the raw arguments."""
        record.msg = self._clean(record.getMessage())
        record.args = None
        if record.exc_info:
            formatter = logging.Formatter()
            record.exc_text = self._clean(formatter.formatException(record.exc_info))
            record.exc_info = None
        if record.stack_info:
            record.stack_info = self._clean(record.stack_info)
        return True
