"""Catalog quality: complete, same placeholders, right plural rules, compilable, and no
user-facing text outside the catalogs."""

from __future__ import annotations

import ast
import gettext
import re
import string
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from domain.langid import SUPPORTED_LANGUAGES
from domain.languages import registered_codes
from handlers.i18n import compile_catalogs

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "locales"
KEYWORDS = {
    "_": None,
    "__": None,
    "ngettext": (1, 2),
    "lazy_gettext": None,
    "pgettext": ((1, "c"), 2),
    "gendered": None,
}
# Offered languages must be complete; every registered one (offered or still being
# translated) must have a catalog with the locked Babel's plural rules.
REGISTERED = registered_codes()
COUNTS = (0, 1, 2, 3, 5, 11, 21, 100)


def load(locale: str) -> Catalog:
    with (LOCALES / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        return read_po(handle, locale=locale)


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def entries(catalog: Catalog) -> list[Message]:
    return [message for message in catalog if message.id]


@pytest.fixture(scope="module")
def catalogs() -> dict[str, Catalog]:
    return {locale: load(locale) for locale in REGISTERED}


def test_every_supported_language_has_a_catalog() -> None:
    for locale in REGISTERED:
        assert (LOCALES / locale / "LC_MESSAGES" / "messages.po").exists(), locale


@pytest.mark.parametrize("locale", SUPPORTED_LANGUAGES)
def test_every_message_is_translated(locale: str, catalogs: dict[str, Catalog]) -> None:
    missing = []
    for message in entries(catalogs[locale]):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings) or message.fuzzy:
            missing.append(message.id)
    assert not missing, f"{locale}: {len(missing)} untranslated, e.g. {missing[:3]}"


@pytest.mark.parametrize("locale", REGISTERED)
def test_placeholders_match(locale: str, catalogs: dict[str, Catalog]) -> None:
    wrong = []
    for message in entries(catalogs[locale]):
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set().union(*(placeholders(i) for i in ids))
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for translated in strings:
            if translated and placeholders(translated) != wanted:
                wrong.append((ids[0], translated))
    assert not wrong, f"{locale}: {wrong[:3]}"


MAX_WORDS = 60  # a message someone who reads little still reads to the end


@pytest.mark.parametrize("locale", REGISTERED)
def test_no_message_is_over_sixty_words(locale: str, catalogs: dict[str, Catalog]) -> None:
    """Every translated message, tags left out, in any language; a screen made of several
    messages is checked by the end-to-end tests of that screen."""
    long = []
    for message in entries(catalogs[locale]):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for translated in strings:
            words = len(re.sub(r"<[^>]+>", " ", translated or "").split())
            if words > MAX_WORDS:
                long.append((words, translated[:60]))
    assert not long, f"{locale}: {long[:3]}"


@pytest.mark.parametrize("locale", REGISTERED)
def test_plural_forms_header_is_babels(locale: str, catalogs: dict[str, Catalog]) -> None:
    expected = get_plural(locale)
    catalog = catalogs[locale]
    assert catalog.num_plurals == expected.num_plurals
    assert catalog.plural_expr.replace(" ", "") == expected.plural_expr.replace(" ", "")
    for message in entries(catalog):
        if isinstance(message.id, tuple):
            assert len(message.string) == expected.num_plurals, (locale, message.id)


def test_catalogs_compile_and_plurals_render(tmp_path: Path) -> None:
    compiled = compile_catalogs(tmp_path)
    assert set(REGISTERED) <= set(compiled)
    for locale in SUPPORTED_LANGUAGES:
        with (tmp_path / locale / "LC_MESSAGES" / "messages.mo").open("rb") as handle:
            translations = gettext.GNUTranslations(handle)
        for message in entries(load(locale)):
            if not isinstance(message.id, tuple):
                continue
            singular, plural = message.id
            for count in COUNTS:
                text = translations.ngettext(singular, plural, count)
                rendered = text.format(**{name: count for name in placeholders(text)})
                # Arabic and Persian may isolate or localise digits; the count must show.
                assert str(count) in rendered, (locale, singular, count, rendered)


def test_template_is_up_to_date() -> None:
    """Every string in the code is in messages.pot (run `make extract update` if not)."""
    in_code: set[str] = set()
    for folder in ("bot", "handlers"):
        for _file, _line, message, _comments, _context in extract_from_dir(
            ROOT / folder, keywords=KEYWORDS, comment_tags=()
        ):
            in_code.add(message if isinstance(message, str) else message[0])
    with (LOCALES / "messages.pot").open("rb") as handle:
        template = {m.id if isinstance(m.id, str) else m.id[0] for m in read_po(handle) if m.id}
    assert in_code - template == set(), sorted(in_code - template)[:5]


SENDERS = {"answer", "edit_text", "send_message", "reply", "answer_document", "edit_caption"}
LETTERS = re.compile(r"[^\W\d_]{2,}")


def _bare_text(node: ast.AST) -> str | None:
    if (
        isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and LETTERS.search(node.value)
    ):
        return node.value
    if isinstance(node, ast.JoinedStr):
        for part in node.values:
            if isinstance(part, ast.Constant) and LETTERS.search(str(part.value)):
                return str(part.value)
    return None


def test_no_user_facing_text_outside_the_catalogs() -> None:
    found = []
    for path in sorted((ROOT / "handlers").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
                continue
            arguments = list(node.args)
            arguments += [k.value for k in node.keywords if k.arg in {"text", "caption"}]
            if node.func.attr in SENDERS or node.func.attr == "button":
                for argument in arguments:
                    text = _bare_text(argument)
                    if text is not None:
                        found.append(f"{path.name}:{node.lineno}: {text!r}")
    assert not found, found
