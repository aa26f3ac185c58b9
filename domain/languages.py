"""The contact languages, read from one registry: `locales/languages.toml`.

Every list of languages (the picker, spoken languages for matching, broadcast segments,
command menus, the profile, detection) comes from here, so adding a language is data:
an entry in the registry and a catalog (`python -m bot i18n add-language CODE`).

Two lists matter:
- *registered*: every language in the registry. People may say they speak any of them
  (matching uses it), even before the bot speaks it.
- *offered*: the languages the bot writes in. A language is offered when its entry says
  `offered = true` AND its catalog is complete: every message of `messages.pot`
  translated (all plural forms, nothing fuzzy) with the same placeholders. A half-made
  catalog would show people a mix of their language and Dutch, so it is never offered.
  Gender variants (messages with a `to:`/`about:` context) are not required: a missing
  one falls back to the neutral wording (see `handlers.i18n.gendered`).
"""

from __future__ import annotations

import logging
import string
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

log = logging.getLogger(__name__)

__all__ = [
    "GENDER_CONTEXT_PREFIXES",
    "Language",
    "catalog_problems",
    "language_for_tag",
    "load_registry",
    "locales_dir",
    "offered_codes",
    "registered_codes",
    "registry",
]

SOURCE_LANGUAGE = "nl"  # the catalogs' msgids are English, but Dutch is the default locale
DIRECTIONS = ("ltr", "rtl")
SCRIPTS = ("latin", "cyrillic", "arabic", "ethiopic")
# Contexts of gendered variants (handlers.i18n.gendered): optional for completeness.
GENDER_CONTEXT_PREFIXES = ("to:", "about:")


@dataclass(frozen=True)
class Language:
    """One registry entry (see the field notes at the top of languages.toml)."""

    code: str
    name: str
    english: str
    direction: str
    script: str
    offered: bool
    lingua: str | None = None
    telegram: str | None = None
    espeak: str | None = None
    aliases: tuple[str, ...] = field(default=())
    # The offered language to use while this one is not offered (Dari -> Persian).
    fallback: str | None = None

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"


def locales_dir() -> Path:
    """The `locales` package folder (so `pip install .` ships the registry and catalogs)."""
    return Path(str(resources.files("locales")))


def _entry(raw: dict[str, object]) -> Language:
    code = str(raw["code"])
    direction = str(raw.get("direction", "ltr"))
    script = str(raw.get("script", "latin"))
    if direction not in DIRECTIONS:
        raise ValueError(f"languages.toml: {code}: direction must be one of {DIRECTIONS}")
    if script not in SCRIPTS:
        raise ValueError(f"languages.toml: {code}: script must be one of {SCRIPTS}")
    aliases = raw.get("aliases", [])
    assert isinstance(aliases, list)
    return Language(
        code=code,
        name=str(raw["name"]),
        english=str(raw["english"]),
        direction=direction,
        script=script,
        offered=bool(raw.get("offered", False)),
        lingua=str(raw["lingua"]) if raw.get("lingua") else None,
        telegram=str(raw["telegram"]) if raw.get("telegram") else None,
        espeak=str(raw["espeak"]) if raw.get("espeak") else None,
        aliases=tuple(str(a) for a in aliases),
        fallback=str(raw["fallback"]) if raw.get("fallback") else None,
    )


def load_registry(path: Path) -> tuple[Language, ...]:
    """The registry's entries in file order (the order the picker shows)."""
    with path.open("rb") as handle:
        data = tomllib.load(handle)
    languages = tuple(_entry(raw) for raw in data.get("language", []))
    codes = [lang.code for lang in languages]
    if len(set(codes)) != len(codes):
        raise ValueError("languages.toml: a code is listed twice")
    return languages


def _placeholders(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name}
    except ValueError:  # an unbalanced brace: never equal to the msgid's
        return {"{"}


def _strings(value: object) -> tuple[str, ...]:
    if isinstance(value, (tuple, list)):
        return tuple(str(v or "") for v in value)
    return (str(value or ""),)


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def catalog_problems(template: Catalog, catalog: Catalog) -> list[str]:
    """What keeps `catalog` from being complete against `template`: untranslated, fuzzy or
    missing messages, wrong placeholders. Empty means complete."""
    problems: list[str] = []
    for wanted in template:
        if not wanted.id or (wanted.context or "").startswith(GENDER_CONTEXT_PREFIXES):
            continue
        message = catalog.get(wanted.id, context=wanted.context)
        key = wanted.id if isinstance(wanted.id, str) else wanted.id[0]
        if message is None:
            problems.append(f"missing: {key!r}")
            continue
        strings = _strings(message.string)
        if message.fuzzy or not all(strings):
            problems.append(f"untranslated: {key!r}")
            continue
        ids = _strings(wanted.id)
        expected = set().union(*(_placeholders(i) for i in ids))
        if any(_placeholders(s) != expected for s in strings):
            problems.append(f"placeholders differ: {key!r}")
    return problems


def _catalog_is_complete(folder: Path, code: str, template: Catalog | None) -> bool:
    if code == SOURCE_LANGUAGE:
        return True  # the default locale: a missing message shows its source text anyway
    po = folder / code / "LC_MESSAGES" / "messages.po"
    if template is None or not po.exists():
        return False
    problems = catalog_problems(template, _read(po, code))
    if problems:
        log.warning(
            "%s is not offered: %d catalog problems, e.g. %s", code, len(problems), problems[0]
        )
    return not problems


def offered_among(languages: Iterable[Language], folder: Path) -> tuple[str, ...]:
    """The codes of `languages` that are switched on and have a complete catalog."""
    pot = folder / "messages.pot"
    template = _read(pot) if pot.exists() else None
    return tuple(
        lang.code
        for lang in languages
        if lang.offered and _catalog_is_complete(folder, lang.code, template)
    )


@cache
def registry() -> tuple[Language, ...]:
    """The project's registry (read once per process)."""
    return load_registry(locales_dir() / "languages.toml")


@cache
def registered_codes() -> tuple[str, ...]:
    return tuple(lang.code for lang in registry())


@cache
def offered_codes() -> tuple[str, ...]:
    """The languages the bot speaks (read once per process: the catalogs do not change
    while it runs)."""
    return offered_among(registry(), locales_dir())


def language(code: str) -> Language | None:
    for lang in registry():
        if lang.code == code:
            return lang
    return None


@lru_cache(maxsize=8)
def _tag_index(languages: tuple[Language, ...]) -> dict[str, Language]:
    index: dict[str, Language] = {}
    for lang in languages:
        for key in (lang.code, *lang.aliases):
            index.setdefault(key.replace("-", "_").lower(), lang)
    return index


def language_for_tag(
    tag: str | None,
    offered: tuple[str, ...] | None = None,
    languages: tuple[Language, ...] | None = None,
) -> str | None:
    """The offered language for a Telegram `language_code` (an IETF tag) or an ISO code:
    "en-GB" -> "en", "prs" or "fa-AF" -> "fa_AF" (Dari) when offered, else its fallback
    "fa"; a language not offered (and without an offered fallback) gives None."""
    if not tag:
        return None
    offered = offered_codes() if offered is None else offered
    index = _tag_index(registry() if languages is None else languages)
    full = tag.strip().replace("-", "_").lower()
    found = index.get(full) or index.get(full.split("_", 1)[0])
    if found is None:
        return None
    if found.code in offered:
        return found.code
    return found.fallback if found.fallback in offered else None
