"""Typed configuration read from the environment and an optional `.env` file."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///data/buddybot.sqlite3"
TELEGRAM_API_URL = "https://api.telegram.org"


class Settings(BaseSettings):
    """Everything the bot can be configured with; see `.env.example`."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    bot_token: SecretStr | None = None
    telegram_api_url: str = TELEGRAM_API_URL
    database_url: str = DEFAULT_DATABASE_URL
    redis_url: str | None = None
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "0.0.0.0"
    webhook_port: int = 8080
    timezone: str = "Europe/Brussels"
    default_locale: str = "nl"
    coordinator_ids: Annotated[list[int], NoDecode] = Field(default_factory=list)
    data_dir: Path = Path("data")
    send_rate: float = 30.0  # messages a second overall (Telegram's limit for most bots)
    log_level: str = "INFO"

    @field_validator("coordinator_ids", mode="before")
    @classmethod
    def _split_ids(cls, value: object) -> object:
        # "123, 456" in the environment is friendlier than a JSON list.
        if isinstance(value, str):
            return [int(part) for part in value.replace(";", ",").split(",") if part.strip()]
        if isinstance(value, int):
            return [value]
        return value

    @field_validator("bot_token", "webhook_secret", "redis_url", "webhook_url", mode="before")
    @classmethod
    def _empty_is_none(cls, value: object) -> object:
        return None if value == "" else value

    @property
    def uses_emulator(self) -> bool:
        """Without a token the bot runs against the local emulator."""
        return self.bot_token is None
