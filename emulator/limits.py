"""Telegram's flood limits on outgoing bot messages, and the statistics tests read."""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

WINDOW_SECONDS = 1.0


@dataclass(frozen=True, slots=True)
class RateLimit:
    """Messages a bot may send per second, overall and to one chat (None: unlimited)."""

    global_per_second: int | None = 30
    per_chat_per_second: int | None = 1


@dataclass(slots=True)
class RateStats:
    """What the bot actually sent: the busiest 1-second windows and the throttled requests."""

    sent: int = 0
    throttled: int = 0
    max_per_second_overall: int = 0
    max_per_second_by_chat: dict[int | str, int] = field(default_factory=dict)

    @property
    def max_per_second_per_chat(self) -> int:
        """The most messages any single chat got within one second."""
        return max(self.max_per_second_by_chat.values(), default=0)


class RateLimiter:
    """Sliding 1-second windows of sent messages, overall and per chat.

    Statistics are kept even when no limit is enforced, so a test can check that the
    bot stays under Telegram's limits on its own.
    """

    def __init__(
        self, limit: RateLimit | None, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.stats = RateStats()
        self._clock = clock
        self._overall: deque[float] = deque()
        self._by_chat: dict[int | str, deque[float]] = {}

    def retry_after(self, chat_id: int | str | None) -> int | None:
        """Seconds to wait if one more message now would break the limit, else None."""
        if self.limit is None:
            return None
        now = self._clock()
        waits: list[float] = []
        overall = _trim(self._overall, now)
        if (
            self.limit.global_per_second is not None
            and len(overall) >= self.limit.global_per_second
        ):
            waits.append(overall[0] + WINDOW_SECONDS - now)
        if chat_id is not None and self.limit.per_chat_per_second is not None:
            chat = _trim(self._by_chat.get(chat_id, deque()), now)
            if len(chat) >= self.limit.per_chat_per_second:
                waits.append(chat[0] + WINDOW_SECONDS - now)
        if not waits:
            return None
        self.stats.throttled += 1
        return max(1, math.ceil(max(waits)))

    def record(self, chat_id: int | str | None) -> None:
        """Count a message the bot sent."""
        now = self._clock()
        self.stats.sent += 1
        overall = _trim(self._overall, now)
        overall.append(now)
        self.stats.max_per_second_overall = max(self.stats.max_per_second_overall, len(overall))
        if chat_id is None:
            return
        chat = _trim(self._by_chat.setdefault(chat_id, deque()), now)
        chat.append(now)
        best = self.stats.max_per_second_by_chat.get(chat_id, 0)
        self.stats.max_per_second_by_chat[chat_id] = max(best, len(chat))


def _trim(window: deque[float], now: float) -> deque[float]:
    while window and now - window[0] >= WINDOW_SECONDS:
        window.popleft()
    return window
