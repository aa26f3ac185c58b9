"""The programme simulation: the real bot over HTTP against the emulator, simulated people
on a simulated clock. A small programme run twice with one seed gives the same figures,
and leaves a database the coordinator's screens and the report work on."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select

from bot.settings import Settings
from bot.simulation import Simulation, simulation_settings
from storage.models import HourEntry, Meetup, Pair, User
from tests.e2e.helpers import buttons_data, scalar

DUOS, DAYS, SEED = 3, 21, 5


async def run(settings: Settings, database: Path) -> tuple[Simulation, dict]:
    simulation = Simulation(
        simulation_settings(settings, database), duos=DUOS, months=1, seed=SEED, days=DAYS
    )
    figures = await simulation.run()
    return simulation, figures.deterministic()


async def test_a_small_programme_is_the_same_twice_and_leaves_a_usable_database(
    settings: Settings, tmp_path: Path
) -> None:
    first, figures = await run(settings, tmp_path / "first.sqlite3")
    _second, again = await run(settings, tmp_path / "second.sqlite3")
    assert figures == again

    # People really went through the bot: onboarded, matched, met, logged hours.
    url = first.settings.database_url
    assert await scalar(url, select(func.count()).select_from(User)) >= 2 * DUOS
    assert figures["pairs"] == await scalar(url, select(func.count()).select_from(Pair)) > 0
    assert await scalar(url, select(func.count()).select_from(Meetup)) > 0
    assert await scalar(url, select(func.count()).select_from(HourEntry)) > 0
    assert sum(figures["coordinator_actions_by_week"]) > 0
    assert figures["actions_by_kind"].get("co:mt", 0) == figures["pairs"]  # matched by taps
    assert not figures["stuck"].get("onboarding")

    # The database left behind: the coordinator's screens and the report answer on it.
    stage = Simulation(first.settings, duos=0, months=0, seed=0, days=0)
    stage.clock.set(first.clock.now())
    await stage.start()
    try:
        coordinator = stage.coordinator
        for command, wanted in (
            ("coord", "co:wl:0:0"),
            ("pairs", "co:pr:"),
            ("report", "rp:"),
        ):
            await coordinator.command(command)
            answer = await coordinator.wait_for(
                lambda m, wanted=wanted: any(d.startswith(wanted) for d in buttons_data(m)),
                timeout=15,
            )
            assert answer.text
        stage.emulator.assert_no_rejections()
    finally:
        await stage.stop()
