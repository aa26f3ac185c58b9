"""The real bot as an operating-system process: the crash tests kill it with SIGKILL and
start it again, the start-up tests read its exit code and what it printed.

Each process runs `bot.__main__.main(argv)`, what `python -m bot ...` runs, in a new
process forked from a server that imported the bot's modules once (multiprocessing's
"forkserver"). A kill is a real SIGKILL of that process: nothing it held in memory
survives, and only what it committed is found by the next one. What the fork saves is
importing aiogram, SQLAlchemy and the handlers again on every start (about 3 s of CPU).
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

# Imported once by the fork server; every bot process starts with them loaded.
PRELOAD = ["bot.__main__", "bot.app", "handlers", "delivery.outbox"]
_context = multiprocessing.get_context("forkserver")
_context.set_forkserver_preload(PRELOAD)


def _run_bot(argv: list[str], env: dict[str, str], cwd: str, out: str, err: str) -> None:
    """The body of one bot process: its environment, its output files, then the CLI."""
    os.environ.clear()
    os.environ.update(env)
    os.chdir(cwd)
    for target, path in ((1, out), (2, err)):
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        os.dup2(descriptor, target)
        os.close(descriptor)
    from bot.__main__ import main

    code = main(argv)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def run_cli(
    argv: list[str], env: dict[str, str], cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run `python -m bot *argv` to its end (a forked process, see above); its exit code,
    standard output and standard error, as subprocess.run(capture_output=True) gives."""
    out, err = cwd / f".out-{uuid.uuid4().hex}", cwd / f".err-{uuid.uuid4().hex}"
    process = _context.Process(target=_run_bot, args=(argv, env, str(cwd), str(out), str(err)))
    process.start()
    process.join(timeout)
    if process.exitcode is None:
        process.kill()
        process.join()
        raise subprocess.TimeoutExpired(["bot", *argv], timeout)
    texts = [path.read_text() if path.exists() else "" for path in (out, err)]
    for path in (out, err):
        path.unlink(missing_ok=True)
    return subprocess.CompletedProcess(["bot", *argv], process.exitcode, *texts)


async def run_cli_async(
    argv: list[str], env: dict[str, str], cwd: Path, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """run_cli from a test's event loop (which must go on serving the emulator)."""
    return await asyncio.to_thread(run_cli, argv, env, cwd, timeout)


class BotProcess:
    """One bot process at a time, logging to `log`; `start()` returns once it polls."""

    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.env, self.log = env, log
        self.process: multiprocessing.process.BaseProcess | None = None

    def _runs(self) -> int:
        return self.log.read_text().count("Run polling") if self.log.exists() else 0

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.exitcode is None

    def tail(self) -> str:
        return self.log.read_text()[-3000:] if self.log.exists() else ""

    async def start(self, wait: bool = True) -> None:
        runs = self._runs()
        log = str(self.log)
        self.process = _context.Process(
            target=_run_bot, args=(["run"], self.env, str(self.log.parent), log, log), daemon=True
        )
        await asyncio.to_thread(self.process.start)
        if not wait:
            return
        for _ in range(1200):  # up once it polls (an update sent now is fetched at once)
            assert self.running, self.tail()
            if self._runs() > runs:
                return
            await asyncio.sleep(0.05)
        raise AssertionError("the bot did not start polling")

    async def kill(self) -> None:
        """SIGKILL: the process ends where it is, without any clean-up."""
        assert self.process is not None and self.process.pid is not None
        os.kill(self.process.pid, signal.SIGKILL)
        await asyncio.to_thread(self.process.join)

    async def stop(self) -> None:
        if self.process is None or not self.running:
            return
        assert self.process.pid is not None
        os.kill(self.process.pid, signal.SIGTERM)
        await asyncio.to_thread(self.process.join, 15)
        if self.running:
            await self.kill()
