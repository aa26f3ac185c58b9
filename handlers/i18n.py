"""Catalogs, the current locale and locale-aware formatting.

Messages live in gettext catalogs under `locales/`; `.mo` files are compiled at start
into a writable folder (they are never committed). Inside a handler the current locale
is set by `LocaleMiddleware`; outside (the delivery worker) code passes a locale.
"""

from __future__ import annotations

import logging
import re
from datetime import date, datetime, tzinfo
from importlib import resources
from pathlib import Path

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from domain.langid import SUPPORTED_LANGUAGES

log = logging.getLogger(__name__)

DOMAIN = "messages"
RTL_LANGUAGES = frozenset({"ar", "fa"})
# First-strong isolate / pop directional isolate: keeps a Latin name or a number readable
# inside an Arabic or Persian sentence, and vice versa.
FSI, PDI = "\u2068", "\u2069"
# Hebrew, Arabic, Syriac, Thaana, N'Ko, Samaritan and the Arabic presentation forms.
_RIGHT_TO_LEFT_LETTER = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")


def source_locales_dir() -> Path:
    """Where the `.po` catalogs are (a package folder, so `pip install .` ships them)."""
    return Path(str(resources.files("locales")))


def compile_catalogs(destination: Path, source: Path | None = None) -> list[str]:
    """Compile every `<lang>/LC_MESSAGES/messages.po` newer than its `.mo`; returns locales."""
    source = source or source_locales_dir()
    compiled = []
    for po_path in sorted(source.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        locale = po_path.parent.parent.name
        mo_path = destination / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"
        if not mo_path.exists() or mo_path.stat().st_mtime < po_path.stat().st_mtime:
            mo_path.parent.mkdir(parents=True, exist_ok=True)
            with po_path.open("rb") as po_file:
                catalog = read_po(po_file, locale=locale)
            tmp = mo_path.with_suffix(".tmp")
            with tmp.open("wb") as mo_file:
                write_mo(mo_file, catalog)
            tmp.replace(mo_path)
        compiled.append(locale)
    return compiled


def create_i18n(compiled_dir: Path, default_locale: str) -> I18n:
    """Compile the catalogs if needed and load them."""
    compile_catalogs(compiled_dir)
    # Dutch is the source language: an empty compiled folder still means "nl is available".
    (compiled_dir / default_locale / "LC_MESSAGES").mkdir(parents=True, exist_ok=True)
    return I18n(path=compiled_dir, default_locale=default_locale, domain=DOMAIN)


def supported_locale(code: str | None) -> str | None:
    """Map a Telegram `language_code` ("en-GB", "uk") to a supported locale, or None."""
    if not code:
        return None
    base = code.replace("_", "-").split("-")[0].lower()
    if base == "prs":  # Dari
        base = "fa"
    return base if base in SUPPORTED_LANGUAGES else None


def endonym(locale: str) -> str:
    """The language's own name for itself, capitalised: how a person finds their language."""
    name = Locale.parse(locale).get_display_name(locale) or locale
    return name[:1].upper() + name[1:]


def is_rtl(locale: str) -> bool:
    return locale in RTL_LANGUAGES


def isolate(value: object, locale: str) -> str:
    """Wrap an inserted name or number so it keeps its own direction: everything inserted
    into a right-to-left message, and anything written in a right-to-left script inserted
    into a left-to-right one ("أمل en Sofie vormen nu een duo" would otherwise read
    scrambled in Dutch)."""
    text = str(value)
    if is_rtl(locale) or _RIGHT_TO_LEFT_LETTER.search(text):
        return f"{FSI}{text}{PDI}"
    return text


def fmt_number(value: float, locale: str) -> str:
    return isolate(format_decimal(value, locale=locale, format="#,##0.##"), locale)


def fmt_date(value: date | datetime, locale: str, tz: tzinfo, fmt: str = "long") -> str:
    if isinstance(value, datetime):
        value = value.astimezone(tz)
    return format_date(value, format=fmt, locale=locale)


def fmt_time(value: datetime, locale: str, tz: tzinfo) -> str:
    return format_time(value.astimezone(tz), format="short", locale=locale)


def fmt_datetime(value: datetime, locale: str, tz: tzinfo) -> str:
    return format_datetime(value.astimezone(tz), format="medium", locale=locale)


__all__ = [
    "_",
    "compile_catalogs",
    "create_i18n",
    "endonym",
    "fmt_date",
    "fmt_datetime",
    "fmt_number",
    "fmt_time",
    "isolate",
    "supported_locale",
]
