"""``python -m emulator --host 127.0.0.1 --port 8081 --token 123456:TEST-token``."""

from __future__ import annotations

import argparse

from emulator.api import DEFAULT_TOKEN
from emulator.server import run_standalone


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve the emulator until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m emulator", description="Local Telegram Bot API emulator"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    args = parser.parse_args(argv)
    run_standalone(args.host, args.port, args.token)


if __name__ == "__main__":
    main()
