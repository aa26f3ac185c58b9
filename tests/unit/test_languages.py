"""The language registry: one list for every list of languages, Babel's data for each
language, incomplete catalogs never offered, `i18n add-language` and `i18n replural`."""

from __future__ import annotations

import dataclasses
import gettext
import shutil
from datetime import date
from pathlib import Path

import pytest
from babel import Locale
from babel.dates import format_date
from babel.messages.catalog import Catalog
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po, write_po

from bot.catalogs import NewLanguage, add_gender_variants, add_language, gendered_calls, replural
from domain.langid import SUPPORTED_LANGUAGES, normalize_language_code
from domain.languages import (
    Language,
    language_for_tag,
    load_registry,
    offered_among,
    offered_codes,
    registered_codes,
    registry,
)
from domain.profile import SPOKEN_LANGUAGES
from handlers.i18n import RTL_LANGUAGES, endonym, variant_contexts

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "locales"
NEW_LANGUAGES = ("bg", "pt", "it", "so", "ps", "am", "fa_AF", "ln", "ku", "sq")


# --- the registry ----------------------------------------------------------------------


def test_every_list_of_languages_reads_the_registry() -> None:
    assert SUPPORTED_LANGUAGES == offered_codes()
    assert SPOKEN_LANGUAGES == registered_codes()
    assert set(offered_codes()) <= set(registered_codes())
    assert RTL_LANGUAGES == {"ar", "fa", "ps", "fa_AF"}


def test_the_new_languages_are_offered_with_complete_catalogs() -> None:
    """Issue 15's ten are switched on, and offered_codes() re-checks each catalog."""
    assert len(registered_codes()) == len(offered_codes()) == 22
    for code in NEW_LANGUAGES:
        assert next(lang for lang in registry() if lang.code == code).offered
        assert code in offered_codes(), f"{code}: its catalog is not complete"


@pytest.mark.parametrize("code", [lang.code for lang in registry()])
def test_babel_has_dates_and_plurals_for_every_language(code: str) -> None:
    """CLDR (the locked Babel) covers each registered code: no silent English fallback."""
    entry = next(lang for lang in registry() if lang.code == code)
    locale = Locale.parse(code)
    assert locale.text_direction == entry.direction
    march = format_date(date(2026, 3, 5), "long", locale=code)
    assert code == "en" or march != format_date(date(2026, 3, 5), "long", locale="en")
    assert locale.plural_form.rules, code  # CLDR plural rules, not Babel's default
    assert get_plural(code).num_plurals >= 2
    assert (LOCALES / code / "LC_MESSAGES" / "messages.po").exists()
    assert (LOCALES / code / "glossary.md").exists()
    assert endonym(code) == entry.name


def test_dari_and_kurmanji_codes_and_fallbacks() -> None:
    # Dari is fa_AF in CLDR (Afghan month names); a Dari client gets Dari, and would get
    # Persian should the Dari catalog ever not be offered.
    assert "مارچ" in format_date(date(2026, 3, 5), "long", locale="fa_AF")
    assert normalize_language_code("prs") == "fa_AF"
    assert normalize_language_code("fa-AF") == "fa_AF"
    assert normalize_language_code("fa-IR") == "fa"
    assert language_for_tag("prs", offered=("nl", "fa")) == "fa"
    assert language_for_tag("prs", offered=("nl", "fa", "fa_AF")) == "fa_AF"
    assert language_for_tag("fa-AF", offered=("nl", "fa", "fa_AF")) == "fa_AF"
    assert language_for_tag("fa-IR", offered=("nl", "fa", "fa_AF")) == "fa"
    assert language_for_tag("kmr", offered=("nl", "ku")) == "ku"
    assert normalize_language_code("so") == "so"
    assert language_for_tag("so-SO", offered=("nl", "so")) == "so"
    assert language_for_tag("so", offered=("nl",)) is None  # registered, not offered


# --- offered only when complete -----------------------------------------------------------


def _catalog(locale: str | None, messages: list[tuple[object, object, str | None]]) -> Catalog:
    catalog = Catalog(locale=locale)
    for msgid, msgstr, context in messages:
        catalog.add(msgid, msgstr, context=context)
    return catalog


def _write(path: Path, catalog: Catalog) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog)


