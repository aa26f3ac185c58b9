"""Contact-language detection: script rules, lingua thresholds, priors, codes."""

from __future__ import annotations

import csv
import dataclasses
from collections import defaultdict
from pathlib import Path

import pytest

from domain.langid import (
    SUPPORTED_LANGUAGES,
    Detection,
    LanguageDetector,
    get_detector,
    normalize_language_code,
)

BENCH = Path(__file__).resolve().parents[2] / "bench" / "data"
# The twelve languages of langid.tsv (at least 40 texts of each kind), then issue 15's
# ten of langid_new.tsv (15 words, 10 pairs, 10 sentences; Dari has its own texts).
BENCH_FILES = (BENCH / "langid.tsv", BENCH / "langid_new.tsv")
FIRST_TWELVE = ("nl", "en", "fr", "ar", "tr", "ro", "uk", "ru", "es", "pl", "fa", "ti")


@pytest.fixture(scope="module")
def detector() -> LanguageDetector:
    # The process-wide detector: built once (about a second), shared by all tests.
    return get_detector()


def _same(a: Detection, b: Detection) -> bool:
    # lingua's sums can differ in the last bits from one call to the next.
    return (a.language, a.sure) == (b.language, b.sure) and a.confidence == pytest.approx(
        b.confidence
    )


def test_supported_languages_in_product_order() -> None:
    assert SUPPORTED_LANGUAGES == (
        "nl", "en", "fr", "ar", "tr", "ro", "uk", "ru", "es", "pl", "fa", "ti",
        "bg", "pt", "it", "so", "ps", "am", "fa_AF", "ln", "ku", "sq",
    )  # fmt: skip


def test_get_detector_is_built_once(detector: LanguageDetector) -> None:
    assert get_detector() is detector
    text = "Ik woon al drie jaar in Brussel."
    assert _same(get_detector().detect(text), detector.detect(text))


def test_detection_is_immutable(detector: LanguageDetector) -> None:
    result = detector.detect("Dank je wel voor de gezellige middag!")
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.language = "en"  # type: ignore[misc]


@pytest.mark.parametrize(
    "text",
    ["የቐንየለይ", "መዓስ ንራኸብ?", "ሰላም ከመይ ኣለኺ Sara 👋", "ሓሙስ", "ሎሚ ምሸት", "ተረዲኡኒ"],
)
def test_tigrinya_letters_and_words_make_tigrinya_sure(
    detector: LanguageDetector, text: str
) -> None:
    # ቐ ኸ ኣ ሓ, vowel letters inside a word, or everyday Tigrinya words.
    assert detector.detect(text) == Detection("ti", 1.0, True)
    # A client language does not argue with the letters, not even Amharic.
    assert detector.detect(text, prior="am") == Detection("ti", 1.0, True)


@pytest.mark.parametrize("text", ["ሰላም", "ሰላም Sara 👋", "ቤት", "ከተማ", "ⶀⶁ", "ꬁꬂ"])
def test_ethiopic_both_languages_write_is_unsure(detector: LanguageDetector, text: str) -> None:
    # Shared words ("peace", "house", "town") and rare letters: the client decides.
    assert detector.detect(text) == Detection("ti", 0.5, False)
    assert detector.detect(text, prior="am") == Detection("am", 0.5, False)
    assert detector.detect(text, prior="ti-ER") == Detection("ti", 0.5, False)


@pytest.mark.parametrize(
    "text", ["привіт", "Дякуємо, все добре", "Я з Києва", "ґанок", "Їжа смачна", "привiт"]
)
def test_ukrainian_only_letters_decide(detector: LanguageDetector, text: str) -> None:
    # The last one has a Latin i, as typed on a Russian layout.
    assert detector.detect(text) == Detection("uk", 1.0, True)
    assert detector.detect(text, prior="ru").language == "uk"


@pytest.mark.parametrize("text", ["Всё хорошо", "Вы придёте?", "Это мой друг", "объявление"])
def test_russian_only_letters_decide(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text) == Detection("ru", 1.0, True)


