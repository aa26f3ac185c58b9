"""Faults a test injects: blocked users, server errors, slow answers, forced 429s."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Literal

from emulator.errors import ApiError

FaultKind = Literal["fail", "slow", "too_many", "refuse"]
STATUS_DESCRIPTIONS = {
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
    504: "Gateway Timeout",
}
# A bot polls all the time; a fault meant for "any method" should hit the bot's own
# calls, not vanish into the background getUpdates loop.
_NOT_MATCHED_BY_ANY = frozenset({"getupdates"})


@dataclass(slots=True)
class Fault:
    """One injected fault, used by the next ``remaining`` matching requests."""

    kind: FaultKind
    method: str | None
    remaining: int
    status: int = 502
    seconds: float = 0.0
    retry_after: int = 1
    description: str = ""

    def matches(self, method: str) -> bool:
        """Whether it applies to a call of ``method`` (lower-case)."""
        if self.method is None:
            return method not in _NOT_MATCHED_BY_ANY
        return self.method == method

    def error(self) -> ApiError:
        """The answer of a failure fault."""
        if self.kind == "too_many":
            return ApiError(
                429,
                f"Too Many Requests: retry after {self.retry_after}",
                retry_after=self.retry_after,
                injected=True,
            )
        if self.kind == "refuse":
            return ApiError(400, self.description, injected=True)
        description = STATUS_DESCRIPTIONS.get(self.status, "Internal Server Error")
        return ApiError(self.status, description, injected=True)


@dataclass
class FaultPlan:
    """The faults waiting to happen, and the users who blocked the bot."""

    faults: list[Fault] = field(default_factory=list)
    blocked: set[int] = field(default_factory=set)
    # A share of all calls (but getUpdates) that fail at random: half 429, half 502.
    random_rate: float = 0.0
    random_retry_after: int = 1
    rng: random.Random = field(default_factory=lambda: random.Random(0))

    def add(self, fault: Fault) -> None:
        """Schedule a fault."""
        if fault.remaining > 0:
            self.faults.append(fault)

    def take(self, method: str, kinds: tuple[FaultKind, ...]) -> Fault | None:
        """Use up the first scheduled fault of these kinds that matches ``method``."""
        for fault in self.faults:
            if fault.kind in kinds and fault.matches(method):
                fault.remaining -= 1
                if fault.remaining <= 0:
                    self.faults.remove(fault)
                return fault
        if (
            self.random_rate > 0
            and "fail" in kinds
            and method not in _NOT_MATCHED_BY_ANY
            and self.rng.random() < self.random_rate
        ):
            if self.rng.random() < 0.5:
                return Fault("too_many", method, 1, retry_after=self.random_retry_after)
            return Fault("fail", method, 1, status=502)
        return None

    def clear(self) -> None:
        """Forget every scheduled fault and random failures (blocked users stay blocked)."""
        self.faults.clear()
        self.random_rate = 0.0
