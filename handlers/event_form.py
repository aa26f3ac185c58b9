"""The coordinator's form for a new community event: title, day and time (the shared
"when" pickers, without a duration), place, capacity, description, other languages."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from aiogram import F
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from domain import broadcasts as broadcast_service
from domain import events as service
from domain.errors import DomainError
from handlers.actor import Actor
from handlers.broadcast_texts import version_language
from handlers.community_errors import community_error, replied
from handlers.event_buttons import (
    cancel_only,
    cancel_row,
    capacity_keyboard,
    skip_keyboard,
    versions_keyboard,
)
from handlers.i18n import endonym
from handlers.when_form import Picked, WhenForm

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.models import Event


class EventForm(StatesGroup):
    title = State()
    day = State()
    time = State()
    place = State()
    capacity = State()
    description = State()
    versions = State()
    version = State()


CTX = "event"
NOT_COMMAND = ~F.text.startswith("/")
PLAN_DAYS = 365


# --- creating an event ---------------------------------------------------------------------


async def form_draft(state: FSMContext) -> dict[str, Any]:
    data = (await state.get_data()).get("ev")
    return dict(data) if isinstance(data, dict) else {}


async def _keep(state: FSMContext, **values: object) -> None:
    """Note typed or picked values in the event's draft."""
    await state.update_data(ev={**await form_draft(state), **values})


async def start_form(target: Message, state: FSMContext) -> None:
    await state.set_state(EventForm.title)
    await state.update_data(ev={"texts": {}})
    await target.answer(
        "🎉 " + _("New community event. What is its title? Please type it."),
        reply_markup=cancel_only(),
    )


async def _when_done(picked: Picked) -> None:
    """The day and time are picked: a start in the past is refused, else ask the place."""
    try:
        starts_at = service.check_start(picked.starts_at, picked.now)
    except DomainError as error:
        text = community_error(error.key, error.params, picked.locale)
        await picked.callback.answer(text, show_alert=True)
        return
    await picked.state.update_data(ev={**picked.data, "starts_at": starts_at.isoformat()})
    await picked.state.set_state(EventForm.place)
    await picked.callback.answer()
    await picked.message.edit_text("📍 " + _("Where does it take place? Please type the place."))


WHEN = WhenForm(
    ctx=CTX,
    data_key="ev",
    day=EventForm.day,
    time=EventForm.time,
    duration=None,
    days_back=timedelta(0),
    days_ahead=timedelta(days=PLAN_DAYS),
    first_hour=8,
    last_hour=22,
    questions=lambda: {"day": _("Which day?"), "time": _("At what time does it start?")},
    extra_rows=lambda: [cancel_row()],
    done=_when_done,
)


@replied
async def title_typed(message: Message, actor: Actor) -> None:
    title = service.check_title(message.text)
    await _keep(actor.state, title=title)
    await actor.state.set_state(EventForm.day)
    await WHEN.ask_day(message, actor.locale, actor.now(), actor.tz, month=None, edit=False)


@replied
async def place_typed(message: Message, actor: Actor) -> None:
    place = service.check_place(message.text)
    await _keep(actor.state, place=place)
    await actor.state.set_state(EventForm.capacity)
    await message.answer(
        "👥 " + _("How many places are there? Tap a number or type one."),
        reply_markup=capacity_keyboard(),
    )


async def capacity_chosen(target: Message, state: FSMContext, value: str) -> None:
    capacity = service.check_capacity(value)
    await _keep(state, capacity=capacity)
    await state.set_state(EventForm.description)
    await target.answer(
        "📝 " + _("A short description (what, for whom, what to bring), or tap “Skip”."),
        reply_markup=skip_keyboard(),
    )


@replied
async def capacity_typed(message: Message, actor: Actor) -> None:
    await capacity_chosen(message, actor.state, message.text or "")


@replied
async def description_typed(message: Message, actor: Actor) -> None:
    description = service.check_description(message.text)
    await _keep(actor.state, description=description)
    await versions_menu(message, actor)


async def versions_menu(target: Message, actor: Actor) -> None:
    await actor.state.set_state(EventForm.versions)
    draft = await form_draft(actor.state)
    languages = await broadcast_service.choices(actor.uow, actor.user, "language")
    choices = [
        (("✅ " if code in draft.get("texts", {}) else "➕ ") + endonym(code), code)
        for code in languages
        if code != broadcast_service.BASE_LANGUAGE
    ]
    await target.answer(
        "🌐 "
        + _(
            "Add the title and description in another language? Tap a language, or save. "
            "People without a version of their own get the Dutch one."
        ),
        reply_markup=versions_keyboard(choices),
    )


@replied
async def version_typed(message: Message, actor: Actor) -> None:
    draft = await form_draft(actor.state)
    language = version_language(draft.get("lang"), "stale_button")
    version = service.check_version(message.text)
    draft["texts"] = {**draft.get("texts", {}), language: version}
    draft.pop("lang", None)
    await actor.state.update_data(ev=draft)
    await versions_menu(message, actor)


async def save(actor: Actor) -> Event:
    """The event of the finished form, created; the form is closed."""
    state = actor.state
    draft = await form_draft(state)
    if await state.get_state() != EventForm.versions.state:
        raise DomainError("stale_button")
    try:
        data = service.Draft(
            title=str(draft["title"]),
            starts_at=datetime.fromisoformat(str(draft["starts_at"])),
            place=str(draft["place"]),
            capacity=int(draft["capacity"]),
            description=str(draft.get("description", "")),
            texts=dict(draft.get("texts") or {}),
        )
    except (KeyError, ValueError):
        raise DomainError("stale_button") from None
    event = await service.create(actor.uow, actor.user, data, actor.now())
    await state.set_state(None)
    await state.update_data(ev={})
    return event
