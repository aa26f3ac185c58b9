"""Partner organisations: coordinators create them and send a one-time invite link;
whoever opens it sees what is kept about them and agrees (their consent) to speak for the
organisation; partners then have their own small menu (their offers, a new offer).

`create_router()` comes before onboarding (the link's /start, a partner's /start and
/help); `create_fallback_router()` just before the catch-all (anything else a partner
sends shows their menu again).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject, CommandStart, Filter
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import gettext as _

from domain import offers as service
from domain.clock import Clock
from domain.errors import DomainError
from handlers.actor import Acting, Actor
from handlers.button_table import ButtonTable
from handlers.common import q
from handlers.coordinator_buttons import IsCoordinator
from handlers.filters import WithMessage
from handlers.flow_answers import NOT_COMMAND
from handlers.inbox import SPOKEN, spoken_outside_a_flow
from handlers.offers import answered, offer_error, replied, show_partner_home
from handlers.offers_buttons import (
    OfferAction,
    PartnerAction,
    PartnerCb,
    grid,
    join_keyboard,
    offer_button,
    organisations_button,
    pages_row,
    partner_button,
)

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.models import User
    from storage.uow import UnitOfWork

INVITE_PREFIX = "partner-"


class IsPartner(Filter):
    """Someone who speaks for a partner organisation."""

    async def __call__(self, event: TelegramObject, user: User | None = None) -> bool:
        return service.is_partner(user)


class OrganisationForm(StatesGroup):
    name = State()


# --- joining through the link ------------------------------------------------------------------


async def invite_opened(
    message: Message, command: CommandObject, uow: UnitOfWork, clock: Clock, locale: str
) -> None:
    """What the link is for and what is kept, before anything is: the person agrees with
    a button (or not)."""
    token = (command.args or "")[len(INVITE_PREFIX) :]
    try:
        organisation = await service.invited_organisation(uow, token, clock.now())
    except DomainError as error:
        await message.answer(offer_error(error.key, error.params, locale))
        return
    await message.answer(
        "🏢 "
        + _(
            "You are invited to publish activity ideas for the buddy pairs on behalf of "
            "{organisation}. I keep your Telegram account, your language and your "
            "organisation; /mydata shows them and /forget erases them. Do you agree?"
        ).format(organisation=q(organisation.name, locale)),
        reply_markup=join_keyboard(token),
    )


async def join_pressed(
    callback: CallbackQuery,
    callback_data: PartnerCb,
    message: Message,
    uow: UnitOfWork,
    clock: Clock,
    locale: str,
    user: User | None = None,
) -> None:
    try:
        person = await service.accept_partner_invite(
            uow,
            telegram_id=callback.from_user.id,
            token=callback_data.value,
            language=user.contact_language if user else locale,
            now=clock.now(),
        )
    except DomainError as error:
        await callback.answer(offer_error(error.key, error.params, locale), show_alert=True)
        return
    await callback.answer()
    await message.edit_reply_markup(reply_markup=None)
    await message.answer("👋 " + _("Welcome! You can now add activity ideas for the pairs."))
    await show_partner_home(message, uow, person)


async def decline_pressed(callback: CallbackQuery, message: Message) -> None:
    await callback.answer()
    await message.edit_reply_markup(reply_markup=None)
    await message.answer(_("Okay, nothing was kept. The link works for a week."))


# --- a partner's home --------------------------------------------------------------------------


async def partner_home(message: Message, uow: UnitOfWork, user: User) -> None:
    await show_partner_home(message, uow, user)


async def partner_anything_else(
    message: Message, uow: UnitOfWork, user: User, clock: Clock, settings: Any, locale: str
) -> None:
    """Anything no flow expects: a voice note reaches a coordinator as anyone's does;
    anything else brings the partner's menu back."""
    if message.content_type in SPOKEN:
        if not await spoken_outside_a_flow(message, uow, user, clock, settings, locale):
            await show_partner_home(message, uow, user)
        return
    await message.answer(_("I did not understand that. Here is your menu."))
    await show_partner_home(message, uow, user)


# --- coordinators: the organisations ----------------------------------------------------------


