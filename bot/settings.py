"""Typed configuration read from the environment and an optional `.env` file.

Validators check the format of each value (a bad value fails here, with a message that
never repeats a secret); `bot.startup` turns the failures into plain configuration errors
and checks what needs the outside world (folders, the database, Redis, Telegram).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from domain.langid import SUPPORTED_LANGUAGES
from storage.db import DEFAULT_DATABASE_URL, normalize_database_url

__all__ = ["DEFAULT_DATABASE_URL", "TELEGRAM_API_URL", "Settings"]

TELEGRAM_API_URL = "https://api.telegram.org"
# What @BotFather hands out: the bot's numeric id, a colon, then the secret part.
TOKEN_FORMAT = re.compile(r"\d+:[A-Za-z0-9_-]+")
# Telegram's rule for setWebhook's secret_token.
WEBHOOK_SECRET_FORMAT = re.compile(r"[A-Za-z0-9_-]{1,256}")
REDIS_SCHEMES = ("redis://", "rediss://", "unix://")
LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class Settings(BaseSettings):
    """Everything the bot can be configured with; see `.env.example`."""

    # env_ignore_empty: `DATABASE_URL=` in a .env file means "the default", not "".
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    bot_token: SecretStr | None = None
    telegram_api_url: str = TELEGRAM_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_allow_no_secret: bool = False  # explicit opt-out; start-up warns loudly
    webhook_host: str = "0.0.0.0"
    webhook_port: int = Field(default=8080, ge=1, le=65535)
    timezone: str = "Europe/Brussels"
    default_locale: str = "nl"
    coordinator_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    # Admins create and configure programmes and see every one (they coordinate them too).
    admin_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    # The coordinators' private forum supergroup: one topic per person who writes to them.
    # Unset, each coordinator gets people's messages in their private chat with the bot.
    coordinator_chat_id: int | None = None
    data_dir: Path = Path("data")
    send_rate: float = Field(default=30.0, gt=0)  # messages a second overall (Telegram's limit)
    # The language detector (its own process, ~350 MB) stops after this many seconds
    # without a question; it starts again when someone of unknown language writes.
    detector_idle_seconds: float = Field(default=900.0, gt=0)
    log_level: str = "INFO"
    # "json": one JSON object a line (time, level, logger, message) for log collectors.
    log_format: Literal["text", "json"] = "text"
    # Seconds start-up keeps retrying the database, Redis and Telegram before giving up.
    startup_timeout: float = Field(default=120.0, ge=0)
    # GET /healthz and GET /metrics (bot.ops): on the webhook server, and in polling mode
    # on a side server at METRICS_HOST:METRICS_PORT when METRICS_PORT is set.
    healthz_enabled: bool = True
    metrics_enabled: bool = True
    metrics_host: str = "0.0.0.0"
    metrics_port: int | None = Field(default=None, ge=1, le=65535)

    @field_validator("coordinator_ids", "admin_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        # "123, 456" in the environment is friendlier than a JSON list.
        if isinstance(value, str):
            parts = [part.strip() for part in value.replace(";", ",").split(",")]
            ids = []
            for part in filter(None, parts):
                if not part.isdigit() or int(part) <= 0:
                    raise ValueError(f"{part[:20]!r} is not a Telegram user id (a whole number)")
                ids.append(int(part))
            return ids
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("coordinator_chat_id", mode="before")
    @classmethod
    def _group_id(cls, value: object) -> object:
        if value is None or value == "":
            return None
        text = str(value).strip()
        if not text.lstrip("-").isdigit() or not text.startswith("-100"):
            raise ValueError(
                f"{text[:24]!r} is not a supergroup id (a number starting with -100, "
                "as Telegram shows it for the group)"
            )
        return int(text)

    @field_validator("bot_token", "webhook_secret", "redis_url", "webhook_url", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("bot_token")
    @classmethod
    def _token_format(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not TOKEN_FORMAT.fullmatch(value.get_secret_value().strip()):
            raise ValueError(
                "does not look like a bot token (digits, a colon, then letters, digits, _ or -)"
            )
        return SecretStr(value.get_secret_value().strip()) if value is not None else None

    @field_validator("webhook_secret")
    @classmethod
    def _secret_format(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not WEBHOOK_SECRET_FORMAT.fullmatch(value.get_secret_value()):
            raise ValueError(
                f"must be 1-256 characters of A-Z a-z 0-9 _ - (it has "
                f"{len(value.get_secret_value())} characters, or others than these)"
            )
        return value

    @field_validator("database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        return normalize_database_url(value)

    @field_validator("redis_url")
    @classmethod
    def _redis_url(cls, value: str | None) -> str | None:
        if value is not None and not value.startswith(REDIS_SCHEMES):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return value

    @field_validator("telegram_api_url")
    @classmethod
    def _api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/")

    @field_validator("timezone")
    @classmethod
    def _timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"{value[:60]!r} is not a known time zone") from None
        return value

    @field_validator("default_locale")
    @classmethod
    def _locale(cls, value: str) -> str:
        if value not in SUPPORTED_LANGUAGES:
            raise ValueError(f"{value[:20]!r} is not one of the supported languages")
        return value

    @field_validator("log_level")
    @classmethod
    def _log_level(cls, value: str) -> str:
        level = value.upper()
        if level not in LOG_LEVELS:
            raise ValueError(f"{value[:20]!r} is not a log level")
        return level

    @property
    def uses_emulator(self) -> bool:
        """Without a token the bot runs against the local emulator."""
        return self.bot_token is None

    def secrets(self) -> list[str]:
        """Values that must never reach a log line or an error message."""
        from sqlalchemy.engine import make_url

        found = [
            self.bot_token.get_secret_value() if self.bot_token else "",
            self.webhook_secret.get_secret_value() if self.webhook_secret else "",
            make_url(self.database_url).password or "",
        ]
        if self.redis_url:
            from urllib.parse import urlsplit

            found.append(urlsplit(self.redis_url).password or "")
        return [str(secret) for secret in found if secret]
