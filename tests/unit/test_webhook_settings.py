"""Webhook settings: what is missing or malformed stops start-up in one line, secrets unechoed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from runtime.config import SettingsError, load_settings

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
SECRET = "Zx8_w-Q2vLm9Pq4Rt6Yu1Io3"
URL = "https://bot.example.edu.vn/telegram"


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("WEBHOOK_LISTEN", "WEBHOOK_PORT", "WEBHOOK_URL", "WEBHOOK_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("TELEGRAM_BASE_URL", raising=False)


def test_complete_settings_give_the_path_of_the_public_url_and_safe_defaults() -> None:
    hook = load_settings(webhook_url=URL, webhook_secret=SECRET).require_webhook()
    assert (hook.listen, hook.port, hook.path, hook.url) == ("127.0.0.1", 8443, "/telegram", URL)
    assert hook.secret == SECRET


def test_a_missing_url_or_secret_is_named() -> None:
    with pytest.raises(SettingsError, match=r"^WEBHOOK_URL is not set"):
        load_settings(webhook_secret=SECRET).require_webhook()
    with pytest.raises(SettingsError, match=r"^WEBHOOK_SECRET is not set"):
        load_settings(webhook_url=URL).require_webhook()


def test_empty_lines_from_the_example_file_mean_not_set() -> None:
    settings = load_settings(webhook_url="", webhook_secret=" ")
    assert settings.webhook_url is None and settings.webhook_secret is None


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("webhook_secret", "short", "16-256 characters"),
        ("webhook_secret", "has spaces and ümlauts in it!", "16-256 characters"),
        ("webhook_url", "bot.example.edu.vn/telegram", "must be a public URL"),
        ("webhook_url", "https://bot.example.edu.vn:99999/telegram", "must be a public URL"),
        ("webhook_url", f"https://bot.example.edu.vn/{TOKEN}", "must not contain the bot token"),
        ("webhook_url", f"https://bot.example.edu.vn/bot{TOKEN}", "must not contain the bot token"),
        ("webhook_port", "70000", "less than or equal to 65535"),
        ("webhook_port", "eighty", "valid integer"),
        ("webhook_listen", "http://0.0.0.0", "IP address or a host name"),
    ],
)
def test_a_malformed_value_is_named_without_echoing_it(name: str, value: str, says: str) -> None:
    with pytest.raises(SettingsError) as caught:
        load_settings(**{name: value})
    message = str(caught.value)
    assert message.startswith(name.upper() + ":")
    assert says in message
    assert TOKEN not in message and "ümlauts" not in message


@pytest.mark.parametrize(
    "url", ["http://bot.example.edu.vn/telegram", "https://bot.example.edu.vn:8080/telegram"]
)
def test_telegram_itself_only_posts_to_https_on_its_four_ports(url: str) -> None:
    with pytest.raises(SettingsError, match="443, 80, 88 or 8443"):
        load_settings(webhook_url=url, webhook_secret=SECRET).require_webhook()
    # A self-hosted Bot API server (the emulator in tests) posts to any http(s) port.
    local = load_settings(
        webhook_url=url, webhook_secret=SECRET, telegram_base_url="http://127.0.0.1:8081/bot"
    )
    assert local.require_webhook().url == url


def test_run_webhook_without_a_url_stops_in_one_line(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "run", "--webhook"],
        capture_output=True,
        text=True,
        env={"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_SECRET": SECRET, "PATH": ""},
        cwd=tmp_path,
        timeout=60,
    )
    assert result.returncode == 2
    [line] = result.stderr.strip().splitlines()
    assert line.startswith("Configuration error: WEBHOOK_URL is not set")
    assert TOKEN not in result.stderr and SECRET not in result.stderr
    assert list(tmp_path.iterdir()) == []  # it stopped before touching the database
