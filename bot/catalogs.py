"""Catalog maintenance with Babel: extract, update, compile, init (also as make targets)."""

from __future__ import annotations

from pathlib import Path

from babel.messages.frontend import CommandLineInterface

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
TEMPLATE = LOCALES / "messages.pot"
SOURCES = ["bot", "handlers"]


def run_catalog_command(action: str, locale: str | None = None) -> int:
    """Run one pybabel action on the project's catalogs."""
    argv: list[str]
    if action == "extract":
        argv = [
            "pybabel", "extract", "--no-location", "--sort-by-file",
            "-k", "_", "-k", "__", "-k", "ngettext:1,2", "-k", "lazy_gettext",
            "--project", "buddybot", "-o", str(TEMPLATE), *(str(ROOT / s) for s in SOURCES),
        ]  # fmt: skip
    elif action == "update":
        argv = [
            "pybabel", "update", "--no-fuzzy-matching", "--ignore-obsolete",
            "-i", str(TEMPLATE), "-d", str(LOCALES), "-D", "messages",
        ]  # fmt: skip
    elif action == "compile":
        argv = ["pybabel", "compile", "--use-fuzzy", "-d", str(LOCALES), "-D", "messages"]
    elif action == "init":
        if not locale:
            raise SystemExit("i18n init needs a language code, e.g. `python -m bot i18n init de`")
        argv = ["pybabel", "init", "-i", str(TEMPLATE), "-d", str(LOCALES), "-l", locale]
    else:
        raise SystemExit(f"unknown catalog action {action!r}")
    CommandLineInterface().run(argv)
    return 0
