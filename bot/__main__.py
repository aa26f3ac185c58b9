"""`python -m bot ...`: run the bot, migrate, the emulator, the playground, catalogs."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys

from bot.settings import Settings


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


def configure_logging(settings: Settings) -> None:
    logging.basicConfig(
        level=settings.log_level.upper(),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    secrets = [
        settings.bot_token.get_secret_value() if settings.bot_token else "",
        settings.webhook_secret.get_secret_value() if settings.webhook_secret else "",
    ]
    for handler in logging.getLogger().handlers:
        handler.addFilter(_SecretFilter(secrets))
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
    commands.add_parser("demo", help="play the scripted demo conversation and exit")
    commands.add_parser("chat", help="chat with the bot from this terminal (local emulator)")
    catalogs = commands.add_parser("i18n", help="message catalogs: extract, update, compile, init")
    catalogs.add_argument("action", choices=["extract", "update", "compile", "init"])
    catalogs.add_argument("locale", nargs="?", help="with init: the new language code")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    command = args.command or "run"
    settings = Settings()
    configure_logging(settings)

    if command == "migrate":
        from storage.migrate import upgrade

        upgrade(settings.database_url)
        print("Database is up to date.")
        return 0
    if command == "emulator":
        from bot.playground import LOCAL_TOKEN
        from emulator.server import run_standalone

        run_standalone(args.host, args.port, args.token or LOCAL_TOKEN)
        return 0
    if command == "i18n":
        from bot.catalogs import run_catalog_command

        return run_catalog_command(args.action, args.locale)
    if command in ("demo", "chat") or (command == "run" and settings.uses_emulator):
        from bot.playground import run_playground

        mode = {"demo": "demo", "chat": "chat"}.get(command, "run")
        with_demo = not getattr(args, "no_demo", False)
        return asyncio.run(run_playground(settings, mode=mode, with_demo=with_demo))

    from bot.app import build_app, run_polling, run_webhook

    assert settings.bot_token is not None

    async def _run() -> None:
        app = await build_app(
            settings,
            token=settings.bot_token.get_secret_value(),  # type: ignore[union-attr]
            api_url=settings.telegram_api_url,
        )
        if settings.webhook_url:
            await run_webhook(app)
        else:
            await run_polling(app)

    asyncio.run(_run())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
