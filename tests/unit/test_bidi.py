"""Inserted names keep their own direction in every language."""

from __future__ import annotations

from handlers.common import q
from handlers.i18n import FSI, PDI, isolate


def test_right_to_left_names_are_isolated_in_left_to_right_messages() -> None:
    assert isolate("أمل", "nl") == f"{FSI}أمل{PDI}"
    assert isolate("زهرا", "en") == f"{FSI}زهرا{PDI}"
    assert isolate("שרה", "fr") == f"{FSI}שרה{PDI}"


def test_everything_inserted_into_right_to_left_messages_is_isolated() -> None:
    assert isolate("Sofie", "ar") == f"{FSI}Sofie{PDI}"
    assert isolate(40, "fa") == f"{FSI}40{PDI}"


def test_latin_names_and_numbers_in_left_to_right_messages_stay_as_they_are() -> None:
    assert isolate("Sofie", "nl") == "Sofie"
    assert isolate(12, "en") == "12"
    assert isolate("Олена", "uk") == "Олена"


def test_typed_text_is_escaped_and_isolated() -> None:
    assert q("<أمل>", "nl") == f"{FSI}&lt;أمل&gt;{PDI}"
