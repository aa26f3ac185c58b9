"""Guards shared by every conversation area, as aiogram filters.

A handler that needs a registered person or an editable message says so in its
registration instead of starting with `if user is None: ...`; an update that fails a guard
goes on to the next handler, and in the end to the fallback router, which answers it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, InaccessibleMessage, TelegramObject

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.models import User


class Registered(Filter):
    """The person behind the update has consented (their row exists); with
    `profile_done=True` they also confirmed their profile. Handlers behind it may type
    `user: User` without `| None`."""

    def __init__(self, *, profile_done: bool = False) -> None:
        self.profile_done = profile_done

    async def __call__(self, event: TelegramObject, user: User | None = None) -> bool:
        if user is None:
            return False
        return not self.profile_done or user.profile_done_at is not None


class WithMessage(Filter):
    """The button's message is still there for the bot to edit or answer under; injects it
    as `message` (a `Message`, never None or inaccessible)."""

    async def __call__(self, callback: CallbackQuery) -> bool | dict[str, Any]:
        message = callback.message
        if message is None or isinstance(message, InaccessibleMessage):
            return False
        return {"message": message}
