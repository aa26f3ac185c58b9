"""`python -m bot demo` through its terminal: a real process on a pseudo-terminal, as a
person at the keyboard would use it. Three people are switched between, the clock is
moved on by a day, and the reminder of the meetup planned for tomorrow appears."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


class Terminal:
    """A process on a pseudo-terminal: type lines, wait for what it prints."""

    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.master, slave = pty.openpty()
        self.process = subprocess.Popen(
            command, stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT
        )
        os.close(slave)
        self.output = ""

    def expect(self, pattern: str, timeout: float = 60.0) -> re.Match[str]:
        """Wait until `pattern` appears in what was printed since the last match."""
        deadline = time.monotonic() + timeout
        while True:
            found = re.search(pattern, self.output, re.DOTALL)
            if found:
                self.output = self.output[found.end() :]
                return found
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self.process.poll() is not None:
                raise AssertionError(f"no {pattern!r} in:\n{self.output[-3000:]}")
            ready, _, _ = select.select([self.master], [], [], min(remaining, 0.5))
            if ready:
                try:
                    self.output += os.read(self.master, 65536).decode(errors="replace")
                except OSError:
                    continue

    def type(self, line: str) -> None:
        os.write(self.master, (line + "\n").encode())

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
        os.close(self.master)


@pytest.mark.long
def test_three_people_and_a_day_later_the_reminder(tmp_path: Path, compiled_locales: Path) -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'unused.sqlite3'}",
        "LOG_LEVEL": "WARNING",
    }
    env.pop("BOT_TOKEN", None)
    terminal = Terminal([sys.executable, "-m", "bot", "demo"], env)
    try:
        meet = terminal.expect(r"(\S+) and (\S+) \(pair #(\d+)\) meet tomorrow", timeout=120)
        planner, partner, _pair = meet.groups()
        terminal.expect(r"> ")
        terminal.type("people")
        listing = terminal.expect(r"1\. Kim \(coordinator\)(.*?)> ", timeout=10).group(1)
        numbers = dict((name, number) for number, name in re.findall(r"(\d+)\. (\S+) \(", listing))
        assert planner in numbers and partner in numbers, listing
        others = [n for name, n in numbers.items() if name not in (planner, partner)]
        # The coordinator: their home screen answers.
        terminal.type("as 1")
        terminal.expect(r"You are now Kim")
        terminal.type("/coord")
        terminal.expect(r"🤖")
        # Someone else, then the partner of the pair that meets tomorrow.
        terminal.type(f"as {others[0]}")
        terminal.expect(r"You are now")
        terminal.type(f"as {numbers[partner]}")
        terminal.expect(rf"You are now {re.escape(partner)}")
        terminal.expect(r"> ")
        terminal.type("+1d")
        reminder = terminal.expect(r"🤖 ⏰[^\r\n]*", timeout=60).group(0)
        assert planner in reminder, reminder
        terminal.type("quit")
        assert terminal.process.wait(timeout=30) == 0
    finally:
        terminal.close()