def test_cyrillic_without_telltale_letters_goes_to_lingua(detector: LanguageDetector) -> None:
    result = detector.detect("Завтра я пойду в библиотеку с соседкой.")
    assert result.language == "ru"
    assert result.sure
    assert 0.0 < result.confidence < 1.0


@pytest.mark.parametrize("text", ["що", "Що сталося?", "хай щастить", "борщ"])
def test_shcha_never_makes_russian_sure(detector: LanguageDetector, text: str) -> None:
    # lingua reads щ as Russian-only; Ukrainian uses it all the time.
    result = detector.detect(text)
    assert not (result.sure and result.language == "ru")


@pytest.mark.parametrize("text", ["خیلی ممنون", "کجا؟", "پنجشنبه", "خوش آمدید", "گفتم"])
def test_persian_is_sure(detector: LanguageDetector, text: str) -> None:
    # پ ژ ک ی no longer decide alone (Pashto writes them too): lingua, گ (no other
    # offered language writes it) or a word of the Persian catalog or calendar does.
    found = detector.detect(text)
    assert (found.language, found.sure) == ("fa", True)


@pytest.mark.parametrize("text", ["شكرا", "مدرسة", "على الرحب والسعة", "كيف حالك؟"])
def test_arabic_only_letters_make_arabic_sure(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text) == Detection("ar", 1.0, True)


@pytest.mark.parametrize("text", ["سلام", "صبح", "لا"])
def test_words_arabic_and_persian_share_are_unsure(detector: LanguageDetector, text: str) -> None:
    result = detector.detect(text)
    assert result.language in {"ar", "fa"}
    assert not result.sure


@pytest.mark.parametrize(
    ("lang", "text"),
    [
        ("nl", "Ik ga morgen met mijn buurvrouw naar de bibliotheek."),
        ("en", "My neighbour and I are going to the library tomorrow."),
        ("fr", "Demain je vais à la bibliothèque avec ma voisine."),
        ("ar", "سأذهب غدا إلى المكتبة مع جارتي."),
        ("tr", "Yarın komşumla birlikte kütüphaneye gideceğim."),
        ("ro", "Mâine merg la bibliotecă cu vecina mea."),
        ("uk", "Завтра я піду до бібліотеки з сусідкою."),
        ("ru", "Завтра я пойду в библиотеку с соседкой."),
        ("es", "Mañana voy a la biblioteca con mi vecina."),
        ("pl", "Jutro idę do biblioteki z sąsiadką."),
        ("fa", "فردا با همسایه‌ام به کتابخانه می‌روم."),
        ("ti", "ጽባሕ ምስ ጎረቤተይ ናብ ቤተ-መጻሕፍቲ ክኸይድ እየ።"),
    ],
)
def test_clear_sentences_are_sure_and_right(
    detector: LanguageDetector, lang: str, text: str
) -> None:
    result = detector.detect(text)
    assert (result.language, result.sure) == (lang, True)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "123",
        "14:30",
        "👍",
        "🙏😊",
        "ok",
        "OK 👍",
        "okay!",
        "hi",
        "Hello",
        "lol",
        "https://example.org",
        "@someone",
        "+32 470 12 34 56",
    ],
)
def test_nothing_to_go_on_gives_no_language(detector: LanguageDetector, text: str) -> None:
    assert detector.detect(text) == Detection(None, 0.0, False)
    assert detector.detect(text, prior="nl") == Detection(None, 0.0, False)


@pytest.mark.parametrize(
    "text",
    [
        "Schaerbeek",
        "Ahmed",
        "ja",
        "no",
        "taxi",
        "hallo",
        "salut",
        "kifak",
        "salam 3likom",
        "kheyli mamnun",
        "privet",
    ],
)
def test_ambiguous_short_texts_are_unsure(detector: LanguageDetector, text: str) -> None:
    assert not detector.detect(text).sure


@pytest.mark.parametrize(
    "text", ["እንዴት ነህ?", "ደህና ነኝ", "አመሰግናለሁ", "ስሜ ሳራ ነው።", "ነገ እንገናኝ", "እመጣለሁ"]
)
def test_amharic_words_make_amharic_sure(detector: LanguageDetector, text: str) -> None:
    # Issue 15: "ሰላም" typed in Amharic was taken for Tigrinya. Amharic words and verb
    # endings decide, whatever the client says.
    assert detector.detect(text) == Detection("am", 1.0, True)
    assert detector.detect(text, prior="ti") == Detection("am", 1.0, True)


