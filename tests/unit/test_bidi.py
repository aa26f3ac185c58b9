"""Inserted names keep their own direction in every language."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.pofile import read_po

from domain.languages import registry
from handlers.common import q
from handlers.i18n import FSI, PDI, create_i18n, fmt_number, is_rtl, isolate
from handlers.pair_notices import introduction

LOCALES = Path(__file__).resolve().parents[2] / "locales"


def test_right_to_left_names_are_isolated_in_left_to_right_messages() -> None:
    assert isolate("أمل", "nl") == f"{FSI}أمل{PDI}"
    assert isolate("زهرا", "en") == f"{FSI}زهرا{PDI}"
    assert isolate("שרה", "fr") == f"{FSI}שרה{PDI}"


def test_everything_inserted_into_right_to_left_messages_is_isolated() -> None:
    assert isolate("Sofie", "ar") == f"{FSI}Sofie{PDI}"
    assert isolate(40, "fa") == f"{FSI}40{PDI}"


def test_every_name_is_isolated_and_a_bare_number_in_left_to_right_stays_as_it_is() -> None:
    assert isolate("Sofie", "nl") == f"{FSI}Sofie{PDI}"
    assert isolate("Олена", "uk") == f"{FSI}Олена{PDI}"
    assert isolate("Sofie (Bxl)", "en") == f"{FSI}Sofie (Bxl){PDI}"
    assert isolate(12, "en") == "12"
    assert isolate(12, "ar") == f"{FSI}12{PDI}"


def test_typed_text_is_escaped_and_isolated() -> None:
    assert q("<أمل>", "nl") == f"{FSI}&lt;أمل&gt;{PDI}"


# --- every right-to-left language of the registry --------------------------------------

RTL_CODES = tuple(lang.code for lang in registry() if lang.rtl)
# What decides a line's direction (Unicode bidi P2/P3): its first strong letter, skipping
# isolated runs. Placeholders are filled with isolated values; tags, commands in a
# bidi-isolated form and emoji carry no letters of their own.
_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
_TAG = re.compile(r"<[^>]+>")


def _first_strong(line: str) -> str | None:
    depth = 0
    for char in _TAG.sub("", _PLACEHOLDER.sub("", line)):
        if char in (FSI, "\u2066", "\u2067"):
            depth += 1
        elif char == PDI:
            depth = max(0, depth - 1)
        elif depth == 0 and unicodedata.bidirectional(char) in {"L", "R", "AL"}:
            return unicodedata.bidirectional(char)
    return None


def test_the_registry_knows_the_right_to_left_languages() -> None:
    assert set(RTL_CODES) == {"ar", "fa", "ps", "fa_AF"}
    for code in RTL_CODES:
        assert is_rtl(code)
        assert Locale.parse(code).text_direction == "rtl", code


@pytest.mark.parametrize("code", RTL_CODES)
def test_names_and_numbers_are_isolated_in_every_right_to_left_language(code: str) -> None:
    assert isolate("Sofie", code) == f"{FSI}Sofie{PDI}"
    assert isolate(40, code) == f"{FSI}40{PDI}"
    assert q("<Jan>", code) == f"{FSI}&lt;Jan&gt;{PDI}"
    number = fmt_number(1234.5, code)
    assert number.startswith(FSI) and number.endswith(PDI)


@pytest.mark.parametrize("code", RTL_CODES)
def test_a_pushed_message_isolates_the_other_persons_name(code: str, tmp_path: Path) -> None:
    """Through the real renderer and the compiled catalog of each right-to-left language."""
    i18n = create_i18n(tmp_path, "nl")
    params = {"pair_id": 1, "role": "newcomer", "other_name": "Sofie", "other_gender": "woman"}
    with i18n.context(), i18n.use_locale(code):
        text = introduction(params, code).text
    assert f"{FSI}Sofie{PDI}" in text


@pytest.mark.parametrize("code", RTL_CODES)
def test_every_translated_line_reads_right_to_left(code: str) -> None:
    """A line whose first letter is Latin ("/meetup ...", "OK ...") would be laid out
    left to right in Telegram, the whole sentence scrambled around it."""
    with (LOCALES / code / "LC_MESSAGES" / "messages.po").open("rb") as handle:
        catalog = read_po(handle, locale=code)
    wrong = []
    for message in (m for m in catalog if m.id):
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for translated in strings:
            for line in (translated or "").splitlines():
                if _first_strong(line) == "L":
                    wrong.append(line)
    assert not wrong, f"{code}: {len(wrong)} lines start left to right, e.g. {wrong[:3]}"
