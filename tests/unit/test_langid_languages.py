"""Detection for the languages of issue 15 (bench/data/langid_new.tsv) and the rule that
detection only ever names an offered language."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import pytest

from domain.langid import SUPPORTED_LANGUAGES, LanguageDetector
from domain.languages import registered_codes

DATA = Path(__file__).resolve().parents[2] / "bench" / "data" / "langid_new.tsv"


def _rows() -> list[dict[str, str]]:
    with DATA.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.fixture(scope="module")
def offered() -> LanguageDetector:
    return LanguageDetector(preload=False)


@pytest.fixture(scope="module")
def everything() -> LanguageDetector:
    """As if every registered language were offered (what the bot will do once the
    catalogs are translated)."""
    return LanguageDetector(preload=False, languages=registered_codes())


def test_detection_only_names_offered_languages(offered: LanguageDetector) -> None:
    """Texts in the languages not offered yet (and decoys) get an offered language or
    none, and are never answered sure with a wrong one; Dari reads as Persian, which is
    what a Dari speaker gets until Dari is offered."""
    wrong, texts = [], 0
    for row in _rows():
        for prior in (None, "prs", "so", "en"):
            texts += 1
            found = offered.detect(row["text"], prior)
            assert found.language is None or found.language in SUPPORTED_LANGUAGES, row
            expected = "fa" if row["lang"] == "fa_AF" else row["lang"]
            if found.sure and found.language != expected:
                wrong.append((row["text"], prior, found.language))
    # Left: single words Amharic shares with Tigrinya (ቤት, ትምህርት, ከተማ) and Pashto with
    # Persian (کور, کار), and "ez başim" (Kurmanji, read as Turkish): under 2 %.
    assert len(wrong) / texts < 0.02, wrong


def test_pashto_and_amharic_are_not_taken_for_offered_languages(
    offered: LanguageDetector,
) -> None:
    assert not offered.detect("سلام، ته څنګه یې؟").sure  # Pashto letters: not Persian
    amharic = offered.detect("ሰላም እንዴት ነህ")
    assert (amharic.language, amharic.sure) == ("ti", False)


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
    assert everything.detect(text).language == "fa"  # the text alone: Persian
    found = everything.detect(text, "prs")
    assert (found.language, found.sure) == ("fa_AF", True)


def test_precision_on_the_new_languages(everything: LanguageDetector) -> None:
    """Sure answers right at least 98 % of the time per kind; decoys never sure."""
    sure: dict[str, int] = defaultdict(int)
    right: dict[str, int] = defaultdict(int)
    decoys_sure = []
    for row in _rows():
        found = everything.detect(row["text"])
        if row["kind"] == "decoy":
            if found.sure:
                decoys_sure.append((row["text"], found))
            continue
        if row["kind"] == "dari" or not found.sure:
            continue
        sure[row["kind"]] += 1
        right[row["kind"]] += found.language == row["lang"]
    precision = {kind: right[kind] / sure[kind] for kind in ("word", "pair", "sentence")}
    assert min(precision.values()) >= 0.95, precision  # 150 texts per kind: 1 error = 0.7 %
    assert not decoys_sure
