"""Every kind of pushed message has exactly one renderer, and renders in the recipient's
time zone, else in the programme's."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from domain.notices import Notice
from handlers import notices
from handlers.i18n import create_i18n
from handlers.notice_registry import collect, notice
from storage.models import Outbox


def test_every_kind_has_a_renderer() -> None:
    registry = notices.create_registry()
    assert sorted(set(Notice) - set(registry)) == []
    assert all(isinstance(kind, Notice) for kind in registry)


def test_an_unknown_key_is_no_kind() -> None:
    assert Notice.of("meetup.proposed") is Notice.MEETUP_PROPOSED
    assert Notice.of("meetup.teleported") is None


def test_two_renderers_of_one_kind_are_refused() -> None:
    import types

    module = types.ModuleType("twice")

    @notice(Notice.BROADCAST)
    def first(params: dict[str, object], locale: str) -> None:
        return None

    @notice(Notice.BROADCAST)
    def second(params: dict[str, object], locale: str) -> None:
        return None

    module.first, module.second = first, second  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="two renderers"):
        collect(module)


def _paused_row(params: dict[str, object]) -> Outbox:
    return Outbox(key=Notice.PAIR_PAUSED.value, params=params, chat_id=1)


def test_times_are_shown_in_the_programme_zone_unless_the_row_has_its_own(
    tmp_path: Path,
) -> None:
    render = notices.create_renderer()
    i18n = create_i18n(tmp_path, "nl")
    # 23:30 UTC on 1 March is already 2 March in Brussels, still 1 March in New York.
    until = datetime(2026, 3, 1, 23, 30, tzinfo=UTC).isoformat()
    with i18n.context(), i18n.use_locale("en"):
        brussels = render(_paused_row({"until": until}), "en", ZoneInfo("Europe/Brussels"))
        new_york = render(_paused_row({"until": until}), "en", ZoneInfo("America/New_York"))
        own = render(
            _paused_row({"until": until, "tz": "America/New_York"}),
            "en",
            ZoneInfo("Europe/Brussels"),
        )
    assert brussels is not None and new_york is not None and own is not None
    assert brussels.text != new_york.text
    assert own.text == new_york.text


def test_a_known_kind_without_renderer_raises_rather_than_drops(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(notices, "RENDERER_MODULES", ())
    render = notices.create_renderer()
    with pytest.raises(KeyError):
        render(_paused_row({}), "en", ZoneInfo("UTC"))
