"""Community events. Coordinators (`create_router`): /newevent (title, day and time with
buttons, place, capacity, a short description, versions in other languages), /events, an
event's view with who is going, announcing it to a segment, messaging the people going.
Everyone (`create_people_router`): the RSVP buttons of an invitation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from domain import broadcasts as broadcast_service
from domain import events as service
from domain.clock import Clock
from domain.errors import DomainError
from handlers import broadcasts
from handlers.actor import Acting, Actor
from handlers.broadcast_texts import version_language
from handlers.button_table import ButtonTable
from handlers.common import message_of
from handlers.community_errors import answered, community_error, text_expected
from handlers.coordinator_buttons import IsCoordinator
from handlers.event_buttons import (
    EvAction,
    EvCb,
    RsvpAnswer,
    RsvpCb,
    cancel_only,
)
from handlers.event_buttons import rsvp_keyboard as rsvp_keyboard  # re-exported
from handlers.event_form import (
    NOT_COMMAND,
    WHEN,
    EventForm,
    capacity_chosen,
    capacity_typed,
    description_typed,
    form_draft,
    place_typed,
    save,
    start_form,
    title_typed,
    version_typed,
    versions_menu,
)
from handlers.event_screens import invitation_text as invitation_text  # re-exported
from handlers.event_screens import show_event, show_events
from handlers.event_screens import when_text as when_text  # re-exported
from handlers.filters import WithMessage
from handlers.flow_answers import buttons_expected, form_cancelled, screen_button
from handlers.i18n import endonym, isolate

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.models import User
    from storage.uow import UnitOfWork


async def newevent_command(message: Message, state: FSMContext) -> None:
    await start_form(message, state)


async def events_command(message: Message, actor: Actor) -> None:
    await show_events(message, actor)


# --- coordinators' buttons: one handler per action --------------------------------------------

BUTTONS = ButtonTable(EvCb, Acting(), WithMessage(), answering=answered)


BUTTONS.on(EvAction.NEW)(screen_button(lambda message, actor: start_form(message, actor.state)))
BUTTONS.on(EvAction.LIST)(screen_button(show_events))


@BUTTONS.on(EvAction.VIEW)
async def view_pressed(
    callback: CallbackQuery, callback_data: EvCb, message: Message, actor: Actor
) -> None:
    await show_event(message, actor, callback_data.id)


@BUTTONS.on(EvAction.ANNOUNCE)
async def announce_pressed(
    callback: CallbackQuery, callback_data: EvCb, message: Message, actor: Actor
) -> None:
    event = await service.event_in_programme(actor.uow, actor.user, callback_data.id)
    if event.starts_at <= actor.now():
        raise DomainError("event_closed")
    await broadcasts.start(message, actor.state, event_id=event.id)


@BUTTONS.on(EvAction.MESSAGE)
async def message_going_pressed(
    callback: CallbackQuery, callback_data: EvCb, message: Message, actor: Actor
) -> None:
    event = await service.event_in_programme(actor.uow, actor.user, callback_data.id)
    segment = broadcast_service.Segment("event", str(event.id))
    await broadcasts.start_for_segment(message, actor, segment)


async def _at_step(actor: Actor, step: State) -> None:
    """A form button works only at its own step; else it is out of date."""
    if await actor.state.get_state() != step.state:
        raise DomainError("stale_button")


@BUTTONS.on(EvAction.CAPACITY)
async def capacity_pressed(
    callback: CallbackQuery, callback_data: EvCb, message: Message, actor: Actor
) -> None:
    await _at_step(actor, EventForm.capacity)
    await capacity_chosen(message, actor.state, callback_data.value)


@BUTTONS.on(EvAction.SKIP)
async def skip_pressed(callback: CallbackQuery, message: Message, actor: Actor) -> None:
    await _at_step(actor, EventForm.description)
    await actor.state.update_data(ev={**await form_draft(actor.state), "description": ""})
    await versions_menu(message, actor)


@BUTTONS.on(EvAction.LANGUAGE)
async def language_pressed(
    callback: CallbackQuery, callback_data: EvCb, message: Message, actor: Actor
) -> None:
    await _at_step(actor, EventForm.versions)
    value = version_language(callback_data.value, "invalid_choice")
    await actor.state.update_data(ev={**await form_draft(actor.state), "lang": value})
    await actor.state.set_state(EventForm.version)
    await message.answer(
        "✍️ "
        + _("Send the title in {language} on the first line, and the description below it.").format(
            language=endonym(value)
        ),
        reply_markup=cancel_only(),
    )


@BUTTONS.on(EvAction.SAVE)
async def save_pressed(callback: CallbackQuery, message: Message, actor: Actor) -> None:
    event = await save(actor)
    await message.answer("💾 " + _("The event is saved. You can announce it now."))
    await show_event(message, actor, event.id)


BUTTONS.on(EvAction.CANCEL)(form_cancelled(lambda: "✖ " + _("Cancelled. Nothing was saved."), "ev"))


# --- everyone: answering an invitation -------------------------------------------------------


async def rsvp_pressed(
    callback: CallbackQuery,
    callback_data: RsvpCb,
    uow: UnitOfWork,
    user: User | None,
    clock: Clock,
    locale: str,
) -> None:
    """Any of the three answers: the service keeps the capacity and the waiting list."""
    message = message_of(callback)
    try:
        result = await service.answer(
            uow, user, callback_data.event, callback_data.answer.value, clock.now()
        )
    except DomainError as error:
        await callback.answer(community_error(error.key, error.params, locale), show_alert=True)
        return
    await callback.answer(_rsvp_text(result, locale), show_alert=result.waitlisted)
    if message is not None and not result.unchanged:
        await message.edit_reply_markup(
            reply_markup=rsvp_keyboard(callback_data.event, result.answer)
        )


def _rsvp_text(result: service.Answer, locale: str) -> str:
    if result.answer == RsvpAnswer.GOING and result.waitlisted:
        return _(
            "The event is full. You are number {position} on the waiting list; we will "
            "tell you when a place becomes free."
        ).format(position=isolate(result.position, locale))
    if result.answer == RsvpAnswer.GOING:
        return _("You're on the list. See you there! You will get a reminder the day before.")
    if result.answer == RsvpAnswer.MAYBE:
        return _("Noted: maybe. You can still change your answer.")
    return _("Noted: you can't come. Thank you for telling us.")


# --- routers -------------------------------------------------------------------------------------


def create_router() -> Router:
    """The coordinators' events router: /newevent, /events, the form and event buttons."""
    router = Router(name=__name__)
    router.message.filter(IsCoordinator())
    router.callback_query.filter(IsCoordinator())
    message = router.message.register
    message(newevent_command, Command("newevent"))
    message(events_command, Command("events"), Acting())
    for step, typed in (
        (EventForm.title, title_typed),
        (EventForm.place, place_typed),
        (EventForm.capacity, capacity_typed),
        (EventForm.description, description_typed),
        (EventForm.version, version_typed),
    ):
        message(typed, step, F.text, NOT_COMMAND, Acting())
        message(text_expected, step, NOT_COMMAND)
    for step in (EventForm.day, EventForm.time, EventForm.versions):
        message(buttons_expected, step, NOT_COMMAND)

    WHEN.register(router)
    BUTTONS.register(router)
    return router


def create_people_router() -> Router:
    """Everyone's events router: the answers to an invitation, one handler per answer."""
    router = Router(name=__name__ + ".people")
    on = router.callback_query.register
    on(rsvp_pressed, RsvpCb.filter(F.answer == RsvpAnswer.GOING))
    on(rsvp_pressed, RsvpCb.filter(F.answer == RsvpAnswer.MAYBE))
    on(rsvp_pressed, RsvpCb.filter(F.answer == RsvpAnswer.NO))
    return router
