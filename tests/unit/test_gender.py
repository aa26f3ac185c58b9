"""Gender-aware wording: every message written with `gendered(...)` renders for each
gender the profile knows, picks the catalog's variant when there is one, falls back to the
neutral wording otherwise, and the catalogs of the languages that need it have the
variants (this last test fails until the translators fill them in, listing what is
missing)."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from aiogram.utils.i18n import I18n
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from bot.catalogs import GenderedCall, gendered_calls
from domain.matching import GENDERS
from handlers.i18n import create_i18n, gendered, grammatical_gender, variant_contexts
from handlers.pair_notices import introduction

ROOT = Path(__file__).resolve().parents[2]
LOCALES = ROOT / "locales"
CALLS = tuple(gendered_calls([ROOT / "bot", ROOT / "handlers"]))
# The profile's answers, "prefer not to say" (nothing stored) included.
PROFILE_GENDERS = (*GENDERS, "unsaid", None)
# Languages whose verbs, adjectives or pronouns follow the person's gender (issue 15).
GENDERED_LANGUAGES = ("ar", "fr", "es", "uk", "ru", "pl", "pt", "it")


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.fixture(scope="module")
def i18n(tmp_path_factory: pytest.TempPathFactory) -> I18n:
    return create_i18n(tmp_path_factory.mktemp("mo"), "nl")


def test_the_messages_that_need_it_are_gendered() -> None:
    messages = {call.message for call in CALLS}
    assert "🤝 Good news! {name} will be your buddy." in messages
    assert "{name} accepted the meetup." in messages
    assert "⏰ Tomorrow you meet {name}:" in messages


def test_neutral_wording_for_unstated_gender() -> None:
    assert grammatical_gender("woman") == "female"
    assert grammatical_gender("man") == "male"
    for unstated in ("other", "unsaid", None, ""):
        assert grammatical_gender(unstated) is None


@pytest.mark.parametrize("locale", ("nl", *GENDERED_LANGUAGES))
@pytest.mark.parametrize("call", CALLS, ids=lambda call: call.where)
def test_every_gendered_message_renders_for_each_gender(
    call: GenderedCall, locale: str, i18n: I18n
) -> None:
    with i18n.context(), i18n.use_locale(locale):
        neutral = gendered(call.message)
        for gender in PROFILE_GENDERS:
            roles = {role: gender for role in call.roles}
            text = gendered(call.message, **roles)
            assert text, (call, gender)
            assert _placeholders(text) == _placeholders(call.message), (call, gender, text)
            if grammatical_gender(gender) is None:
                assert text == neutral


def _write_po(path: Path, locale: str, entries: list[tuple[str, str, str | None]]) -> None:
    catalog = Catalog(locale=locale)
    for msgid, msgstr, context in entries:
        catalog.add(msgid, msgstr, context=context)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog)


def test_the_variant_for_the_persons_gender_is_chosen(tmp_path: Path) -> None:
    """Sofie is announced with feminine Arabic, a man with the masculine variant, and a
    person who did not say with the neutral (here: default) form, through a compiled
    catalog and the real renderer of the introduction."""
    message = "🤝 Good news! {name} will be your buddy."
    _write_po(
        tmp_path / "src" / "ar" / "LC_MESSAGES" / "messages.po",
        "ar",
        [
            (message, "🤝 خبر سار! سيكون {name} رفيقك.", None),
            (message, "🤝 خبر سار! ستكون {name} رفيقتك.", "about:female"),
            (message, "🤝 خبر سار! سيكون {name} رفيقك (m).", "about:male"),
        ],
    )
    from handlers.i18n import compile_catalogs

    compile_catalogs(tmp_path / "mo", tmp_path / "src")
    i18n = I18n(path=tmp_path / "mo", default_locale="nl")
    base = {"pair_id": 1, "role": "newcomer", "other_name": "Sofie"}
    with i18n.context(), i18n.use_locale("ar"):
        female = introduction({**base, "other_gender": "woman"}, "ar").text
        male = introduction({**base, "other_gender": "man"}, "ar").text
        unsaid = introduction({**base, "other_gender": None}, "ar").text
        other = introduction({**base, "other_gender": "other"}, "ar").text
    assert "ستكون" in female and "رفيقتك" in female
    assert "(m)" in male
    assert "سيكون" in unsaid and "(m)" not in unsaid and unsaid == other


def test_a_missing_variant_falls_back_to_the_neutral_translation(tmp_path: Path) -> None:
    message = "{name} accepted the meetup."
    _write_po(
        tmp_path / "src" / "fr" / "LC_MESSAGES" / "messages.po",
        "fr",
        [(message, "{name} a accepté le rendez-vous.", None)],
    )
    from handlers.i18n import compile_catalogs

    compile_catalogs(tmp_path / "mo", tmp_path / "src")
    i18n = I18n(path=tmp_path / "mo", default_locale="nl")
    with i18n.context(), i18n.use_locale("fr"):
        assert gendered(message, about="woman") == "{name} a accepté le rendez-vous."


def test_catalogs_have_every_gender_variant() -> None:
    """Fails until the translation pass: `python -m bot i18n extract && ... update` adds
    the variants to each catalog; the translators fill them (copying the neutral text
    where the language does not need another form)."""
    missing: dict[str, list[str]] = {}
    for locale in GENDERED_LANGUAGES:
        with (LOCALES / locale / "LC_MESSAGES" / "messages.po").open("rb") as handle:
            catalog = read_po(handle, locale=locale)
        for call in CALLS:
            for context in variant_contexts(call.roles):
                found = catalog.get(call.message, context=context)
                if found is None or not found.string:
                    missing.setdefault(locale, []).append(f"[{context}] {call.message}")
    report = "\n".join(
        f"{locale}: {len(items)} missing, e.g. {items[0]}" for locale, items in missing.items()
    )
    assert not missing, "gender variants to translate:\n" + report
