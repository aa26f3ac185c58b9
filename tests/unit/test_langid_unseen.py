"""Languages lingua has no model for (Pashto, Kurmanji, Lingala): which letters decide,
and why a single word one of them could have written is not sure on lingua's word alone
(issue 15, item 5; the words below are from bench/data/langid_heldout2.tsv's mistakes)."""

from __future__ import annotations

import pytest

from domain.langid import LanguageDetector, get_detector
from domain.languages import registered_codes
from domain.scripts import (
    _Script,
    _stored_alphabets,
    build_alphabets,
    decisive_letters,
    own_words,
    unseen_could_write,
    unseen_languages,
)

EVERY = tuple(registered_codes())


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    return get_detector()


def test_stored_alphabets_are_current() -> None:
    """domain/data/langid-markers.json's alphabets, characteristic letters and own words
    are what today's catalogs and Babel give (else: `python -m domain.scripts`)."""
    alphabets, characteristic, owned = build_alphabets()
    stored, stored_characteristic = _stored_alphabets()
    assert {code: "".join(sorted(letters)) for code, letters in stored.items()} == alphabets
    assert {
        code: "".join(sorted(letters)) for code, letters in stored_characteristic.items()
    } == characteristic
    assert own_words() == owned


def test_lingua_cannot_see_pashto_kurmanji_lingala() -> None:
    assert unseen_languages(_Script.ARABIC, EVERY) == ("ps",)  # Dari: lingua's Persian
    assert set(unseen_languages(_Script.LATIN, EVERY)) == {"ln", "ku"}


def test_decisive_letters_are_those_of_one_offered_language() -> None:
    decisive = decisive_letters(_Script.ARABIC, EVERY)
    assert set("ټډړږښګڼېۍځڅ") <= decisive["ps"]
    # Pashto writes پ ژ ک ی and ي too, Iraqi and Gulf Arabic گ چ پ: while Pashto is
    # offered, no letter decides for Persian.
    assert "fa" not in decisive
    assert set("ةكى") <= decisive["ar"] and "ي" not in decisive["ar"]
    # Without Pashto, ژ ک ی are Persian's own again; گ چ پ never are (Arabic writes them).
    persian = decisive_letters(_Script.ARABIC, ("ar", "fa"))["fa"]
    assert set("ژکی") <= persian and not set("گچپ") & persian


def test_kurmanji_characteristic_letters_come_from_its_catalog() -> None:
    _, characteristic = _stored_alphabets()
    assert characteristic["ku"] == frozenset("êîûşç")


@pytest.mark.parametrize(
    ("script", "word", "language"),
    [
        (_Script.ARABIC, "باران", "ps"),
        (_Script.ARABIC, "خبز", "ps"),
        (_Script.LATIN, "pirtûk", "ku"),
        (_Script.LATIN, "çocuklar", "ku"),
        # Plain a-z is weighed by lingua on its letter sequences; ğ ı are not Kurmanji's.
        (_Script.LATIN, "kitap", None),
        (_Script.LATIN, "teşekkürler", None),
        # ة: Pashto does not write it.
        (_Script.ARABIC, "مدرسة", None),
    ],
)
def test_which_words_a_language_lingua_cannot_see_could_have_written(
    script: _Script, word: str, language: str | None
) -> None:
    assert unseen_could_write(script, word, EVERY) == language


@pytest.mark.parametrize(
    "word",
    # Arabic "bread" (lingua: Persian 0.83), Pashto "rain" (Persian 0.95) and "hospital"
    # (Arabic 0.99), Pashto "work" (Persian, by ک), Kurmanji "book" (French 1.0).
    ["خبز", "باران", "روغتون", "کار", "pirtûk"],
)
def test_a_single_word_lingua_cannot_speak_for_is_unsure(
    detector: LanguageDetector, word: str
) -> None:
    assert not detector.detect(word).sure


@pytest.mark.parametrize(
    ("word", "language"),
    # Words of one registered language's catalog or CLDR calendar, lingua's first choice.
    [("پنجشنبه", "fa"), ("akşam", "tr"), ("آمدید", "fa")],
)
def test_a_word_of_one_languages_lexicon_lingua_agrees_with_is_sure(
    detector: LanguageDetector, word: str, language: str
) -> None:
    assert own_words()[word] == language
    found = detector.detect(word)
    assert (found.language, found.sure) == (language, True)


def test_evidence_of_the_unseen_language_still_decides(detector: LanguageDetector) -> None:
    assert (detector.detect("ښار").language, detector.detect("ښار").sure) == ("ps", True)
    assert (detector.detect("xwarin").language, detector.detect("xwarin").sure) == ("ku", True)
