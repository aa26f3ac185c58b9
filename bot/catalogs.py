"""Catalog maintenance with Babel: extract, update, compile, init, add-language, replural
(also as make targets)."""

from __future__ import annotations

import argparse
import ast
import gettext
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.core import get_global
from babel.messages.catalog import Catalog
from babel.messages.frontend import CommandLineInterface
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po

from domain.languages import SCRIPTS, load_registry
from handlers.i18n import GENDER_ROLES, variant_contexts

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "locales"
TEMPLATE = LOCALES / "messages.pot"
REGISTRY = LOCALES / "languages.toml"
SOURCES = ["bot", "handlers"]
KEYWORDS = [
    "_", "__", "ngettext:1,2", "lazy_gettext", "pgettext:1c,2", "npgettext:1c,2,3", "gendered",
]  # fmt: skip
# How CLDR names a script, and how the registry does.
_CLDR_SCRIPTS = {"Latn": "latin", "Cyrl": "cyrillic", "Arab": "arabic", "Ethi": "ethiopic"}


def run_catalog_command(action: str, locale: str | None = None) -> int:
    """Run one pybabel action on the project's catalogs."""
    argv: list[str]
    if action == "extract":
        keywords = [arg for keyword in KEYWORDS for arg in ("-k", keyword)]
        argv = [
            "pybabel", "extract", "--no-location", "--sort-by-file", *keywords,
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
    if action == "extract":
        added = add_gender_variants(TEMPLATE, [ROOT / s for s in SOURCES])
        print(f"added {added} gender variants to {TEMPLATE.name}")
    return 0


# --- gender variants -----------------------------------------------------------------


@dataclass(frozen=True)
class GenderedCall:
    """A `gendered("...", to=..., about=...)` call found in the source."""

    message: str
    roles: tuple[str, ...]
    where: str


def gendered_calls(folders: list[Path]) -> Iterator[GenderedCall]:
    """Every `gendered(<literal>, to=..., about=...)` in the Python files of `folders`."""
    for folder in folders:
        for path in sorted(folder.rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if not (isinstance(node, ast.Call) and _name_of(node.func) == "gendered"):
                    continue
                if not node.args or not isinstance(node.args[0], ast.Constant):
                    continue
                message = node.args[0].value
                if not isinstance(message, str):
                    continue
                roles = tuple(k.arg for k in node.keywords if k.arg in GENDER_ROLES)
                if roles:
                    ordered = tuple(role for role in GENDER_ROLES if role in roles)
                    yield GenderedCall(message, ordered, f"{path.name}:{node.lineno}")


def _name_of(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def add_gender_variants(template_path: Path, folders: list[Path]) -> int:
    """Add a message per gender context ("about:female", ...) for every gendered call to
    the template, with a comment that tells the translator whose gender it is."""
    with template_path.open("rb") as handle:
        template = read_po(handle)
    added = 0
    for call in gendered_calls(folders):
        for context in variant_contexts(call.roles):
            if template.get(call.message, context=context) is not None:
                continue
            template.add(
                call.message,
                context=context,
                auto_comments=[_gender_comment(context)],
            )
            added += 1
    with template_path.open("wb") as handle:
        write_po(handle, template, omit_header=False, sort_by_file=True, include_lineno=False)
    return added


def _gender_comment(context: str) -> str:
    parts = []
    for part in context.split(" "):
        role, form = part.split(":")
        who = "the reader" if role == "to" else "the person named"
        parts.append(f"{who} is {form}")
    return "Gender variant: " + ", ".join(parts) + ". Copy the neutral form if it fits."


# --- adding a language ---------------------------------------------------------------


@dataclass(frozen=True)
class NewLanguage:
    """What `add-language` needs; everything but the code defaults to Babel's CLDR data."""

    code: str
    name: str | None = None
    english: str | None = None
    script: str | None = None
    lingua: str | None = None
    telegram: str | None = None
    espeak: str | None = None
    aliases: tuple[str, ...] = ()
    fallback: str | None = None


def babel_locale(code: str) -> Locale:
    """The CLDR locale for `code`; a clear error when the locked Babel has no data for it
    (then dates, numbers and plural rules would silently be English)."""
    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError) as error:
        raise SystemExit(
            f"Babel (CLDR) has no locale {code!r}: use the CLDR code (Dari is fa_AF, "
            f"Kurmanji is ku) and put {code!r} in the entry's aliases."
        ) from error


def cldr_script(code: str) -> str:
    """The script CLDR's likely-subtags data gives the language ("am" -> ethiopic)."""
    likely = get_global("likely_subtags").get(code) or get_global("likely_subtags").get(
        code.split("_")[0], ""
    )
    for part in str(likely).split("_"):
        if part in _CLDR_SCRIPTS:
            return _CLDR_SCRIPTS[part]
    return "latin"


def add_language(spec: NewLanguage, locales: Path = LOCALES) -> list[Path]:
    """Create the catalog (from messages.pot, with the locked Babel's plural header), the
    glossary stub and the registry entry (not offered) for a new contact language.
    Returns the files written; refuses a code the registry already has."""
    registry_path = locales / "languages.toml"
    if any(lang.code == spec.code for lang in load_registry(registry_path)):
        raise SystemExit(f"{spec.code} is already in {registry_path.name}")
    locale = babel_locale(spec.code)
    script = spec.script or cldr_script(spec.code)
    if script not in SCRIPTS:
        raise SystemExit(f"script must be one of {', '.join(SCRIPTS)}")
    name = spec.name or _capitalise(locale.get_display_name(locale) or spec.code)
    english = spec.english or locale.english_name or spec.code
    written = [
        _write_catalog(spec.code, locale, locales),
        _write_glossary(spec.code, name, english, locale, locales),
    ]
    entry = _registry_entry(spec, name, english, locale.text_direction, script)
    with registry_path.open("a", encoding="utf-8") as handle:
        handle.write(entry)
    written.append(registry_path)
    return written


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def _write_catalog(code: str, locale: Locale, locales: Path) -> Path:
    with (locales / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    catalog = Catalog(locale=locale, project="buddybot", fuzzy=False)
    catalog.update(template, no_fuzzy_matching=True)
    plural = get_plural(locale)
    assert catalog.num_plurals == plural.num_plurals, (code, catalog.plural_forms)
    path = locales / code / "LC_MESSAGES" / "messages.po"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, include_lineno=False)
    return path


def _write_glossary(code: str, name: str, english: str, locale: Locale, locales: Path) -> Path:
    """A glossary stub: the canonical English terms (from locales/en/glossary.md) with an
    empty column for the translator, and the review note the issue asks for."""
    terms = _english_terms(locales / "en" / "glossary.md")
    plural = get_plural(locale)
    lines = [
        f"# {english} glossary ({name})",
        "",
        f"Locale `{code}`; written {locale.text_direction}; plural forms from the locked "
        f"Babel: `{plural.plural_forms}`.",
        "",
        "Review: no native speaker is available to this project. Whoever translates or "
        "reviews this catalog writes their name and method (translation, back-translation "
        "compared by a second pass) here.",
        "",
        f"| English | {name} |",
        "|---|---|",
        *(f"| {term} |  |" for term in terms),
        "",
    ]
    path = locales / code / "glossary.md"
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


_TERM_ROW = re.compile(r"^\|\s*([^|]+?)\s*\|")


def _english_terms(glossary: Path) -> list[str]:
    if not glossary.exists():
        return ["buddy", "newcomer", "coordinator", "meetup", "waiting list"]
    terms: list[str] = []
    for line in glossary.read_text(encoding="utf-8").splitlines():
        found = _TERM_ROW.match(line)
        if (
            found
            and found.group(1) not in {"English", "---"}
            and not found.group(1).startswith("-")
        ):
            if found.group(1) not in terms:
                terms.append(found.group(1))
    return terms


def _toml_string(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _registry_entry(spec: NewLanguage, name: str, english: str, direction: str, script: str) -> str:
    lines = [
        "",
        "[[language]]",
        f"code = {_toml_string(spec.code)}",
        f"name = {_toml_string(name)}",
        f"english = {_toml_string(english)}",
        f"direction = {_toml_string(direction)}",
        f"script = {_toml_string(script)}",
    ]
    optional = {
        "lingua": spec.lingua,
        "telegram": spec.telegram if spec.telegram is not None else _telegram_code(spec.code),
        "espeak": spec.espeak,
        "fallback": spec.fallback,
    }
    for key in ("lingua", "telegram"):
        if optional[key]:
            lines.append(f"{key} = {_toml_string(str(optional[key]))}")
    if spec.aliases:
        lines.append("aliases = [" + ", ".join(_toml_string(a) for a in spec.aliases) + "]")
    for key in ("espeak", "fallback"):
        if optional[key]:
            lines.append(f"{key} = {_toml_string(str(optional[key]))}")
    lines.append("offered = false")
    return "\n".join(lines) + "\n"


def _telegram_code(code: str) -> str | None:
    """Telegram's setMyCommands takes a two-letter ISO 639-1 code, nothing else."""
    return code if re.fullmatch(r"[a-z]{2}", code) else None


# --- plural forms after a Babel upgrade ----------------------------------------------


def replural(po_path: Path, locale: str) -> bool:
    """Give a catalog the locked Babel's plural header, moving each plural translation
    to the form that now covers the same numbers (Babel 2.19 derives the rules from CLDR:
    French gains a form for millions, Arabic's last two forms swap). Returns whether the
    file changed. A new form takes the translation the old rule used for its numbers."""
    with po_path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    old = _plural_function(catalog.num_plurals, catalog.plural_expr)
    expected = get_plural(locale)
    if (catalog.num_plurals, catalog.plural_expr.replace(" ", "")) == (
        expected.num_plurals,
        expected.plural_expr.replace(" ", ""),
    ):
        return False
    new = _plural_function(expected.num_plurals, expected.plural_expr)
    # For each new form, the old form of the first number it covers (the "many" forms
    # of French, Spanish, Italian and Portuguese are for exact millions).
    sample: dict[int, int] = {}
    for n in (*range(0, 1001), 1_000_000, 2_000_000):
        sample.setdefault(new(n), old(n))
    for index in range(expected.num_plurals):
        sample.setdefault(index, min(index, catalog.num_plurals - 1))
    for message in catalog:
        if message.id and isinstance(message.id, tuple | list):
            strings = list(message.string or ()) if not isinstance(message.string, str) else []
            message.string = tuple(
                strings[sample[i]] if sample[i] < len(strings) else ""
                for i in range(expected.num_plurals)
            )
    # Babel reads the header once and has no setter for it.
    catalog._num_plurals = expected.num_plurals  # type: ignore[assignment]
    catalog._plural_expr = expected.plural_expr  # type: ignore[assignment]
    with po_path.open("wb") as handle:
        write_po(handle, catalog, include_lineno=False)
    return True


def _plural_function(num: int, expr: str) -> Callable[[int], int]:
    return gettext.c2py(expr) if num > 1 else (lambda n: 0)


def run_language_command(args: argparse.Namespace) -> int:
    """`i18n add-language CODE [--name ...]` and `i18n replural`."""
    if args.action == "replural":
        for po_path in sorted(LOCALES.glob("*/LC_MESSAGES/messages.po")):
            locale = po_path.parent.parent.name
            if replural(po_path, locale):
                print(f"{locale}: plural forms now {get_plural(locale).plural_forms}")
        return 0
    if not args.locale:
        raise SystemExit(
            "i18n add-language needs a code, e.g. `python -m bot i18n add-language so`"
        )
    spec = NewLanguage(
        code=args.locale,
        name=args.name,
        english=args.english,
        script=args.script,
        lingua=args.lingua,
        telegram=args.telegram,
        espeak=args.espeak,
        aliases=tuple(args.alias),
        fallback=args.fallback,
    )
    for path in add_language(spec):
        print(f"wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    print(
        f"{spec.code} is registered, not offered: translate its catalog, then set offered = true."
    )
    return 0