def test_tigrinya_letters_outweigh_an_amharic_looking_word(detector: LanguageDetector) -> None:
    # ኸ and ኣ are Tigrinya only.
    assert detector.detect("ከመይ ኣለኻ? ደሓን ዶ ነው?").sure


@pytest.mark.parametrize(
    "text",
    [
        "Ich spiele gern Fußball.",  # German ß
        "danke schön",  # German words
        "Děkuji moc, uvidíme se zítra.",  # Czech ě í
        "Я жыву ў Брусэлі.",  # Belarusian ў (and і)
        "شکریہ",  # Urdu heh goal (and Persian kaf)
        "من لە بروکسل دەژیم",  # Sorani ە
        "سوپاس",  # Sorani "thanks"
    ],
)
def test_letters_of_unsupported_languages_make_it_unsure(
    detector: LanguageDetector, text: str
) -> None:
    assert not detector.detect(text).sure


@pytest.mark.parametrize(
    "text", ["Entschuldigung", "Guten Morgen", "Ich komme morgen zum Treffen.", "Wie geht es dir?"]
)
def test_german_is_detected_as_a_decoy_and_never_answered(
    detector: LanguageDetector, text: str
) -> None:
    # lingua alone reads "Entschuldigung" as Dutch at 0.89; with German among its models
    # the answer is unsure, and never German (the bot does not speak it).
    for prior in (None, "nl", "de-DE"):
        found = detector.detect(text, prior)
        assert not found.sure and found.language != "de", (text, prior, found)


@pytest.mark.parametrize("text", ["unavený", "Dobrý den", "ŋgɔ"])
def test_a_letter_no_registered_language_writes_is_never_sure(
    detector: LanguageDetector, text: str
) -> None:
    # Czech ý, Wolof ŋ: no catalog of the 22 languages writes them (see the alphabets
    # in domain/data/langid-markers.json); lingua alone reads "unavený" as Turkish at 1.0.
    assert not detector.detect(text).sure, text


def test_latin_i_after_an_apostrophe_stays_latin(detector: LanguageDetector) -> None:
    # Not read as a Cyrillic і: French, though with Italian offered lingua hesitates.
    assert detector.detect("Je pense qu'il vient d'ici demain.").language == "fr"
    result = detector.detect("Je pense qu'il vient d'ici demain, je te l'ai dit hier soir.")
    assert (result.language, result.sure) == ("fr", True)


def test_times_are_not_arabic_chat_alphabet(detector: LanguageDetector) -> None:
    result = detector.detect("Ik kom om 7uur naar het station, tot straks!")
    assert (result.language, result.sure) == ("nl", True)


def test_place_names_do_not_drown_the_sentence(detector: LanguageDetector) -> None:
    result = detector.detect("Ik woon sinds vorig jaar in Sint-Jans-Molenbeek.")
    assert (result.language, result.sure) == ("nl", True)


def test_prior_decides_an_unclear_text_but_stays_unsure(detector: LanguageDetector) -> None:
    # lingua hesitates for "hallo" (English 0.45, Dutch 0.11): the client decides.
    alone = detector.detect("hallo")
    assert not alone.sure
    with_nl = detector.detect("hallo", prior="nl")
    assert (with_nl.language, with_nl.sure) == ("nl", False)
    assert with_nl.confidence > 0.11
    with_en = detector.detect("hallo", prior="en-GB")
    assert (with_en.language, with_en.sure) == ("en", False)
    assert _same(detector.detect("hallo", prior="de-DE"), alone)  # German: not offered


def test_prior_far_from_the_evidence_is_ignored(detector: LanguageDetector) -> None:
    text = "Ik woon al drie jaar in Brussel en ik werk in een bakkerij."
    assert _same(detector.detect(text, prior="en"), detector.detect(text))
    assert detector.detect(text, prior="en").language == "nl"
    assert detector.detect(text, prior="en").sure


