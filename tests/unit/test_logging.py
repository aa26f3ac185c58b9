"""LOG_FORMAT=json: one JSON object a line, secrets filtered out as in text logs."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "123456:SECRET-token-never-logged"
SCRIPT = """
import logging
from bot.__main__ import configure_logging
from bot.config import load_settings
configure_logging(load_settings())
logging.getLogger("buddybot.test").info("calling with %s", "123456:SECRET-token-never-logged")
logging.getLogger("buddybot.test").warning("plain line")
"""


def run_logging(**env: str) -> list[str]:
    environment = {**os.environ, "PYTHONPATH": str(ROOT), "BOT_TOKEN": TOKEN, **env}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        env=environment,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return [line for line in done.stderr.splitlines() if "buddybot.test" in line]


def test_json_logs_are_one_object_a_line_without_secrets() -> None:
    lines = run_logging(LOG_FORMAT="json")
    entries = [json.loads(line) for line in lines]
    assert [e["level"] for e in entries] == ["INFO", "WARNING"]
    assert entries[1]["message"] == "plain line" and entries[1]["logger"] == "buddybot.test"
    assert TOKEN not in lines[0] and "***" in entries[0]["message"]


def test_text_logs_stay_the_default() -> None:
    lines = run_logging()
    assert lines and not lines[0].startswith("{")
    assert TOKEN not in "\n".join(lines)
