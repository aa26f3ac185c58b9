"""The 19 Brussels municipalities: data, neighbours and names per locale."""

from __future__ import annotations

import dataclasses

import pytest

from domain.municipalities import (
    OTHER,
    Municipality,
    all_municipalities,
    are_neighbours,
    by_nis,
    name,
)

ANDERLECHT, BRUSSEL, ETTERBEEK, EVERE, ELSENE, UKKEL = (
    "21001",
    "21004",
    "21005",
    "21006",
    "21009",
    "21016",
)


def test_there_are_19_with_their_nis_codes() -> None:
    municipalities = all_municipalities()
    assert len(municipalities) == 19
    assert sorted(m.nis for m in municipalities) == [f"210{k:02d}" for k in range(1, 20)]


def test_sorted_by_dutch_name_and_cached() -> None:
    municipalities = all_municipalities()
    assert [m.nl for m in municipalities] == sorted(m.nl for m in municipalities)
    assert all_municipalities() is municipalities


def test_coordinates_lie_in_the_brussels_region() -> None:
    for m in all_municipalities():
        assert 50.75 < m.lat < 50.92, m.nl
        assert 4.24 < m.lon < 4.49, m.nl


def test_neighbour_relation_is_symmetric_and_irreflexive() -> None:
    codes = {m.nis for m in all_municipalities()}
    for m in all_municipalities():
        assert m.neighbours, f"{m.nl} has no neighbour"
        assert m.neighbours <= codes
        assert m.nis not in m.neighbours
        for other in m.neighbours:
            assert are_neighbours(other, m.nis), (m.nl, other)


def test_known_neighbours() -> None:
    assert are_neighbours(ELSENE, UKKEL)
    assert are_neighbours(BRUSSEL, ANDERLECHT)
    assert are_neighbours(ETTERBEEK, ELSENE)
    assert not are_neighbours(ANDERLECHT, EVERE)
    assert not are_neighbours(ELSENE, ELSENE)


def test_other_is_not_a_municipality_nor_a_neighbour() -> None:
    assert by_nis(OTHER) is None
    assert by_nis(None) is None
    assert by_nis("99999") is None
    for m in all_municipalities():
        assert not are_neighbours(OTHER, m.nis)
        assert not are_neighbours(m.nis, OTHER)
        assert not are_neighbours(None, m.nis)
        assert not are_neighbours(m.nis, None)


def test_by_nis_and_frozen() -> None:
    elsene = by_nis(ELSENE)
    assert isinstance(elsene, Municipality)
    assert (elsene.nl, elsene.fr) == ("Elsene", "Ixelles")
    with pytest.raises(dataclasses.FrozenInstanceError):
        elsene.nl = "Ixelles"  # type: ignore[misc]


@pytest.mark.parametrize(
    ("locale", "expected"),
    [
        ("nl", "Elsene"),
        ("nl_BE", "Elsene"),
        ("fr", "Ixelles"),
        ("fr-BE", "Ixelles"),
        ("en", "Elsene / Ixelles"),
        ("ar", "Elsene / Ixelles"),
        ("uk", "Elsene / Ixelles"),
    ],
)
def test_name_per_locale(locale: str, expected: str) -> None:
    assert name(ELSENE, locale) == expected


def test_name_shown_once_when_both_languages_agree() -> None:
    assert name(ETTERBEEK, "en") == "Etterbeek"
    assert name(ANDERLECHT, "ar") == "Anderlecht"


def test_name_of_other_and_unknown_codes_is_the_code() -> None:
    assert name(OTHER, "en") == OTHER
    assert name("12345", "nl") == "12345"
