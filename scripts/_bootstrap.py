"""Shared by `scripts/run`, `scripts/test` and `scripts/lock`: a virtual environment with
the project installed from `requirements.lock` (exact versions, hashes checked), refreshed
whenever the lock or pyproject.toml changes. Standard library only."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
LOCK = ROOT / "requirements.lock"
STAMP = VENV / ".installed-lock"


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def _wanted() -> str:
    digest = hashlib.sha256()
    for path in (LOCK, ROOT / "pyproject.toml"):
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _pip(python: Path, *args: str) -> None:
    subprocess.run(
        [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *args],
        check=True,
        cwd=ROOT,
    )


def ensure_environment() -> Path:
    """Create `.venv` and install exactly the locked versions when needed."""
    # An older python3 may run this file: tell them plainly instead of failing later.
    if sys.version_info < (3, 11):  # noqa: UP036
        raise SystemExit(f"Python 3.11 or newer is needed (found {sys.version.split()[0]}).")
    python = venv_python()
    if not python.exists():
        print("Creating a virtual environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = _wanted()
    if not STAMP.exists() or STAMP.read_text().strip() != wanted:
        print("Installing the locked dependencies (first run takes a minute) ...", flush=True)
        # Every package at the version and hash in the lock, nothing resolved anew; then
        # the project itself, built with the locked setuptools (no isolated build that
        # would fetch whatever setuptools is newest today).
        _pip(python, "--require-hashes", "--no-deps", "-r", str(LOCK))
        _pip(python, "--no-deps", "--no-build-isolation", "-e", str(ROOT))
        STAMP.write_text(wanted)
    return python


def exec_in_venv(args: list[str]) -> int:
    """Run `python args...` inside the environment, from the project root."""
    python = ensure_environment()
    return subprocess.call([str(python), *args], cwd=ROOT)
