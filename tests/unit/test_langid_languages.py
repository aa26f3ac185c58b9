"""Detection for the languages of issue 15 (bench/data/langid_new.tsv) and the rule that
detection only ever names an offered language."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from domain.langid import SUPPORTED_LANGUAGES, Detection, LanguageDetector, get_detector
from domain.languages import registered_codes
from domain.scripts import build_markers, marker_language, marker_words

DATA = Path(__file__).resolve().parents[2] / "bench" / "data" / "langid_new.tsv"


def _rows() -> list[dict[str, str]]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.fixture(scope="module")
def everything() -> LanguageDetector:
    """The process-wide detector: every registered language is offered since issue 15."""
    assert set(SUPPORTED_LANGUAGES) == set(registered_codes())
    return get_detector()


def test_detection_only_names_offered_languages(everything: LanguageDetector) -> None:
    """Whatever the client says, an answer is an offered language or none, and a text in
    a language the bot does not speak (German, Swahili, Urdu, Sorani, Belarusian...) is
    never answered sure."""
    foreign_sure = []
    for row in _rows():
        for prior in (None, "prs", "so", "en", "de"):
            found = everything.detect(row["text"], prior)
            assert found.language is None or found.language in SUPPORTED_LANGUAGES, row
            if row["kind"] == "foreign" and found.sure:
                foreign_sure.append((row["text"], prior, found.language))
    assert not foreign_sure


def test_pashto_and_amharic_are_not_taken_for_their_neighbours(
    everything: LanguageDetector,
) -> None:
    # Pashto's own letters (ښ ګ ې ...) are not Persian; Amharic words are not Tigrinya.
    assert everything.detect("سلام، ته څنګه یې؟") == Detection("ps", 1.0, True)
    assert everything.detect("ሰላም እንዴት ነህ") == Detection("am", 1.0, True)
    assert everything.detect("ሰላም ከመይ ኣለኻ") == Detection("ti", 1.0, True)


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("سلام، ته څنګه یې؟", "ps"),
        ("زه ښه یم، مننه", "ps"),
        ("ሰላም እንዴት ነህ", "am"),
        ("አመሰግናለሁ", "am"),
        ("ከመይ ኣለኻ", "ti"),
        ("Silav, tu çawa yî? Ez baş im", "ku"),
        ("Mbote, ozali malamu?", "ln"),
        ("Salaan, sidee tahay? Waan fiicanahay", "so"),
        ("Përshëndetje, si jeni? Unë jetoj në Bruksel", "sq"),
        ("Здравей, как си? Аз съм добре", "bg"),
    ],
)
def test_new_languages_are_detected(everything: LanguageDetector, text: str, language: str) -> None:
    found = everything.detect(text)
    assert (found.language, found.sure) == (language, True)


def test_ethiopic_greeting_shared_by_both_languages_is_not_sure(
    everything: LanguageDetector,
) -> None:
    assert not everything.detect("ሰላም").sure


def test_dari_from_a_dari_client(everything: LanguageDetector) -> None:
    text = "سلام، من از کابل هستم و در بروکسل زندگی می‌کنم."
    assert everything.detect(text).language == "fa"  # nothing Afghan in it: Persian
    found = everything.detect(text, "prs")
    assert (found.language, found.sure) == ("fa_AF", True)
    assert everything.detect(text, "fa-AF").language == "fa_AF"


@pytest.mark.parametrize(
    "text",
    [
        "تشکر، خوب هستم.",
        "اولادهایم اینجا به مکتب می‌روند.",
        "زبان هالندی را یاد می‌گیرم",
        "خیر ببینی",
    ],
)
def test_dari_words_make_dari_sure(everything: LanguageDetector, text: str) -> None:
    # Afghan vocabulary (thanks, children, school, Dutch): Dari, even from a Persian phone.
    assert everything.detect(text) == Detection("fa_AF", 1.0, True)
    assert everything.detect(text, "fa-IR") == Detection("fa_AF", 1.0, True)


@pytest.mark.parametrize("text", ["مرسی، خیلی خوبم", "الان به مدرسه می‌روم", "تشکر، خیلی ممنون"])
def test_iranian_words_are_not_dari(everything: LanguageDetector, text: str) -> None:
    found = everything.detect(text)
    assert found.language == "fa"
    assert found.sure


def test_precision_on_the_new_languages(everything: LanguageDetector) -> None:
    """Sure answers right at least 98 % of the time per kind; decoys never sure."""
    sure: dict[str, int] = defaultdict(int)
    right: dict[str, int] = defaultdict(int)
    decoys_sure = []
    for row in _rows():
        found = everything.detect(row["text"])
        if row["kind"] == "foreign":
            if found.sure:
                decoys_sure.append((row["text"], found))
            continue
        if row["kind"] == "dari" or not found.sure:
            continue
        sure[row["kind"]] += 1
        right[row["kind"]] += found.language == row["lang"]
    precision = {kind: right[kind] / sure[kind] for kind in ("word", "pair", "sentence")}
    # 150 words, 100 pairs, 100 sentences: one wrong sure word costs 0.7 %.
    assert min(precision.values()) >= 0.98, precision
    assert not decoys_sure


def test_marker_words_are_still_one_languages_own() -> None:
    """Every word of domain/data/langid-markers.json is still a marker of the same language
    with the locked Babel and today's catalogs and registry (a word a catalog has started
    to use in another language would be a wrong "sure"). Markers the file lacks are only
    coverage lost: after a catalog or registry change, run `python -m domain.scripts`."""
    now = build_markers()
    stale = {word: code for word, code in marker_words().items() if now.get(word) != code}
    assert not stale, "run `python -m domain.scripts`"


@pytest.mark.parametrize(
    "word",
    # Spanish days Asturian and Filipino share, Czech and Polish "Saturday", the word
    # Ukrainian and Russian share, a month half of Europe writes so; Dutch "hier" (here)
    # that is French "yesterday"; Russian "week" that is Bulgarian "Sunday".
    ["lunes", "sobota", "завтра", "mars", "hier", "неделя", "ok"],
)
def test_a_word_of_two_languages_is_nobodys_marker(word: str) -> None:
    assert word not in marker_words()


@pytest.mark.parametrize(
    ("text", "language"),
    [("Monday", "en"), ("dimanche", "fr"), ("domani", "it"), ("pazartesi", "tr"),
     ("dzisiaj", "pl"), ("сегодня", "ru"), ("Ik kom met de tram.", "nl")],
)  # fmt: skip
def test_a_marker_word_lingua_agrees_with_is_sure(
    everything: LanguageDetector, text: str, language: str
) -> None:
    found = everything.detect(text)
    assert (found.language, found.sure) == (language, True)


@pytest.mark.parametrize(
    ("word", "language"),
    # Turkish "Friday" (lingua: Somali), Romanian "Thursday" (French), Albanian "today"
    # (Italian), Persian "morning" (Arabic): the marker alone decides nothing.
    [("cuma", "tr"), ("joi", "ro"), ("sot", "sq"), ("صبح", "fa")],
)
def test_a_marker_word_lingua_disagrees_with_is_unsure(
    everything: LanguageDetector, word: str, language: str
) -> None:
    assert marker_words()[word] == language
    assert not everything.detect(word).sure


def test_markers_of_two_languages_or_of_one_not_offered_decide_nothing() -> None:
    assert marker_language(["dimanche"], ("fr", "en")) == "fr"
    assert marker_language(["dimanche", "Monday"], ("fr", "en")) is None
    assert marker_language(["dimanche"], ("en", "nl")) is None
