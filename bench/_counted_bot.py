"""`python -m bot run`, counting every SQL statement the process sends (bench/pipeline.py).

A SQLAlchemy `before_cursor_execute` listener on every engine counts the statements; on
SIGUSR1 the count so far is written to the file named by BENCH_STATEMENTS_FILE, so the
benchmark can read it before and after a burst.
"""

from __future__ import annotations

import os
import signal
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sqlalchemy import event  # noqa: E402
from sqlalchemy.engine import Engine  # noqa: E402

from bot.__main__ import main  # noqa: E402

statements = 0


def _count(*_args: Any) -> None:
    global statements
    statements += 1


def _report(*_args: Any) -> None:
    Path(os.environ["BENCH_STATEMENTS_FILE"]).write_text(str(statements))


if __name__ == "__main__":
    event.listen(Engine, "before_cursor_execute", _count)
    signal.signal(signal.SIGUSR1, _report)
    raise SystemExit(main(["run"]))
