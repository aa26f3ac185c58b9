"""The bot's configuration, read and checked before anything starts.

A configuration error is one or two lines on stderr naming the variable, what is wrong
with its value (never a secret) and what to do; the process exits with code 2 and no
traceback. Checks that need a server to answer (the database, Redis, Telegram) live in
`bot.startup`.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path

from pydantic import ValidationError
from pydantic_core import ErrorDetails
from pydantic_settings import SettingsError
from sqlalchemy.engine import make_url

from bot.settings import LOG_LEVELS, Settings
from domain.langid import SUPPORTED_LANGUAGES
from storage.db import is_sqlite

log = logging.getLogger(__name__)

EXIT_CONFIG_ERROR = 2

DATABASE_HINT = (
    "use postgresql+asyncpg://user:password@host:5432/dbname or "
    "sqlite+aiosqlite:///path/to/file.sqlite3 (unset: data/buddybot.sqlite3)"
)
BOT_TOKEN_HINT = (
    "copy the token again from @BotFather (/mybots, API Token); "
    "leave BOT_TOKEN unset to try the bot against the local emulator"
)
HINTS: dict[str, str] = {
    "BOT_TOKEN": BOT_TOKEN_HINT,
    "TELEGRAM_API_URL": "leave it unset for https://api.telegram.org, or give your Bot API "
    "server's address",
    "DATABASE_URL": DATABASE_HINT,
    "REDIS_URL": "use redis://host:6379/0, or leave it unset to keep conversation state "
    "in the database",
    "WEBHOOK_URL": "give the public https:// address Telegram should post updates to, or "
    "leave it unset for long polling",
    "WEBHOOK_SECRET": "use 1-256 characters of A-Z a-z 0-9 _ -, e.g. the output of "
    "`python -c 'import secrets; print(secrets.token_urlsafe(32))'`",
    "WEBHOOK_ALLOW_NO_SECRET": "use true or false",
    "WEBHOOK_PORT": "use a port number between 1 and 65535",
    "TIMEZONE": "use an IANA time zone name such as "
    + str(Settings.model_fields["timezone"].default),
    "DEFAULT_LOCALE": "use one of " + ", ".join(SUPPORTED_LANGUAGES),
    "COORDINATOR_IDS": "give Telegram user ids, comma-separated, e.g. 11111111,22222222",
    "DATA_DIR": "point DATA_DIR at a folder this user can write to, or fix its permissions",
    "SEND_RATE": "give messages a second as a number above 0, e.g. 30",
    "LOG_LEVEL": "use one of " + ", ".join(LOG_LEVELS),
    "STARTUP_TIMEOUT": "give seconds as a number, 0 or more (default 120)",
    "METRICS_PORT": "use a port number between 1 and 65535, or leave it unset for no side "
    "server in polling mode",
    "HEALTHZ_ENABLED": "use true or false",
    "METRICS_ENABLED": "use true or false",
}


class ConfigError(Exception):
    """A setting the bot cannot start with: which one, what is wrong, what to do."""

    def __init__(self, setting: str, problem: str, hint: str) -> None:
        super().__init__(f"{setting}: {problem}")
        self.setting = setting
        self.problem = problem
        self.hint = hint

    def render(self, secrets: list[str] | None = None) -> str:
        """The two lines printed for it, with any secret value masked."""
        text = f"Configuration error in {self.setting}: {self.problem}.\n  To fix: {self.hint}."
        for secret in secrets or ():
            text = text.replace(secret, "***")
        return text


class InvalidSettings(Exception):
    """Several settings failed validation at once; each is a ConfigError."""

    def __init__(self, errors: list[ConfigError]) -> None:
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


def load_settings() -> Settings:
    """Settings from the environment and `.env`; raises InvalidSettings naming each bad
    variable (the value itself is never repeated: it may be a secret)."""
    try:
        return Settings()
    except ValidationError as error:
        raise InvalidSettings([_from_pydantic(item) for item in error.errors()]) from None
    except SettingsError as error:
        # pydantic-settings failed to parse a source before validation (its message names
        # the field, not the value).
        raise InvalidSettings(
            [ConfigError("settings", str(error), "correct it in the environment or .env")]
        ) from None


def _from_pydantic(item: ErrorDetails) -> ConfigError:
    # Only the location and the message: `input` holds the value, which may be a secret.
    location = item.get("loc") or ("settings",)
    setting = str(location[0]).upper()
    problem = item.get("msg", "is not valid").removeprefix("Value error, ")
    hint = HINTS.get(setting, f"correct {setting} in the environment or the .env file")
    return ConfigError(setting, problem, hint)


# --- checks before anything is started ---


def webhook_secret(settings: Settings) -> str | None:
    """The secret Telegram must send with each webhook request; raises ConfigError in
    webhook mode without one, unless WEBHOOK_ALLOW_NO_SECRET=true says that is meant."""
    if settings.webhook_secret is not None:
        return settings.webhook_secret.get_secret_value()
    if settings.webhook_url and not settings.webhook_allow_no_secret:
        raise ConfigError(
            "WEBHOOK_SECRET",
            "is not set, so anyone who finds WEBHOOK_URL could send the bot forged updates",
            HINTS["WEBHOOK_SECRET"] + " (or set WEBHOOK_ALLOW_NO_SECRET=true to accept the risk)",
        )
    return None


def check_webhook(settings: Settings) -> None:
    """Refuse webhook mode without a secret; warn loudly when that was explicitly allowed."""
    if settings.webhook_url and webhook_secret(settings) is None:
        log.warning(
            "WEBHOOK_SECRET is not set and WEBHOOK_ALLOW_NO_SECRET=true: the webhook accepts "
            "updates from ANYONE who finds WEBHOOK_URL; set WEBHOOK_SECRET to close this"
        )


def check_database_folder(settings: Settings) -> None:
    """A SQLite database needs a writable folder (the file, its journal and WAL files)."""
    url = settings.database_url
    if not is_sqlite(url):
        return
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database)
    problem = _folder_problem(path.parent)
    if problem is not None:
        raise ConfigError(
            "DATABASE_URL",
            f"the SQLite file's folder {path.parent} {problem}",
            "point DATABASE_URL at a file in a folder this user can write to, "
            "or fix the folder's permissions",
        )
    if path.exists() and (not path.is_file() or not _writable_file(path)):
        raise ConfigError(
            "DATABASE_URL",
            f"the SQLite file {path} is not a writable file",
            "fix the file's permissions or point DATABASE_URL at another file",
        )


def check_data_dir(settings: Settings) -> None:
    """DATA_DIR receives the compiled message catalogs at every start."""
    problem = _folder_problem(settings.data_dir)
    if problem is not None:
        raise ConfigError("DATA_DIR", f"{settings.data_dir} {problem}", HINTS["DATA_DIR"])


def _folder_problem(folder: Path) -> str | None:
    """Why `folder` cannot be written (None: it can; it is created when missing)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        return "is a file, not a folder"
    except NotADirectoryError:
        return "cannot be created: part of the path is a file"
    except OSError as error:
        return f"cannot be created ({error.strerror or type(error).__name__})"
    # Permission bits do not tell the whole story (read-only mounts, ACLs, root): try.
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        return f"is not writable ({error.strerror or type(error).__name__})"
    return None


def _writable_file(path: Path) -> bool:
    try:
        with path.open("r+b"):
            return True
    except OSError:
        return False
