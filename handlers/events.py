"""Community events. Coordinators (`create_router`): /newevent (title, day and time with
buttons, place, capacity, a short description, versions in other languages), /events, an
event's view with who is going, announcing it to a segment, messaging the people going.
Everyone (`create_people_router`): the RSVP buttons of an invitation.
"""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message
from aiogram.utils.i18n import gettext as _

from domain import broadcasts as broadcast_service
from domain import events as service
from domain.clock import Clock
from domain.errors import DomainError
from domain.langid import SUPPORTED_LANGUAGES
from handlers import broadcasts
from handlers.callbacks import COORDINATOR_CALLBACKS
from handlers.common import message_of
from handlers.community_errors import answered, community_error
from handlers.coordinator_buttons import COORDINATOR_COMMANDS, HOME_BUTTONS, IsCoordinator
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
    buttons_expected,
    capacity_chosen,
    capacity_typed,
    description_typed,
    form_draft,
    place_typed,
    save,
    start_form,
    text_expected,
    title_typed,
    version_typed,
    versions_menu,
)
from handlers.event_screens import invitation_text as invitation_text  # re-exported
from handlers.event_screens import show_event, show_events
from handlers.event_screens import when_text as when_text  # re-exported
from handlers.filters import WithMessage
from handlers.i18n import endonym, isolate

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.models import User
    from storage.uow import UnitOfWork

COORDINATOR_COMMANDS.extend(["newevent", "events"])
COORDINATOR_CALLBACKS.append(EvCb)
HOME_BUTTONS.append(
    lambda: InlineKeyboardButton(
        text="🎉 " + _("Events"), callback_data=EvCb(action=EvAction.LIST).pack()
    )
)


async def newevent_command(message: Message, state: FSMContext) -> None:
    await start_form(message, state)


async def events_command(
    message: Message, uow: UnitOfWork, user: User, clock: Clock, tz: tzinfo, locale: str
) -> None:
    await show_events(message, uow, user, clock, tz, locale)


# --- coordinators' buttons: one handler per action --------------------------------------------


@answered
async def new_pressed(
    callback: CallbackQuery, message: Message, state: FSMContext, locale: str
) -> None:
    await start_form(message, state)


@answered
async def list_pressed(
    callback: CallbackQuery,
    message: Message,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    tz: tzinfo,
    locale: str,
) -> None:
    await show_events(message, uow, user, clock, tz, locale)


@answered
async def view_pressed(
    callback: CallbackQuery,
    callback_data: EvCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    tz: tzinfo,
    locale: str,
) -> None:
    await show_event(message, uow, user, callback_data.id, tz, locale)


@answered
async def announce_pressed(
    callback: CallbackQuery,
    callback_data: EvCb,
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    locale: str,
) -> None:
    event = await service.event_in_programme(uow, user, callback_data.id)
    if event.starts_at <= clock.now():
        raise DomainError("event_closed")
    await broadcasts.start(message, state, event_id=event.id)


@answered
async def message_going_pressed(
    callback: CallbackQuery,
    callback_data: EvCb,
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    locale: str,
) -> None:
    event = await service.event_in_programme(uow, user, callback_data.id)
    segment = broadcast_service.Segment("event", str(event.id))
    await broadcasts.start_for_segment(message, state, uow, user, segment, locale)


@answered
async def capacity_pressed(
    callback: CallbackQuery,
    callback_data: EvCb,
    message: Message,
    state: FSMContext,
    locale: str,
) -> None:
    if await state.get_state() != EventForm.capacity.state:
        raise DomainError("stale_button")
    await capacity_chosen(message, state, callback_data.value)


@answered
async def skip_pressed(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    locale: str,
) -> None:
    if await state.get_state() != EventForm.description.state:
        raise DomainError("stale_button")
    await state.update_data(ev={**await form_draft(state), "description": ""})
    await versions_menu(message, state, uow, user, locale)


@answered
async def language_pressed(
    callback: CallbackQuery,
    callback_data: EvCb,
    message: Message,
    state: FSMContext,
    locale: str,
) -> None:
    value = callback_data.value
    if await state.get_state() != EventForm.versions.state:
        raise DomainError("stale_button")
    if value not in SUPPORTED_LANGUAGES or value == broadcast_service.BASE_LANGUAGE:
        raise DomainError("invalid_choice")
    await state.update_data(ev={**await form_draft(state), "lang": value})
    await state.set_state(EventForm.version)
    await message.answer(
        "✍️ "
        + _("Send the title in {language} on the first line, and the description below it.").format(
            language=endonym(value)
        ),
        reply_markup=cancel_only(),
    )


@answered
async def save_pressed(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    tz: tzinfo,
    locale: str,
) -> None:
    event = await save(message, state, uow, user, clock)
    await message.answer("💾 " + _("The event is saved. You can announce it now."))
    await show_event(message, uow, user, event.id, tz, locale)


@answered
async def cancel_pressed(
    callback: CallbackQuery, message: Message, state: FSMContext, locale: str
) -> None:
    await state.set_state(None)
    await state.update_data(ev={})
    await message.answer("✖ " + _("Cancelled. Nothing was saved."))


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
    message(events_command, Command("events"))
    message(title_typed, EventForm.title, F.text, NOT_COMMAND)
    message(place_typed, EventForm.place, F.text, NOT_COMMAND)
    message(capacity_typed, EventForm.capacity, F.text, NOT_COMMAND)
    message(description_typed, EventForm.description, F.text, NOT_COMMAND)
    message(version_typed, EventForm.version, F.text, NOT_COMMAND)
    for step in (EventForm.title, EventForm.place, EventForm.capacity):
        message(text_expected, step, NOT_COMMAND)
    for step in (EventForm.description, EventForm.version):
        message(text_expected, step, NOT_COMMAND)
    for step in (EventForm.day, EventForm.time, EventForm.versions):
        message(buttons_expected, step, NOT_COMMAND)

    WHEN.register(router)

    def press(action: EvAction) -> CallbackQueryFilter:
        return EvCb.filter(F.action == action)

    on = router.callback_query.register
    on(new_pressed, press(EvAction.NEW), WithMessage())
    on(list_pressed, press(EvAction.LIST), WithMessage())
    on(view_pressed, press(EvAction.VIEW), WithMessage())
    on(announce_pressed, press(EvAction.ANNOUNCE), WithMessage())
    on(message_going_pressed, press(EvAction.MESSAGE), WithMessage())
    on(capacity_pressed, press(EvAction.CAPACITY), WithMessage())
    on(skip_pressed, press(EvAction.SKIP), WithMessage())
    on(language_pressed, press(EvAction.LANGUAGE), WithMessage())
    on(save_pressed, press(EvAction.SAVE), WithMessage())
    on(cancel_pressed, press(EvAction.CANCEL), WithMessage())
    return router


def create_people_router() -> Router:
    """Everyone's events router: the answers to an invitation, one handler per answer."""
    router = Router(name=__name__ + ".people")
    on = router.callback_query.register
    on(rsvp_pressed, RsvpCb.filter(F.answer == RsvpAnswer.GOING))
    on(rsvp_pressed, RsvpCb.filter(F.answer == RsvpAnswer.MAYBE))
    on(rsvp_pressed, RsvpCb.filter(F.answer == RsvpAnswer.NO))
    return router
