"""The coordinators of a programme: the list, one-time invites, removing one."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from domain import staff
from domain.clock import Clock
from handlers.common import q
from handlers.coordinator_buttons import (
    CoordAction,
    CoordCb,
    coordinator_router,
    coordinators_keyboard,
)
from storage.models import User
from storage.uow import UnitOfWork


async def show_coordinators(target: Message, uow: UnitOfWork, user: User, locale: str) -> None:
    people = await staff.coordinators(uow, user)
    lines = ["<b>" + _("Coordinators") + "</b>", ""]
    for person in people:
        lines.append(f"• {q(person.first_name or str(person.telegram_id), locale)}")
    await target.answer("\n".join(lines), reply_markup=coordinators_keyboard(people, user))


async def make_invite(target: Message, bot: Bot, uow: UnitOfWork, user: User, clock: Clock) -> None:
    """A one-time deep link that makes whoever opens it a coordinator."""
    invite = await staff.create_invite(uow, user, clock.now())
    me = await bot.me()
    link = f"https://t.me/{me.username}?start=coord-{invite.token}"
    await target.answer(
        _("Send this one-time link to the new coordinator. It works for 7 days:") + f"\n{link}"
    )


async def remove_coordinator(
    message: Message,
    callback_data: CoordCb,
    uow: UnitOfWork,
    user: User,
    bootstrap_coordinators: frozenset[int],
) -> None:
    await staff.remove_coordinator(uow, user, callback_data.id, bootstrap_coordinators)
    await message.answer(_("This person is no longer a coordinator."))


def create_router() -> Router:
    """The coordinators screens, for coordinators only."""
    return coordinator_router(
        __name__,
        commands={"coordinators": show_coordinators, "invite": make_invite},
        buttons={
            CoordAction.COORDINATORS: show_coordinators,
            CoordAction.INVITE: make_invite,
            CoordAction.REMOVE_COORDINATOR: remove_coordinator,
        },
    )
