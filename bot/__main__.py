"""`python -m bot ...`: run the bot, migrate, the emulator, the playground, catalogs.

A configuration error (see bot.startup) is printed as one or two plain lines on stderr
and the process exits with code 2, without a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import json
import logging
import sys

from bot.config import (
    EXIT_CONFIG_ERROR,
    ConfigError,
    InvalidSettings,
    check_data_dir,
    check_database_folder,
    check_webhook,
    load_settings,
)
from bot.settings import Settings
from bot.startup import Deadline, prepare_database


class _SecretFilter(logging.Filter):
    """Belt and braces: a token never reaches a log line, whatever a library prints."""

    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            if any(secret in message for secret in self.secrets):
                for secret in self.secrets:
                    message = message.replace(secret, "***")
                record.msg, record.args = message, ()
        return True


class _JsonFormatter(logging.Formatter):
    """LOG_FORMAT=json: one object a line. What is logged is the same as in text: never
    typed text or personal data at INFO, and secrets filtered out."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    for handler in logging.getLogger().handlers:
        if settings.log_format == "json":
            handler.setFormatter(_JsonFormatter())
        handler.addFilter(_SecretFilter(settings.secrets()))
    for noisy in ("aiogram.event", "aiohttp.access", "alembic", "apscheduler"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser(
        "run", help="run the bot (without BOT_TOKEN: against the local emulator, with a demo)"
    )
    run.add_argument("--no-demo", action="store_true", help="local mode: skip the scripted demo")
    commands.add_parser("migrate", help="apply database migrations")
    emulator = commands.add_parser("emulator", help="run the local Telegram Bot API emulator")
    emulator.add_argument("--host", default="127.0.0.1")
    emulator.add_argument("--port", type=int, default=8081)
    emulator.add_argument("--token", default=None)
    demo = commands.add_parser(
        "demo",
        help="a playground with several people and a clock you move (+1d, +2h)",
    )
    demo.add_argument("--database", default=None, help="a simulation's database file to go on")
    demo.add_argument("--scripted", action="store_true", help="play the short scripted demo")
    simulate = commands.add_parser(
        "simulate", help="simulate a whole programme and measure the coordinator's week"
    )
    simulate.add_argument("--duos", type=int, default=150)
    simulate.add_argument("--months", type=int, default=6)
    simulate.add_argument("--seed", type=int, default=1)
    simulate.add_argument("--database", default=None, help="where to leave the database")
    commands.add_parser("chat", help="chat with the bot from this terminal (local emulator)")
    catalogs = commands.add_parser(
        "i18n", help="message catalogs: extract, update, compile, init, add-language, replural"
    )
    catalogs.add_argument(
        "action", choices=["extract", "update", "compile", "init", "add-language", "replural"]
    )
    catalogs.add_argument("locale", nargs="?", help="with init/add-language: the language code")
    add_catalog_language_options(catalogs)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command; 0 when it went well, 2 on a configuration error."""
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    try:
        settings = load_settings()
    except InvalidSettings as invalid:
        for error in invalid.errors:
            print(error.render(), file=sys.stderr)
        return EXIT_CONFIG_ERROR
    try:
        return _command(args, command, settings)
    except ConfigError as error:
        print(error.render(settings.secrets()), file=sys.stderr)
        return EXIT_CONFIG_ERROR


def add_catalog_language_options(parser: argparse.ArgumentParser) -> None:
    """`i18n add-language CODE`: what Babel's CLDR data cannot say about a language."""
    parser.add_argument("--name", help="add-language: its name in its own script")
    parser.add_argument("--english", help="add-language: its English name")
    parser.add_argument("--script", help="add-language: latin, cyrillic, arabic or ethiopic")
    parser.add_argument("--lingua", help="add-language: lingua's Language name, if it knows it")
    parser.add_argument("--telegram", help="add-language: Telegram's two-letter code")
    parser.add_argument("--espeak", help="add-language: the espeak-ng voice")
    parser.add_argument("--alias", action="append", default=[], help="add-language: other codes")
    parser.add_argument("--fallback", help="add-language: offered language to use meanwhile")


def _command(args: argparse.Namespace, command: str, settings: Settings) -> int:
    configure_logging(settings)

    if command == "migrate":
        check_database_folder(settings)
        deadline = Deadline(settings.startup_timeout)
        asyncio.run(prepare_database(settings.database_url, deadline))
        print("Database is up to date.")
        return 0
    if command == "emulator":
        from bot.playground import LOCAL_TOKEN
        from emulator.server import run_standalone

        run_standalone(args.host, args.port, args.token or LOCAL_TOKEN)
        return 0
    if command == "i18n":
        from bot.catalogs import run_catalog_command, run_language_command

        if args.action in {"add-language", "replural"}:
            return run_language_command(args)
        return run_catalog_command(args.action, args.locale)
    if command == "run" and not settings.uses_emulator:
        check_webhook(settings)
    # Checked before anything starts: a folder that cannot be written would otherwise
    # fail half-way through the migrations or the catalog compilation.
    check_database_folder(settings)
    check_data_dir(settings)
    if command == "simulate":
        from bot.simulation import run_cli

        return run_cli(settings, args)
    if command == "demo" and not args.scripted:
        from bot.playground import run_demo

        return asyncio.run(run_demo(settings, database=args.database))
    if command in ("demo", "chat") or (command == "run" and settings.uses_emulator):
        from bot.playground import run_playground

        mode = {"demo": "demo", "chat": "chat"}.get(command, "run")
        with_demo = not getattr(args, "no_demo", False)
        return asyncio.run(run_playground(settings, mode=mode, with_demo=with_demo))

    from bot.app import build_app, run_polling, run_webhook

    assert settings.bot_token is not None
    token = settings.bot_token.get_secret_value()
    # Start-up's patience is counted from here (after the imports), across the database,
    # Redis and Telegram.
    deadline = Deadline(settings.startup_timeout)

    async def _run() -> None:
        app = await build_app(
            settings, token=token, api_url=settings.telegram_api_url, deadline=deadline
        )
        # What start-up made (modules, routers, catalogs) lives as long as the process: out
        # of the garbage collector's full rounds, such a round walks only what was made
        # since, 5-20 ms instead of about 0.2 s in the middle of the event loop
        # (bench/report.py). Once per process, after a collection, so no garbage is kept.
        gc.collect()
        gc.freeze()
        if settings.webhook_url:
            await run_webhook(app, deadline=deadline)
        else:
            await run_polling(app, deadline=deadline)

    asyncio.run(_run())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
