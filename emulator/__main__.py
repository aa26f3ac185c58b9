"""``python -m emulator --host 127.0.0.1 --port 8081 --token 123456:TEST-token``."""

from __future__ import annotations

import argparse

from emulator.api import DEFAULT_TOKEN
from emulator.limits import RateLimit
from emulator.server import run_standalone


def main(argv: list[str] | None = None) -> None:
    """Parse the command line and serve the emulator until interrupted."""
    parser = argparse.ArgumentParser(
        prog="python -m emulator", description="Local Telegram Bot API emulator"
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--token", default=DEFAULT_TOKEN)
    parser.add_argument(
        "--rate-limit",
        type=int,
        default=None,
        metavar="N",
        help="answer 429 beyond N messages a second overall (e.g. 30, or 300 for paid "
        "broadcasts); unset: no limit",
    )
    parser.add_argument(
        "--per-chat-limit",
        type=int,
        default=1,
        metavar="N",
        help="with --rate-limit: at most N messages a second to one chat (default 1)",
    )
    args = parser.parse_args(argv)
    limit = RateLimit(args.rate_limit, args.per_chat_limit) if args.rate_limit else None
    run_standalone(args.host, args.port, args.token, limit)


if __name__ == "__main__":
    main()
