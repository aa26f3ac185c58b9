"""The coordinators of a programme: the list, one-time invites, removing one."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from domain import staff
from domain.clock import Clock
from handlers.common import q
from handlers.coordinator_buttons import (
    CoordAction,
    CoordCb,
    IsCoordinator,
    coordinators_keyboard,
)
from handlers.filters import WithMessage
from storage.models import User
from storage.uow import UnitOfWork


async def show_coordinators(target: Message, uow: UnitOfWork, user: User, locale: str) -> None:
    people = await staff.coordinators(uow, user)
    lines = ["<b>" + _("Coordinators") + "</b>", ""]
    for person in people:
        lines.append(f"• {q(person.first_name or str(person.telegram_id), locale)}")
    await target.answer("\n".join(lines), reply_markup=coordinators_keyboard(people, user))


async def coordinators_command(message: Message, uow: UnitOfWork, user: User, locale: str) -> None:
    await show_coordinators(message, uow, user, locale)


async def coordinators_pressed(
    callback: CallbackQuery, message: Message, uow: UnitOfWork, user: User, locale: str
) -> None:
    await show_coordinators(message, uow, user, locale)
    await callback.answer()


async def make_invite(target: Message, bot: Bot, uow: UnitOfWork, user: User, clock: Clock) -> None:
    """A one-time deep link that makes whoever opens it a coordinator."""
    invite = await staff.create_invite(uow, user, clock.now())
    me = await bot.me()
    link = f"https://t.me/{me.username}?start=coord-{invite.token}"
    await target.answer(
        _("Send this one-time link to the new coordinator. It works for 7 days:") + f"\n{link}"
    )


async def invite_command(
    message: Message, bot: Bot, uow: UnitOfWork, user: User, clock: Clock
) -> None:
    await make_invite(message, bot, uow, user, clock)


async def invite_pressed(
    callback: CallbackQuery, message: Message, bot: Bot, uow: UnitOfWork, user: User, clock: Clock
) -> None:
    await make_invite(message, bot, uow, user, clock)
    await callback.answer()


async def remove_pressed(
    callback: CallbackQuery,
    callback_data: CoordCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    bootstrap_coordinators: frozenset[int],
) -> None:
    await staff.remove_coordinator(uow, user, callback_data.id, bootstrap_coordinators)
    await callback.answer()
    await message.answer(_("This person is no longer a coordinator."))


def create_router() -> Router:
    """The coordinators screens, for coordinators only."""
    router = Router(name=__name__)
    router.message.filter(IsCoordinator())
    router.callback_query.filter(IsCoordinator(), WithMessage())
    router.message.register(coordinators_command, Command("coordinators"))
    router.message.register(invite_command, Command("invite"))
    callbacks = router.callback_query
    callbacks.register(coordinators_pressed, CoordCb.filter(F.action == CoordAction.COORDINATORS))
    callbacks.register(invite_pressed, CoordCb.filter(F.action == CoordAction.INVITE))
    callbacks.register(remove_pressed, CoordCb.filter(F.action == CoordAction.REMOVE_COORDINATOR))
    return router
