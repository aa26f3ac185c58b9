"""Ideas for a pair: the activity offers that fit them (domain/offers.py), from the
"💡 Ideas" menu entry and from the place step of "Plan a meetup". Picking one fills in
the meetup's place and activity; from the menu the day, time and duration come first.
Each person reads an offer in their own language when it has a version in it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from domain import meetups as meetup_service
from domain import offers as service
from domain.errors import DomainError
from handlers import keyboards, meetups
from handlers.actor import Acting, Actor
from handlers.button_table import ButtonTable
from handlers.callbacks import MenuAction, MenuCb
from handlers.common import q
from handlers.filters import Registered, WithMessage
from handlers.inbox_buttons import menu_button
from handlers.meetup_buttons import meet_stop_row
from handlers.offers import answered, offer_error, offer_text
from handlers.offers_buttons import (
    IdeaAction,
    IdeaCb,
    grid,
    idea_button,
    ideas_in_form_button,
    pages_row,
)
from handlers.texts import municipality_label

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.models import ActivityOffer

PRICE_MARK = {"free": "🆓", "reduced": "🏷"}


def _line(number: int, offer: ActivityOffer, locale: str) -> str:
    title, _description = service.version(offer, locale)
    mark = PRICE_MARK.get(offer.price, "💶")
    return f"{number}. {mark} {q(title, locale)} · {municipality_label(offer.municipality, locale)}"


async def _ideas(
    actor: Actor, page: int, pick: IdeaAction, turn: IdeaAction
) -> tuple[str, InlineKeyboardMarkup]:
    """The text and buttons of one page of ideas; `pick` is what a button of an idea
    does, `turn` what the arrows do."""
    today = actor.now().astimezone(actor.tz).date()
    found = await service.suggestions(actor.uow, actor.user, today, page)
    shown, more = found[: service.PAGE], len(found) > service.PAGE
    lines = ["💡 <b>" + _("Ideas for you two") + "</b>"]
    if not shown:
        lines.append(_("No ideas near you right now. You can always choose a place yourself."))
    first = page * service.PAGE + 1
    lines += [_line(number, offer, actor.locale) for number, offer in enumerate(shown, first)]
    buttons = [
        idea_button(f"{number}. {service.version(offer, actor.locale)[0]}"[:60], pick, offer.id)
        for number, offer in enumerate(shown, first)
    ]
    if pick == IdeaAction.TAKE:  # inside the meetup form: back to it
        tail = [idea_button("⬅️ " + _("Back"), IdeaAction.BACK)]
    elif not shown:  # from the menu, and nothing near: plan one anyway, or home
        return "\n".join(lines), keyboards.plan_meetup()
    else:
        tail = [menu_button()]
    markup = grid(buttons, 1, pages_row(IdeaCb, turn, page, more), tail)
    return "\n".join(lines), markup


# --- from the menu ------------------------------------------------------------------------------


async def ideas_screen(message: Message, actor: Actor) -> None:
    """ "💡 Ideas" in the menu."""
    try:
        text, markup = await _ideas(actor, 0, IdeaAction.VIEW, IdeaAction.LIST)
    except DomainError as error:
        await message.answer(
            offer_error(error.key, error.params, actor.locale), reply_markup=keyboards.home_only()
        )
        return
    await message.answer(text, reply_markup=markup)


BUTTONS = ButtonTable(
    IdeaCb, Registered(profile_done=True), Acting(), WithMessage(), answering=answered
)


@BUTTONS.on(IdeaAction.LIST)
async def list_pressed(
    callback: CallbackQuery, callback_data: IdeaCb, message: Message, actor: Actor
) -> None:
    text, markup = await _ideas(actor, callback_data.id, IdeaAction.VIEW, IdeaAction.LIST)
    await message.edit_text(text, reply_markup=markup)


@BUTTONS.on(IdeaAction.VIEW)
async def view_pressed(
    callback: CallbackQuery, callback_data: IdeaCb, message: Message, actor: Actor
) -> None:
    today = actor.now().astimezone(actor.tz).date()
    offer = await service.suggestion(actor.uow, actor.user, callback_data.id, today)
    organisation = await service.organisation_name(actor.uow, offer)
    await message.answer(
        offer_text(offer, organisation, actor.locale, actor.tz, own_language=True),
        reply_markup=grid(
            [
                idea_button("📅 " + _("Plan a meetup here"), IdeaAction.PLAN, offer.id),
                idea_button("💡 " + _("Other ideas"), IdeaAction.LIST),
            ],
            1,
        ),
    )


@BUTTONS.on(IdeaAction.PLAN)
async def plan_pressed(
    callback: CallbackQuery, callback_data: IdeaCb, message: Message, actor: Actor
) -> None:
    """The planning form with the idea's place and activity filled in: only the day, time
    and duration are left to pick."""
    today = actor.now().astimezone(actor.tz).date()
    offer = await service.suggestion(actor.uow, actor.user, callback_data.id, today)
    await meetup_service.active_pair(actor.uow, actor.user)
    await meetups.WHEN.start(
        message,
        actor,
        meetup_id=0,
        offer=offer.id,
        place=service.meetup_place(offer, actor.locale),
        kind=offer.activity_kind,
    )


# --- inside the planning form ---------------------------------------------------------------------


async def _at_place_step(actor: Actor) -> dict[str, object]:
    data = (await actor.state.get_data()).get("meet")
    if await actor.state.get_state() != meetups.MeetupForm.place.state or not isinstance(
        data, dict
    ):
        raise DomainError("stale_button")
    return data


@BUTTONS.on(IdeaAction.FORM)
async def form_pressed(
    callback: CallbackQuery, callback_data: IdeaCb, message: Message, actor: Actor
) -> None:
    await _at_place_step(actor)
    text, markup = await _ideas(actor, callback_data.id, IdeaAction.TAKE, IdeaAction.FORM)
    rows = [*markup.inline_keyboard, meet_stop_row()]
    await message.edit_text(text, reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


@BUTTONS.on(IdeaAction.TAKE)
async def take_pressed(
    callback: CallbackQuery, callback_data: IdeaCb, message: Message, actor: Actor
) -> None:
    """The idea's place and activity go into the proposal, which is shown to send."""
    data = await _at_place_step(actor)
    today = actor.now().astimezone(actor.tz).date()
    offer = await service.suggestion(actor.uow, actor.user, callback_data.id, today)
    data.update(
        offer=offer.id, place=service.meetup_place(offer, actor.locale), kind=offer.activity_kind
    )
    await actor.state.update_data(meet=data)
    await meetups.show_proposal(message, actor.state, data, actor.locale, actor.tz)


@BUTTONS.on(IdeaAction.BACK)
async def back_pressed(callback: CallbackQuery, message: Message, actor: Actor) -> None:
    await _at_place_step(actor)
    await message.edit_text(
        meetups.place_question(),
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[ideas_in_form_button()], meet_stop_row()]
        ),
    )


def create_router() -> Router:
    """The pairs' ideas: the menu entry and the idea buttons."""
    router = Router(name=__name__)
    router.callback_query.register(
        _menu_pressed,
        MenuCb.filter(F.action == MenuAction.IDEAS),
        Registered(profile_done=True),
        WithMessage(),
        Acting(),
    )
    BUTTONS.register(router)
    return router


async def _menu_pressed(callback: CallbackQuery, message: Message, actor: Actor) -> None:
    await callback.answer()
    await ideas_screen(message, actor)