async def show_organisations(target: Message, actor: Actor, page: int = 0) -> None:
    found = await service.organisations(actor.uow, actor.user, page)
    shown, more = found[: service.PAGE], len(found) > service.PAGE
    lines = ["🏢 <b>" + _("Partner organisations") + "</b>"]
    if not shown:
        lines.append(_("No organisations yet."))
    buttons = [
        partner_button(organisation.name[:60], PartnerAction.ORG, organisation.id)
        for organisation in shown
    ]
    await target.answer(
        "\n".join(lines),
        reply_markup=grid(
            buttons,
            1,
            pages_row(PartnerCb, PartnerAction.ORGS, page, more),
            [partner_button("➕ " + _("New organisation"), PartnerAction.NEW_ORG)],
            [offer_button("💡 " + _("Activity offers"), OfferAction.MINE)],
        ),
    )


async def show_organisation(target: Message, actor: Actor, organisation_id: int) -> None:
    organisation = await service.organisation_in_programme(actor.uow, actor.user, organisation_id)
    await target.answer(
        "🏢 <b>" + q(organisation.name, actor.locale) + "</b>",
        reply_markup=grid(
            [
                partner_button("🔗 " + _("Invite link"), PartnerAction.INVITE, organisation.id),
                offer_button("➕ " + _("Add an offer"), OfferAction.NEW, organisation.id),
                organisations_button(),
            ],
            1,
        ),
    )


async def partners_command(message: Message, actor: Actor) -> None:
    await show_organisations(message, actor)


BUTTONS = ButtonTable(PartnerCb, IsCoordinator(), Acting(), WithMessage(), answering=answered)


@BUTTONS.on(PartnerAction.ORGS)
async def organisations_pressed(
    callback: CallbackQuery, callback_data: PartnerCb, message: Message, actor: Actor
) -> None:
    await show_organisations(message, actor, callback_data.id)


@BUTTONS.on(PartnerAction.ORG)
async def organisation_pressed(
    callback: CallbackQuery, callback_data: PartnerCb, message: Message, actor: Actor
) -> None:
    await show_organisation(message, actor, callback_data.id)


@BUTTONS.on(PartnerAction.NEW_ORG)
async def new_organisation_pressed(callback: CallbackQuery, message: Message, actor: Actor) -> None:
    await actor.state.set_state(OrganisationForm.name)
    await message.answer("🏢 " + _("What is the organisation's name? Please type it."))


@replied
async def organisation_named(message: Message, actor: Actor) -> None:
    organisation = await service.create_organisation(
        actor.uow, actor.user, message.text or "", actor.now()
    )
    await actor.state.set_state(None)
    await show_organisation(message, actor, organisation.id)


@BUTTONS.on(PartnerAction.INVITE)
async def invite_pressed(
    callback: CallbackQuery, callback_data: PartnerCb, message: Message, actor: Actor, bot: Bot
) -> None:
    """A one-time link for someone of the organisation."""
    invite = await service.create_partner_invite(
        actor.uow, actor.user, callback_data.id, actor.now()
    )
    me = await bot.me()
    link = f"https://t.me/{me.username}?start={INVITE_PREFIX}{invite.token}"
    await message.answer(
        _("Send this one-time link to someone of the organisation. It works for 7 days:")
        + f"\n{link}"
    )


# --- routers ----------------------------------------------------------------------------------


def create_router() -> Router:
    """The invite link, a partner's /start and /help, and the coordinators' organisations."""
    router = Router(name=__name__)
    router.message.register(
        invite_opened, CommandStart(deep_link=True, magic=F.args.startswith(INVITE_PREFIX))
    )
    on = router.callback_query.register
    on(join_pressed, PartnerCb.filter(F.action == PartnerAction.JOIN), WithMessage())
    on(decline_pressed, PartnerCb.filter(F.action == PartnerAction.DECLINE), WithMessage())
    router.message.register(partner_home, CommandStart(), IsPartner())
    router.message.register(partner_home, Command("help"), IsPartner())
    router.message.register(partners_command, Command("partners"), IsCoordinator(), Acting())
    router.message.register(
        organisation_named, OrganisationForm.name, F.text, NOT_COMMAND, IsCoordinator(), Acting()
    )
    BUTTONS.register(router)
    return router


def create_fallback_router() -> Router:
    """Anything else a partner sends: their menu again (before the members' catch-all,
    whose menu is not theirs)."""
    router = Router(name=__name__ + ".fallback")
    router.message.register(partner_anything_else, IsPartner())
    return router
