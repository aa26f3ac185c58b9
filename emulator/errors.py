"""The error answer of the Bot API, raised anywhere inside the emulator."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    """A Bot API error answer: ``{"ok": false, "error_code": ..., "description": ...}``.

    ``injected`` marks answers a test asked for (blocked user, 5xx, forced 429), so
    they are not counted as requests the bot got wrong.
    """

    def __init__(
        self,
        status: int,
        description: str,
        *,
        retry_after: int | None = None,
        injected: bool = False,
    ) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after
        self.injected = injected

    def body(self) -> dict[str, Any]:
        """The JSON answer Telegram would send for this error."""
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.status,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


def bad_request(reason: str) -> ApiError:
    """A 400 answer with Telegram's ``Bad Request: `` prefix."""
    return ApiError(400, f"Bad Request: {reason}")
