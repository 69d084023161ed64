"""Settings fail in one clear line; logs never show the token."""

from __future__ import annotations

import logging
import subprocess
import sys

import pytest

from delivery.redaction import RedactTokens
from runtime.config import SettingsError, load_settings

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"


def test_a_malformed_setting_is_named_without_echoing_the_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "oops-" + TOKEN)
    with pytest.raises(SettingsError) as caught:
        load_settings()
    assert str(caught.value).startswith("TELEGRAM_BOT_TOKEN")
    assert TOKEN not in str(caught.value)


def test_postgres_urls_are_given_the_async_driver(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1/x")
    assert load_settings().database_url == "postgresql+asyncpg://postgres@127.0.0.1/x"


def test_cli_reports_a_bad_setting_in_one_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "migrate"],
        capture_output=True,
        text=True,
        env={"TIMEZONE": "Mars/Olympus", "PATH": ""},
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "Configuration error: TIMEZONE: Value error, unknown time zone 'Mars/Olympus'"
    ]


def test_the_token_is_redacted_from_messages_and_tracebacks() -> None:
    record = logging.LogRecord(
        "x",
        logging.ERROR,
        __file__,
        1,
        "POST %s failed",
        (f"https://api.telegram.org/bot{TOKEN}/getMe",),
        None,
    )
    try:
        raise ConnectionError(f"cannot reach https://api.telegram.org/bot{TOKEN}/getMe")
    except ConnectionError:
        record.exc_info = sys.exc_info()
    RedactTokens(TOKEN).filter(record)
    rendered = logging.Formatter().format(record)
    assert TOKEN not in rendered
    assert "bot<token>/getMe" in rendered


def test_an_empty_token_line_from_the_example_file_means_not_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "")
    settings = load_settings()
    assert settings.telegram_bot_token is None
    with pytest.raises(SettingsError, match="TELEGRAM_BOT_TOKEN is not set"):
        settings.require_token()
