"""Shared by `scripts/run` and `scripts/test`: a virtual environment with the project
installed, refreshed whenever pyproject.toml changes. Standard library only."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENV = ROOT / ".venv"
STAMP = VENV / ".installed-pyproject"


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def ensure_environment() -> Path:
    """Create `.venv` and install the project with its dev tools when needed."""
    # An older python3 may run this file: tell them plainly instead of failing later.
    if sys.version_info < (3, 11):  # noqa: UP036
        raise SystemExit(f"Python 3.11 or newer is needed (found {sys.version.split()[0]}).")
    python = venv_python()
    if not python.exists():
        print("Creating a virtual environment in .venv ...", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    wanted = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not STAMP.exists() or STAMP.read_text().strip() != wanted:
        print("Installing dependencies (first run takes a minute) ...", flush=True)
        subprocess.run(
            [str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "-e", f"{ROOT}[dev]"],
            check=True,
            cwd=ROOT,
        )  # fmt: skip
        STAMP.write_text(wanted)
    return python


def exec_in_venv(args: list[str]) -> int:
    """Run `python args...` inside the environment, from the project root."""
    python = ensure_environment()
    return subprocess.call([str(python), *args], cwd=ROOT)
