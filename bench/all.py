"""Run every benchmark at a size that finishes in a few minutes, then list their summaries.

    python bench/all.py [--quick]

Each `bench/*.py` script (not this one, not `_`-prefixed helpers) runs as its own
process with this Python; its output is echoed as it comes. At the end the last
`bench NAME: ...` line of every script is printed together, and the exit code is
non-zero when any script failed or printed no summary. `--quick` passes smaller
sizes where a script offers them (a smoke run, not numbers to compare).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._common import SUMMARY  # noqa: E402

BENCH = ROOT / "bench"
# Arguments per script: the default run, then --quick. Scripts not listed run with none.
SIZES: dict[str, tuple[list[str], list[str]]] = {
    "outbox": (["--rows", "200000"], ["--rows", "20000", "--repeats", "10"]),
    "matching": ([], ["--newcomers", "500", "--buddies", "200"]),
    "langid": ([], ["--limit", "20", "--repeats", "1"]),
    "screens": ([], ["--people", "5000", "--repeats", "2"]),
    "memory": ([], ["--people", "200,2000", "--rounds", "2"]),
    "report": (["--people", "20000", "--repeats", "2"], ["--people", "2000", "--repeats", "1"]),
    "pipeline": ([], ["--people", "200"]),
    "waiting": ([], ["--people", "3000"]),
    "offers": ([], ["--offers", "5000", "--repeats", "10"]),
    "role_change": ([], ["--pairs", "4000", "--repeats", "2"]),
    "programme": (["--duos", "30", "--months", "3"], ["--duos", "4", "--months", "1"]),
}


@dataclass
class Outcome:
    """How one benchmark script ended."""

    name: str
    returncode: int
    seconds: float
    summary: str | None

    @property
    def ok(self) -> bool:
        return self.returncode == 0 and self.summary is not None


def scripts() -> list[Path]:
    """The benchmark scripts, in name order."""
    own = Path(__file__).resolve()
    return [
        path
        for path in sorted(BENCH.glob("*.py"))
        if path.resolve() != own and not path.name.startswith("_")
    ]


def run_script(path: Path, arguments: list[str]) -> Outcome:
    """Run one script, echo its output line by line, keep its last summary line."""
    command = [sys.executable, str(path), *arguments]
    print(f"\n=== {path.relative_to(ROOT)} {' '.join(arguments)}".rstrip(), flush=True)
    environment = {**os.environ, "PYTHONUNBUFFERED": "1"}
    started = time.perf_counter()
    summary: str | None = None
    with subprocess.Popen(
        command,
        cwd=ROOT,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        bufsize=1,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            print(line, end="", flush=True)
            if SUMMARY.match(line):
                summary = line.rstrip("\n")
        returncode = process.wait()
    return Outcome(path.stem, returncode, time.perf_counter() - started, summary)


def main() -> None:
    parser = argparse.ArgumentParser(description="Run every benchmark in bench/.")
    parser.add_argument("--quick", action="store_true", help="smaller sizes: a smoke run")
    args = parser.parse_args()

    outcomes: list[Outcome] = []
    for path in scripts():
        default, quick = SIZES.get(path.stem, ([], []))
        outcomes.append(run_script(path, quick if args.quick else default))

    print("\n=== summary")
    for outcome in outcomes:
        state = "ok" if outcome.ok else f"FAILED (exit {outcome.returncode})"
        if outcome.returncode == 0 and outcome.summary is None:
            state = "FAILED (no `bench NAME:` summary line)"
        print(f"{outcome.name:<12}{outcome.seconds:>8.1f} s  {state}")
    print()
    for outcome in outcomes:
        if outcome.summary is not None:
            print(outcome.summary)
    failed = [outcome.name for outcome in outcomes if not outcome.ok]
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
        raise SystemExit(1)


if __name__ == "__main__":
    main()
