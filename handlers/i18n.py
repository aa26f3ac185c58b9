"""Catalogs, the current locale and locale-aware formatting.

Messages live in gettext catalogs under `locales/`; `.mo` files are compiled at start
into a writable folder (they are never committed). Inside a handler the current locale
is set by `LocaleMiddleware`; outside (the delivery worker) code passes a locale.
"""

from __future__ import annotations

import logging
import os
import re
from datetime import date, datetime, tzinfo
from importlib import resources
from pathlib import Path

from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n.context import get_i18n
from babel import Locale
from babel.dates import format_date, format_datetime, format_time
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

from domain.langid import SUPPORTED_LANGUAGES
from domain.languages import GENDER_CONTEXT_PREFIXES, language, language_for_tag, registry

log = logging.getLogger(__name__)

DOMAIN = "messages"
# Right-to-left languages, by the registry's `direction` (offered or not: a coordinator
# may already write a broadcast in one).
RTL_LANGUAGES = frozenset(lang.code for lang in registry() if lang.rtl)
# First-strong isolate / pop directional isolate: keeps a Latin name or a number readable
# inside an Arabic or Persian sentence, and vice versa.
FSI, PDI = "\u2068", "\u2069"
# A letter of any script (a name, a place: words rather than a bare number).
_LETTER = re.compile(r"[^\W\d_]")


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
            # A file of this process's own, renamed into place at once: two instances
            # starting together on one DATA_DIR never read or clobber a half-written file.
            tmp = mo_path.with_suffix(f".{os.getpid()}.tmp")
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
    return language_for_tag(code, SUPPORTED_LANGUAGES)


def endonym(locale: str) -> str:
    """The language's own name for itself, in its own script: how a person finds their
    language. The registry's name first (Babel calls Dari "فارسی (افغانستان)"; Dari
    speakers call it "دری"), Babel's for a code outside the registry."""
    entry = language(locale)
    if entry is not None:
        return entry.name
    name = Locale.parse(locale).get_display_name(locale) or locale
    return name[:1].upper() + name[1:]


def is_rtl(locale: str) -> bool:
    return locale in RTL_LANGUAGES


def isolate(value: object, locale: str) -> str:
    """Wrap an inserted name or number so it keeps its own direction: everything inserted
    into a right-to-left message, and every name or other words (anything with a letter)
    in any message: "أمل en Sofie vormen nu een duo" would otherwise read scrambled in
    Dutch, and a name ending in a neutral character ("Sofie (Bxl)") can pull the text
    after it. A bare number in a left-to-right message keeps its direction by itself."""
    text = str(value)
    if is_rtl(locale) or _LETTER.search(text):
        return f"{FSI}{text}{PDI}"
    return text


# --- gender-aware wording -----------------------------------------------------------
#
# Arabic, French, Spanish, Ukrainian, Russian, Polish, Portuguese, Italian (and more)
# inflect verbs, adjectives and pronouns by the gender of the person addressed or spoken
# about: "سيكون Sofie رفيقك" is wrong for Sofie. A message that needs it is written
#     gendered("{name} accepted the meetup.", about=other.gender)
# and its catalog may hold variants under the contexts "about:female", "about:male"
# (and "to:..." for the reader, "to:... about:..." for both). `python -m bot i18n extract`
# adds those variants to messages.pot. A missing variant, or no stated gender ("prefer
# not to say", "other", unknown), falls back to the plain msgid: the neutral wording.

# The profile's genders (domain.matching.GENDERS) and the grammatical forms they take.
GRAMMATICAL_GENDER = {"woman": "female", "man": "male", "female": "female", "male": "male"}
GENDER_FORMS = ("female", "male")
GENDER_ROLES = ("to", "about")
assert all(f"{role}:" in GENDER_CONTEXT_PREFIXES for role in GENDER_ROLES)


def grammatical_gender(gender: str | None) -> str | None:
    """The grammatical form: "female", "male", or None for neutral wording."""
    return GRAMMATICAL_GENDER.get(gender or "")


def gender_contexts(*, to: str | None = None, about: str | None = None) -> list[str]:
    """The catalog contexts to try, most specific first: "to:female about:male",
    "to:female", "about:male". Empty when both are neutral."""
    parts = [
        f"{role}:{form}"
        for role, form in (("to", grammatical_gender(to)), ("about", grammatical_gender(about)))
        if form
    ]
    if len(parts) == 2:
        return [" ".join(parts), *parts]
    return parts


def variant_contexts(roles: tuple[str, ...]) -> list[str]:
    """Every context a message gendered for `roles` ("to", "about" or both) may have in
    a catalog: what the extractor adds to messages.pot."""
    single = {role: [f"{role}:{form}" for form in GENDER_FORMS] for role in roles}
    contexts = [ctx for role in GENDER_ROLES if role in single for ctx in single[role]]
    if len(roles) == 2:
        contexts += [f"{a} {b}" for a in single["to"] for b in single["about"]]
    return contexts


def pgettext(context: str, message: str, locale: str | None = None) -> str:
    """The translation of `message` under a catalog context; `message` when the current
    (or given) locale's catalog has none."""
    i18n = get_i18n()
    translations = i18n.locales.get(locale or i18n.current_locale)
    if translations is None:
        return message
    return translations.pgettext(context, message)


def gendered(
    message: str, *, to: str | None = None, about: str | None = None, locale: str | None = None
) -> str:
    """`message` translated in the form that fits the gender of the person it addresses
    (`to`) or speaks about (`about`), as the profile stores it ("woman", "man", "other",
    None); the neutral translation when no variant fits."""
    for context in gender_contexts(to=to, about=about):
        translated = pgettext(context, message, locale)
        if translated != message:
            return translated
    if locale is not None:
        return get_i18n().gettext(message, locale=locale)
    return _(message)


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
    "gendered",
    "isolate",
    "pgettext",
    "supported_locale",
]
