"""Settings: one class, from the environment or `.env`; a bad value stops start-up in one line."""

from __future__ import annotations

import hashlib
import ipaddress
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

from delivery.redaction import redact

DEFAULT_DB_PATH = Path("data") / "thidua.sqlite3"
TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,80}$")
LOCALES = ("vi", "en")
# Telegram's rule for a webhook's secret_token; 16 is our floor, so it cannot be guessed.
SECRET_RE = re.compile(r"^[A-Za-z0-9_-]{16,256}$")
HOSTNAME_RE = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9.-]{0,251}[A-Za-z0-9])?$")
# The only ports Telegram delivers webhooks to (a self-hosted Bot API server allows any).
TELEGRAM_WEBHOOK_PORTS = (443, 80, 88, 8443)


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line meant for the operator."""


@dataclass(frozen=True)
class Webhook:
    """Webhook mode, checked: where to listen, the public URL and its path, the secret."""

    listen: str
    port: int
    url: str
    path: str
    secret: str = field(repr=False)  # never in a log line or a test's diff


class Settings(BaseSettings):
    """Everything the bot reads from its environment."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: SecretStr | None = None
    telegram_base_url: str | None = None
    telegram_base_file_url: str | None = None
    database_url: str = Field(default_factory=lambda: f"sqlite+aiosqlite:///{DEFAULT_DB_PATH}")
    timezone: str = "Asia/Ho_Chi_Minh"
    default_locale: str = "vi"
    # Long-polling timeout in seconds; tests use a short one so a stop does not wait long.
    polling_timeout: int = 10
    # Seconds between outbox sweeps when nothing wakes the sender earlier.
    outbox_poll_seconds: float = 1.0
    # How long a sender owns a claimed batch; after a crash its rows are resent once this passes.
    outbox_lease_seconds: float = 30.0
    # Outbox rows one sender claims at a time: the most a crash can send twice.
    outbox_batch_size: int = Field(default=20, ge=1, le=500)
    # Messages per second for the whole bot: Telegram allows about 30. Raise it only against a
    # Bot API server with raised limits (tests on the emulator).
    flood_per_second: int = Field(default=30, ge=1)
    # Seconds between edits of a broadcast's progress message (edits are rate-limited too).
    broadcast_progress_seconds: float = Field(default=3.0, gt=0)
    # Seconds between the scheduler's safety ticks (exact wake-ups are scheduled in between).
    scheduler_tick_seconds: float = 60.0
    # Failover: how long the active process's lease lasts without renewal (renewed every third of
    # it). A standby takes over this long after the active process died or froze.
    lease_seconds: float = Field(default=15.0, ge=1.0)
    # Used for deep links when the bot cannot be asked (`org create` without a token).
    bot_username: str | None = None
    # Webhook mode (`run --webhook`): the bot's own HTTP server, behind a reverse proxy that
    # terminates TLS, listens here and serves the path of WEBHOOK_URL (the public address
    # Telegram posts to). Telegram sends WEBHOOK_SECRET with every update; others get 403.
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    # Secret ballots: the key of the hash that files a member's direction in the ballot box.
    # Kept outside the database, so a copy of the database alone cannot tell who voted how (see
    # README, "Secret ballots"). Unset: derived from the bot token.
    ballot_secret: SecretStr | None = None
    # Where the files people send are kept, by content (storage/files.py). Unset: `files/` beside
    # a SQLite database, `data/files` otherwise. Back it up with the database (README, "Backups").
    files_dir: Path | None = None

    @field_validator(
        "telegram_bot_token",
        "ballot_secret",
        "telegram_base_url",
        "telegram_base_file_url",
        "bot_username",
        "webhook_url",
        "webhook_secret",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        # `TELEGRAM_BOT_TOKEN=` copied from .env.example means "not set", not "malformed".
        return None if isinstance(value, str) and not value.strip() else value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not TOKEN_RE.match(value.get_secret_value()):
            # Never echo the value: it may be a real token with a typo.
            raise ValueError("does not look like a bot token (digits, a colon, then letters)")
        return value

    @field_validator("telegram_base_url", "telegram_base_file_url")
    @classmethod
    def _url_shape(cls, value: str | None) -> str | None:
        if value is not None and not re.match(r"^https?://[^\s]+$", value):
            raise ValueError("must be an http(s) URL such as http://127.0.0.1:8081/bot")
        return value

    @field_validator("webhook_listen")
    @classmethod
    def _listen_shape(cls, value: str) -> str:
        try:
            ipaddress.ip_address(value)
        except ValueError:
            if not HOSTNAME_RE.match(value):
                raise ValueError(
                    "must be an IP address or a host name, e.g. 127.0.0.1 (behind a proxy)"
                ) from None
        return value

    @field_validator("webhook_url")
    @classmethod
    def _webhook_url_shape(cls, value: str | None) -> str | None:
        if value is None:
            return None
        shape = "must be a public URL such as https://bot.example.edu.vn/telegram"
        try:
            parts = urlsplit(value)
            parts.port  # noqa: B018 (raises on a malformed port)
        except ValueError:
            raise ValueError(shape) from None
        if parts.scheme not in ("https", "http") or not parts.hostname or parts.fragment:
            raise ValueError(shape)
        if redact(value) != value:  # a token pasted into another setting
            # The URL is logged and sits in proxy configs: the token must not be in it.
            raise ValueError("must not contain the bot token: use a path such as /telegram")
        return value

    @field_validator("webhook_secret")
    @classmethod
    def _secret_shape(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not SECRET_RE.match(value.get_secret_value()):
            raise ValueError(
                "must be 16-256 characters of A-Z, a-z, 0-9, _ and - (make one with "
                "python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return value

    @field_validator("database_url")
    @classmethod
    def _db_shape(cls, value: str) -> str:
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            value = "postgresql+asyncpg://" + value.split("://", 1)[1]
        elif value.startswith("sqlite:///"):
            value = "sqlite+aiosqlite:///" + value.split(":///", 1)[1]
        if not (
            value.startswith("sqlite+aiosqlite://") or value.startswith("postgresql+asyncpg://")
        ):
            raise ValueError("must be sqlite:///path or postgresql://user@host/db")
        return value

    @field_validator("timezone")
    @classmethod
    def _tz_shape(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("default_locale")
    @classmethod
    def _locale_shape(cls, value: str) -> str:
        if value not in LOCALES:
            raise ValueError(f"must be one of {', '.join(LOCALES)}")
        return value

    @property
    def tz(self) -> ZoneInfo:
        """The school's time zone."""
        return ZoneInfo(self.timezone)

    def ballot_key(self) -> bytes:
        """The secret-ballot key: BALLOT_SECRET, else derived from the token (else fixed, for a
        bot that never runs against Telegram: tests and the CLI)."""
        if self.ballot_secret is not None:
            seed = self.ballot_secret.get_secret_value()
        elif self.telegram_bot_token is not None:
            seed = "token:" + self.telegram_bot_token.get_secret_value()
        else:
            seed = "no-token"
        return hashlib.sha256(b"thidua-ballot\0" + seed.encode()).digest()

    def files_root(self) -> Path:
        """Where kept files live: FILES_DIR, else `files/` beside a SQLite database, else
        data/files."""
        if self.files_dir is not None:
            return self.files_dir
        url = make_url(self.database_url)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            return Path(url.database).parent / "files"
        return DEFAULT_DB_PATH.parent / "files"

    def require_token(self) -> str:
        """The token, or a one-line error when it is missing."""
        if self.telegram_bot_token is None:
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is not set: put it in the environment or in .env "
                "(see .env.example), or run `./dev demo` to try the bot without one."
            )
        return self.telegram_bot_token.get_secret_value()

    def require_webhook(self) -> Webhook:
        """The webhook settings, or a one-line error naming the one that is missing or wrong."""
        if self.webhook_url is None:
            raise SettingsError(
                "WEBHOOK_URL is not set: webhook mode needs the public https URL Telegram "
                "posts to, e.g. https://bot.example.edu.vn/telegram"
            )
        if self.webhook_secret is None:
            raise SettingsError(
                "WEBHOOK_SECRET is not set: webhook mode refuses updates without it; make one "
                "with python -c 'import secrets; print(secrets.token_urlsafe(32))'"
            )
        parts = urlsplit(self.webhook_url)
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if self.telegram_base_url is None and (
            parts.scheme != "https" or port not in TELEGRAM_WEBHOOK_PORTS
        ):
            # A self-hosted Bot API server (TELEGRAM_BASE_URL) accepts http and any port.
            raise SettingsError(
                "WEBHOOK_URL: Telegram only posts to https URLs on port 443, 80, 88 or 8443"
            )
        return Webhook(
            listen=self.webhook_listen,
            port=self.webhook_port,
            url=self.webhook_url,
            path=parts.path or "/",
            secret=self.webhook_secret.get_secret_value(),
        )


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning a validation error into one readable line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "setting"
        raise SettingsError(f"{name}: {first['msg']}") from None
