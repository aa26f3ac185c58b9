"""Languages lingua has no model for (Pashto, Kurmanji, Lingala): which letters decide,
and why a single word one of them could have written is not sure on lingua's word alone
(issue 15, item 5; the words below are from bench/data/langid_heldout2.tsv's mistakes);
and Amharic against Tigrinya, which lingua does not read either."""

from __future__ import annotations

import pytest

from domain.langid import Detection, LanguageDetector, get_detector
from domain.languages import registered_codes
from domain.scripts import (
    _SYLLABLES,
    _catalog_words,
    _Script,
    _stored_alphabets,
    build_alphabets,
    decisive_letters,
    marker_words,
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
        # Pashto writes ي at the end of a word only ("clothes"), Arabic anywhere ("nice").
        (_Script.ARABIC, "کالي", "ps"),
        (_Script.ARABIC, "جميل", None),
        # Lingala has no characteristic letter, and "génial" does not fit its syllables.
        (_Script.LATIN, "vélo", None),
        (_Script.LATIN, "génial", None),
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


def test_pashto_writes_arabic_yeh_only_at_the_end_of_a_word() -> None:
    """The data behind _WORD_FINAL_LETTERS: in the Pashto catalog, ي is always in the
    last letters of a word (-ي, -يي), never before another letter."""
    words = [word for word in _catalog_words("ps") if "ي" in word]
    assert len(words) > 50
    assert [word for word in words if "ي" in word.rstrip("ي")] == []


def test_lingala_words_have_open_syllables() -> None:
    """The rule behind _SYLLABLES: nearly every word of the Lingala catalog that no other
    catalog has fits it; French words and an abbreviation do not."""
    others = {word for code in ("fr", "en") for word in _catalog_words(code)}
    own = {word: n for word, n in _catalog_words("ln").items() if word not in others}
    fitting = sum(n for word, n in own.items() if _SYLLABLES["ln"].fullmatch(word))
    assert fitting / sum(own.values()) >= 0.95
    for word in ("mbote", "nzala", "malamu", "ndeko", "mwasi", "nyama", "kolia"):
        assert _SYLLABLES["ln"].fullmatch(word), word
    for word in ("événement", "génial", "library", "svp"):
        assert not _SYLLABLES["ln"].fullmatch(word), word
    _, characteristic = _stored_alphabets()
    assert "ln" not in characteristic


@pytest.mark.parametrize(
    ("word", "language"),
    [
        ("جميل", "ar"),  # "nice": ي inside, not a Pashto word, lingua Arabic at 0.85
        ("vélo", "fr"),  # lingua French at 0.78
    ],
)
def test_a_word_the_unseen_language_could_not_write_goes_by_lingua(
    detector: LanguageDetector, word: str, language: str
) -> None:
    found = detector.detect(word)
    assert (found.language, found.sure) == (language, True)


@pytest.mark.parametrize(
    ("word", "language"),
    [
        ("ሰኞ", "am"),  # Monday: a marker word (CLDR), not Tigrinya's "ሰኑይ"
        ("ምን", "am"),  # "what": a frequent word of the Amharic catalog only
        ("አየሁ", "am"),  # "I saw": Amharic's first person perfect ends in -ሁ
        ("ለካቲት", "ti"),  # February in Tigrinya's CLDR calendar
    ],
)
def test_ethiopic_marker_words_and_endings_decide(
    detector: LanguageDetector, word: str, language: str
) -> None:
    assert detector.detect(word) == Detection(language, 1.0, True)


@pytest.mark.parametrize("word", ["መስከረም", "መጋቢት", "ሚያዝያ", "ግንቦት", "ሕዳር"])
def test_months_of_the_ethiopian_calendar_decide_nothing(
    detector: LanguageDetector, word: str
) -> None:
    """Amharic and Tigrinya write these months alike: they are nobody's marker word."""
    assert word not in marker_words()
    assert not detector.detect(word).sure
