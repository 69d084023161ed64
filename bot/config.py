"""Settings: one class, from the environment or `.env`; a bad value stops start-up in one line."""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_DB_PATH = Path("data") / "thidua.sqlite3"
TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,80}$")
LOCALES = ("vi", "en")


class SettingsError(Exception):
    """A setting is missing or malformed; the message is one line meant for the operator."""


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
    # Used for deep links when the bot cannot be asked (`org create` without a token).
    bot_username: str | None = None

    @field_validator(
        "telegram_bot_token",
        "telegram_base_url",
        "telegram_base_file_url",
        "bot_username",
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

    def require_token(self) -> str:
        """The token, or a one-line error when it is missing."""
        if self.telegram_bot_token is None:
            raise SettingsError(
                "TELEGRAM_BOT_TOKEN is not set: put it in the environment or in .env "
                "(see .env.example), or run `./dev demo` to try the bot without one."
            )
        return self.telegram_bot_token.get_secret_value()


def load_settings(**overrides: object) -> Settings:
    """Read the settings, turning a validation error into one readable line."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        first = exc.errors()[0]
        name = str(first["loc"][0]).upper() if first["loc"] else "setting"
        raise SettingsError(f"{name}: {first['msg']}") from None
