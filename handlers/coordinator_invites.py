"""Joining as a coordinator through a one-time invite link (open to anyone who has it)."""

from __future__ import annotations

from datetime import tzinfo

from aiogram import F, Router
from aiogram.filters import CommandObject, CommandStart
from aiogram.types import Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain import staff
from domain.clock import Clock
from handlers.coordinator_home import show_home
from storage.models import User
from storage.uow import UnitOfWork

INVITE_PREFIX = "coord-"


async def accept_invite(
    message: Message,
    command: CommandObject,
    uow: UnitOfWork,
    clock: Clock,
    i18n: I18n,
    user: User | None,
    tz: tzinfo,
    locale: str,
) -> None:
    """A valid link makes the person a coordinator and shows them the home screen; an
    invalid or used one is refused by the error router ("invite_invalid")."""
    token = (command.args or "")[len(INVITE_PREFIX) :]
    person = await staff.accept_invite(
        uow,
        telegram_id=message.chat.id,
        token=token,
        language=user.contact_language if user else locale,
        now=clock.now(),
    )
    i18n.current_locale = person.contact_language
    await message.answer("👋 " + _("Welcome! You are now a coordinator of this programme."))
    await show_home(message, uow, person, clock, tz, person.contact_language)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(
        accept_invite, CommandStart(deep_link=True, magic=F.args.startswith(INVITE_PREFIX))
    )
    return router