def _languages(*codes: str, offered: bool = True) -> tuple[Language, ...]:
    return tuple(Language(code, code, code, "ltr", "latin", offered=offered) for code in codes)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A template with a plain message, a plural, a placeholder and a gender variant."""
    _write(
        tmp_path / "messages.pot",
        _catalog(
            None,
            [
                ("Hello", "", None),
                (("{n} hour", "{n} hours"), ("", ""), None),
                ("{name} accepted.", "", None),
                ("{name} accepted.", "", "about:female"),
            ],
        ),
    )
    return tmp_path


def _po(folder: Path, code: str, messages: list[tuple[object, object, str | None]]) -> None:
    _write(folder / code / "LC_MESSAGES" / "messages.po", _catalog(code, messages))


def test_an_incomplete_catalog_is_not_offered(folder: Path) -> None:
    complete = [
        ("Hello", "Bonjour", None),
        (("{n} hour", "{n} hours"), ("{n} heure", "{n} heures", "{n} d'heures"), None),
        ("{name} accepted.", "{name} a accepté.", None),
    ]
    _po(folder, "fr", complete)  # the gender variant may be missing: neutral fallback
    _po(folder, "it", complete[:2])  # one message missing
    _po(folder, "es", [*complete[:2], ("{name} accepted.", "", None)])  # untranslated
    _po(folder, "pt", [*complete[:2], ("{name} accepted.", "{nome} aceitou.", None)])
    _po(
        folder,
        "ro",
        [complete[0], (("{n} hour", "{n} hours"), ("{n} oră", "", ""), None), complete[2]],
    )
    _po(folder, "pl", complete)  # complete, but switched off in the registry
    languages = (
        *_languages("nl", "fr", "it", "es", "pt", "ro", "so"),
        *_languages("pl", offered=False),
    )
    assert offered_among(languages, folder) == ("nl", "fr")  # "so" has no catalog at all


def test_a_fuzzy_translation_is_not_complete(folder: Path) -> None:
    catalog = _catalog(
        "fr",
        [
            ("Hello", "Bonjour", None),
            (("{n} hour", "{n} hours"), ("{n} heure", "{n} heures", "{n} heures"), None),
            ("{name} accepted.", "{name} a accepté.", None),
        ],
    )
    catalog["Hello"].flags.add("fuzzy")
    _write(folder / "fr" / "LC_MESSAGES" / "messages.po", catalog)
    assert offered_among(_languages("fr"), folder) == ()


# --- add-language ---------------------------------------------------------------------------


@pytest.fixture
def locales_copy(tmp_path: Path) -> Path:
    copy = tmp_path / "locales"
    copy.mkdir()
    for name in ("messages.pot", "languages.toml"):
        shutil.copy(LOCALES / name, copy / name)
    (copy / "en").mkdir()
    shutil.copy(LOCALES / "en" / "glossary.md", copy / "en" / "glossary.md")
    return copy


def test_add_language_creates_catalog_glossary_and_entry(locales_copy: Path) -> None:
    spec = NewLanguage(code="ckb", english="Kurdish (Sorani)", aliases=("sdh",))
    written = add_language(spec, locales_copy)
    po = locales_copy / "ckb" / "LC_MESSAGES" / "messages.po"
    assert po in written and (locales_copy / "ckb" / "glossary.md") in written
    with po.open("rb") as handle:
        catalog = read_po(handle, locale="ckb")
    with (locales_copy / "messages.pot").open("rb") as handle:
        template = read_po(handle)
    assert catalog.num_plurals == get_plural("ckb").num_plurals
    assert {m.id for m in catalog if m.id} == {m.id for m in template if m.id}
    assert not any(
        m.string if isinstance(m.string, str) else any(m.string) for m in catalog if m.id
    )
    entry = load_registry(locales_copy / "languages.toml")[-1]
    assert (entry.code, entry.direction, entry.script) == ("ckb", "rtl", "arabic")
    assert entry.name == Locale.parse("ckb").get_display_name("ckb")
    assert entry.english == "Kurdish (Sorani)" and entry.aliases == ("sdh",)
    assert entry.telegram is None  # three letters: Telegram's menus take two
    assert entry.offered is False
    assert "no native speaker" in (locales_copy / "ckb" / "glossary.md").read_text()
    # Not offered, even if someone switched it on: its catalog is empty.
    switched_on = dataclasses.replace(entry, offered=True)
    assert offered_among((switched_on,), locales_copy) == ()


def test_add_language_refuses_a_known_code_or_one_babel_lacks(locales_copy: Path) -> None:
    with pytest.raises(SystemExit, match="already"):
        add_language(NewLanguage(code="fr"), locales_copy)
    with pytest.raises(SystemExit, match="fa_AF"):
        add_language(NewLanguage(code="prs"), locales_copy)


def test_new_catalogs_have_the_locked_babels_plural_header() -> None:
    for code in NEW_LANGUAGES:
        with (LOCALES / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            catalog = read_po(handle, locale=code)
        expected = get_plural(code)
        assert catalog.num_plurals == expected.num_plurals, code
        assert catalog.plural_expr.replace(" ", "") == expected.plural_expr.replace(" ", "")


# --- replural: plural forms after the Babel upgrade ------------------------------------------


def test_replural_moves_each_translation_to_the_form_for_the_same_numbers(tmp_path: Path) -> None:
    for code in ("ar", "fr", "tr"):
        source = LOCALES / code / "LC_MESSAGES" / "messages.po"
        copy = tmp_path / code / "messages.po"
        copy.parent.mkdir()
        shutil.copy(source, copy)
        with source.open("rb") as handle:
            before = read_po(handle, locale=code)
        old = gettext.c2py(before.plural_expr) if before.num_plurals > 1 else (lambda n: 0)
        replural(copy, code)
        with copy.open("rb") as handle:
            after = read_po(handle, locale=code)
        expected = get_plural(code)
        assert after.num_plurals == expected.num_plurals
        new = gettext.c2py(expected.plural_expr)
        for message in after:
            if not isinstance(message.id, tuple):
                continue
            old_strings = before[message.id].string
            for n in (0, 1, 2, 3, 5, 11, 21, 100, 1_000_000):
                assert message.string[new(n)] == old_strings[old(n)], (code, message.id, n)


# --- gender variants in the template ---------------------------------------------------------


def test_extract_adds_every_gender_variant(tmp_path: Path) -> None:
    pot = tmp_path / "messages.pot"
    shutil.copy(LOCALES / "messages.pot", pot)
    folders = [ROOT / "bot", ROOT / "handlers"]
    calls = list(gendered_calls(folders))
    assert any("will be your buddy" in call.message for call in calls)
    add_gender_variants(pot, folders)
    with pot.open("rb") as handle:
        template = read_po(handle)
    for call in calls:
        for context in variant_contexts(call.roles):
            assert template.get(call.message, context=context) is not None, (call, context)
