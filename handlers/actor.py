"""The person acting in an update, as one object their handlers take.

Every handler of the meetups, hours, events and broadcasts areas needs the same things: the
unit of work, the registered person, the clock, their time zone, their language and their
conversation's state. The `Acting()` filter bundles them into an `Actor` injected as
`actor`, so a handler's signature says what is particular to it (the button's data, the
message).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import TelegramObject

from domain.clock import Clock

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.models import User
    from storage.uow import UnitOfWork


@dataclass(frozen=True)
class Actor:
    """The registered person behind the update and what their handlers work with."""

    uow: UnitOfWork
    user: User
    clock: Clock
    tz: tzinfo
    locale: str
    state: FSMContext  # the person's form, if they are in one

    def now(self) -> datetime:
        return self.clock.now()


class Acting(Filter):
    """The person behind the update has consented (as `Registered()`); injects them as
    `actor: Actor`. An update from someone unknown goes on to the next handler."""

    async def __call__(
        self,
        event: TelegramObject,
        uow: UnitOfWork,
        clock: Clock,
        tz: tzinfo,
        locale: str,
        state: FSMContext,
        user: User | None = None,
    ) -> bool | dict[str, Any]:
        if user is None:
            return False
        actor = Actor(uow=uow, user=user, clock=clock, tz=tz, locale=locale, state=state)
        return {"actor": actor}
