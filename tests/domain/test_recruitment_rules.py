"""The pure rules behind recruitment links and waiting-list care: a link's start parameter
always fits Telegram's 64 characters and reads back as it was made; a typed channel name
becomes a usable code or is refused; the forecast's arithmetic; what keeps buddies away;
a programme's waiting-list settings with their defaults."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain import matching, onboarding, recruitment, waiting
from domain.errors import DomainError
from storage.models import Programme, Role

SLUGS = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789", min_size=1, max_size=32)


@given(slug=SLUGS, typed=st.text(min_size=2, max_size=80), role=st.sampled_from(list(Role)[:2]))
def test_every_link_fits_telegram_and_reads_back(slug: str, typed: str, role: Role) -> None:
    programme = Programme(slug=slug, name="P")
    try:
        channel = recruitment.channel_code(typed, programme)
    except DomainError as refused:
        assert refused.key == "channel_name"
        return
    payload = recruitment.start_parameter(role.value, channel, programme)
    assert len(payload) <= 64
    assert all(c.isascii() and (c.isalnum() or c in "_-") for c in payload)
    back = onboarding.parse_start_payload(payload)
    assert (back.role, back.channel, back.programme_slug) == (role, channel, slug)


def test_a_typed_channel_name_becomes_a_code() -> None:
    programme = Programme(slug="default", name="P")
    assert recruitment.channel_code("  Bibliothèque Molenbeek! ", programme) == (
        "bibliotheque_molenbeek"
    )
    for unusable in ("", "!", "—", "x", None):
        with pytest.raises(DomainError):
            recruitment.channel_code(unusable, programme)
    with pytest.raises(DomainError):
        recruitment.start_parameter(Role.COORDINATOR.value, "school", programme)
    with pytest.raises(DomainError):
        recruitment.start_parameter(Role.NEWCOMER.value, "bad-channel", programme)


def test_the_forecast() -> None:
    assert recruitment.forecast(waiting=3, free_places=3, freed=0) is None
    coming = recruitment.forecast(waiting=10, free_places=2, freed=4, pace_weeks=8)
    assert coming is not None and (coming.short, coming.weeks) == (8, 16)
    stuck = recruitment.forecast(waiting=2, free_places=0, freed=0)
    assert stuck is not None and stuck.weeks is None


def _profile(id: int, **fields: object) -> matching.Profile:
    defaults: dict[str, object] = {
        "languages": frozenset({"ar"}),
        "availability": frozenset({"weekend"}),
        "municipality": "21004",
    }
    return matching.Profile(id=id, **{**defaults, **fields})  # type: ignore[arg-type]


def test_what_keeps_buddies_away() -> None:
    weights = matching.Weights()
    newcomer = _profile(1, gender_preference="woman")
    fitting = _profile(2, gender="woman")
    assert waiting.blockers(newcomer, [fitting], weights) is None
    buddies = [
        _profile(3, gender="woman", languages=frozenset({"nl"})),
        _profile(4, gender="man"),
        _profile(5, gender="woman", availability=frozenset({"weekday_evening"}), municipality="x"),
        _profile(6, gender="woman", active_pairs=1),
    ]
    found = waiting.blockers(newcomer, buddies, weights)
    assert found is not None and found.buddies == 4
    assert found.counts == {
        matching.NO_FREE_PLACE: 1,
        matching.GENDER_PREFERENCE: 1,
        waiting.LANGUAGE: 1,
        waiting.AVAILABILITY: 1,
        waiting.MUNICIPALITY: 1,
    }


def test_waiting_settings_default_and_per_programme() -> None:
    assert waiting.policy_for(None) == waiting.WaitingPolicy()
    stored = Programme(
        slug="p",
        name="P",
        settings={
            "waiting_check_weeks": [3, 1, "x", 3],
            "unfinished_erase_days": 60,
            "waiting_alert_days": "bad",
        },
    )
    policy = waiting.policy_for(stored)
    assert policy.check_weeks == (1, 3)
    assert policy.erase_after == timedelta(days=60)
    assert policy.blocked_after == timedelta(days=waiting.BLOCKED_AFTER_DAYS)
