"""A whole programme, simulated: what the bot asks of one coordinator each week and how
many messages people get, against the compass goals (at most 60 coordinator actions in
the median week; at most 3 messages a week to a newcomer at p95).

    python bench/programme.py [--duos 30] [--months 3] [--seed 1] [--database PATH]

The real bot runs against the emulator on a simulated clock (bot/simulation.py), with
newcomers, buddies and one coordinator who behave with seeded randomness. "Messages" are
what the bot pushes (reminders, notices, nudges, broadcasts), not the answers to a
person's own taps. `python -m bot simulate --duos 150 --months 6` is the pilot's size.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import summary_line  # noqa: E402
from bot.config import load_settings  # noqa: E402
from bot.simulation import simulate, simulation_settings  # noqa: E402

GOAL_ACTIONS_MEDIAN_WEEK = 60
GOAL_NEWCOMER_MESSAGES_P95 = 3


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duos", type=int, default=30)
    parser.add_argument("--months", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default=None, help="keep the database here")
    args = parser.parse_args()
    # A busy event loop makes APScheduler skip a real-time tick now and then: not news here.
    logging.getLogger("apscheduler").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as folder:
        database = Path(args.database or Path(folder) / "programme.sqlite3").resolve()
        settings = simulation_settings(load_settings(), database)
        figures = asyncio.run(
            simulate(settings, duos=args.duos, months=args.months, seed=args.seed, progress=True)
        )
    print(figures.table())
    actions_ratio = figures.median_week / GOAL_ACTIONS_MEDIAN_WEEK
    messages_ratio = figures.newcomer_messages_p95 / GOAL_NEWCOMER_MESSAGES_P95
    print(
        f"\ncompass: median week {figures.median_week:g} actions (goal {GOAL_ACTIONS_MEDIAN_WEEK},"
        f" ratio {actions_ratio:.2f}); newcomer p95 {figures.newcomer_messages_p95:g} messages"
        f" a week (goal {GOAL_NEWCOMER_MESSAGES_P95}, ratio {messages_ratio:.2f})"
    )
    print(
        summary_line(
            "programme",
            {
                "duos": figures.duos,
                "months": figures.months,
                "coordinator_actions_median_week": figures.median_week,
                "coordinator_actions_worst_week": figures.worst_week,
                "goal_actions_median_week": GOAL_ACTIONS_MEDIAN_WEEK,
                "actions_ratio": round(actions_ratio, 2),
                "newcomer_messages_week_median": figures.newcomer_messages_median,
                "newcomer_messages_week_p95": figures.newcomer_messages_p95,
                "buddy_messages_week_p95": figures.buddy_messages_p95,
                "goal_newcomer_messages_p95": GOAL_NEWCOMER_MESSAGES_P95,
                "messages_ratio": round(messages_ratio, 2),
                "median_days_to_match": figures.median_days_to_match,
                "share_at_40_hours": figures.share_at_target,
                "concerns_answered_24h": figures.concerns_answered_in_24h,
                "seconds": figures.wall_seconds,
            },
        )
    )


if __name__ == "__main__":
    main()