def test_prior_of_another_script_is_ignored(detector: LanguageDetector) -> None:
    text = "Завтра я пойду в библиотеку с соседкой."
    assert _same(detector.detect(text, prior="en"), detector.detect(text))


def test_prior_that_agrees_helps_only_a_little(detector: LanguageDetector) -> None:
    # "tram" says nothing; lingua is under 0.3 on Dutch. (With "ik", a frequent word only
    # Dutch has among the registered languages, "Ik kom met de tram." is sure Dutch.)
    text = "Kom met de tram."
    assert not detector.detect(text).sure
    assert not detector.detect(text, prior="nl").sure
    assert detector.detect(text, prior="nl").language == "nl"


def test_low_accuracy_mode_builds_and_detects() -> None:
    low = LanguageDetector("low", preload=False)
    assert low.mode == "low"
    assert low.detect("Ik ga morgen met mijn buurvrouw naar de bibliotheek.").language == "nl"
    assert low.detect("የቐንየለይ") == Detection("ti", 1.0, True)


def test_unknown_mode_is_refused() -> None:
    with pytest.raises(ValueError, match="mode"):
        LanguageDetector("medium")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ("en-GB", "en"),
        ("en", "en"),
        ("uk", "uk"),
        ("nl-BE", "nl"),
        ("fr_BE", "fr"),
        ("FA-ir", "fa"),
        ("fa-IR", "fa"),
        ("prs", "fa_AF"),
        ("fa-AF", "fa_AF"),
        ("ti-ER", "ti"),
        ("am", "am"),
        ("am-ET", "am"),
        ("ps-AF", "ps"),
        ("kmr", "ku"),
        ("ar-MA", "ar"),
        (" ru ", "ru"),
        ("pt", "pt"),
        ("pt-BR", "pt"),
        ("de", None),
        ("sw", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_language_code(code: str | None, expected: str | None) -> None:
    assert normalize_language_code(code) == expected


def _bench_rows() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in BENCH_FILES:
        with path.open(encoding="utf-8", newline="") as handle:
            rows += csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
    return rows


def test_bench_data_covers_every_language_and_kind() -> None:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for row in _bench_rows():
        counts[row["lang"], row["kind"]] += 1
        if row["kind"] == "word":
            assert len(row["text"].split()) == 1, row
        elif row["kind"] == "pair":
            assert len(row["text"].split()) == 2, row
    for lang in SUPPORTED_LANGUAGES:
        if lang == "fa_AF":
            assert counts[lang, "dari"] >= 10  # measured apart: see bench/langid.py
            continue
        for kind in ("word", "pair", "sentence"):
            assert counts[lang, kind] >= (40 if lang in FIRST_TWELVE else 10), (lang, kind)
    # Texts in languages the bot does not speak, to check they are never sure.
    foreign = {row["lang"] for row in _bench_rows() if row["kind"] == "foreign"}
    assert len(foreign - set(SUPPORTED_LANGUAGES)) >= 8


def test_precision_when_sure_on_bench_data(detector: LanguageDetector) -> None:
    """Sure answers are right at least 98 % of the time, per kind, without a prior."""
    sure: dict[str, int] = defaultdict(int)
    right: dict[str, int] = defaultdict(int)
    wrong: list[tuple[str, str, Detection]] = []
    for row in _bench_rows():
        result = detector.detect(row["text"])
        if row["kind"] == "dari":
            continue  # Dari is told from Persian by a few words only: see test_langid_languages
        if row["kind"] == "foreign":
            if row["lang"] not in SUPPORTED_LANGUAGES:
                # German, Swahili, Sorani...: never taken for a language the bot speaks.
                assert not result.sure, row
            continue
        if row["kind"] in ("neutral", "romanized"):
            # Neither has a language we can read from the letters: never sure.
            assert not result.sure, row
            continue
        if result.sure:
            sure[row["kind"]] += 1
            if result.language == row["lang"]:
                right[row["kind"]] += 1
            else:
                wrong.append((row["lang"], row["text"], result))
    for kind in ("word", "pair", "sentence"):
        assert sure[kind] > 0
        assert right[kind] / sure[kind] >= 0.98, (kind, wrong)
