"""Community events. Coordinators (`router`): /newevent (title, day and time with buttons,
place, capacity, a short description, versions in other languages), /events, an event's
view with who is going, announcing it to a segment, messaging the people going.
Everyone (`people`): the RSVP buttons of an invitation.
"""

from __future__ import annotations

from datetime import date, datetime, tzinfo
from typing import Any

from aiogram import F
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from domain import broadcasts as broadcast_service
from domain import events as service
from domain.clock import Clock
from domain.errors import DomainError
from domain.langid import SUPPORTED_LANGUAGES
from handlers import broadcasts
from handlers.broadcasts import community_error
from handlers.callbacks import COORDINATOR_CALLBACKS
from handlers.common import message_of, q
from handlers.coordinator import COORDINATOR_COMMANDS, HOME_BUTTONS, IsCoordinator
from handlers.i18n import endonym, fmt_date, fmt_time, isolate
from handlers.pickers import (
    PickCb,
    calendar_keyboard,
    parse_day,
    parse_month,
    parse_time,
    time_keyboard,
)
from handlers.routing import HandlerSet
from storage.models import Event, User
from storage.uow import UnitOfWork


class EvCb(CallbackData, prefix="ev"):
    """Event buttons (coordinators): new, list, view/ann/msg (id), cap (value), skip,
    lang (value), save, cancel."""

    action: str
    id: int = 0
    value: str = ""


class RsvpCb(CallbackData, prefix="rsvp"):
    """An answer to an invitation: going, maybe or no."""

    event: int
    answer: str


class EventForm(StatesGroup):
    title = State()
    day = State()
    time = State()
    place = State()
    capacity = State()
    description = State()
    versions = State()
    version = State()


COORDINATOR_COMMANDS.extend(["newevent", "events"])
COORDINATOR_CALLBACKS.append(EvCb)
HOME_BUTTONS.append(
    lambda: InlineKeyboardButton(text="🎉 " + _("Events"), callback_data=EvCb(action="list").pack())
)

router = HandlerSet(__name__)
router.message.filter(IsCoordinator())
router.callback_query.filter(IsCoordinator())
people = HandlerSet(__name__ + ".people")

CTX = "event"
NOT_COMMAND = ~F.text.startswith("/")
CAPACITIES = (10, 20, 30, 50, 100)
PLAN_DAYS = 365


# --- words and keyboards ------------------------------------------------------------------


def _button(text: str, action: str, id: int = 0, value: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=EvCb(action=action, id=id, value=value).pack()
    )


def _cancel_row() -> list[InlineKeyboardButton]:
    return [_button("✖ " + _("Cancel"), "cancel")]


def when_text(starts_at: datetime, locale: str, tz: tzinfo) -> str:
    return fmt_date(starts_at, locale, tz, "full") + ", " + fmt_time(starts_at, locale, tz)


def rsvp_keyboard(event_id: int, chosen: str | None = None) -> InlineKeyboardMarkup:
    labels = {
        "going": "✅ " + _("I'm going"),
        "maybe": "🤔 " + _("Maybe"),
        "no": "✖ " + _("I can't"),
    }
    buttons = [
        InlineKeyboardButton(
            text=("👉 " if answer == chosen else "") + labels[answer],
            callback_data=RsvpCb(event=event_id, answer=answer).pack(),
        )
        for answer in service.ANSWERS
    ]
    return InlineKeyboardMarkup(inline_keyboard=[buttons])


def invitation_text(
    title: str, description: str, starts_at: datetime, place: str, locale: str, tz: tzinfo
) -> str:
    lines = [
        "🎉 <b>" + q(title, locale) + "</b>",
        "",
        "📅 " + when_text(starts_at, locale, tz),
        "📍 " + q(place, locale),
    ]
    if description:
        lines += ["", q(description, locale)]
    lines += ["", _("Will you come? Tap your answer below.")]
    return "\n".join(lines)


def _names(people: list[User], locale: str) -> str:
    return ", ".join(q(person.first_name or "?", locale) for person in people) or "–"


async def show_event(
    target: Message, uow: UnitOfWork, user: User, event_id: int, tz: tzinfo, locale: str
) -> None:
    view = await service.view(uow, user, event_id)
    event = view.event
    lines = [
        "🎉 <b>" + q(event.title, locale) + "</b>",
        "📅 " + when_text(event.starts_at, locale, tz),
        "📍 " + q(event.place, locale),
        "👥 "
        + _("{going} of {capacity} places taken").format(
            going=isolate(len(view.going), locale), capacity=isolate(event.capacity, locale)
        ),
    ]
    if event.description:
        lines += ["", q(event.description, locale)]
    if event.texts:
        lines.append("🌐 " + ", ".join(endonym(code) for code in sorted(event.texts)))
    lines += ["", "<b>" + _("People going") + "</b>: " + _names(view.going, locale)]
    if view.waiting:
        waiting = ", ".join(
            f"{number}. {q(person.first_name or '?', locale)}"
            for number, person in enumerate(view.waiting, start=1)
        )
        lines.append("<b>" + _("Waiting list") + "</b>: " + waiting)
    if view.maybe:
        lines.append("<b>" + _("Maybe") + "</b>: " + _names(view.maybe, locale))
    rows = [[_button("📣 " + _("Announce"), "ann", event.id)]]
    if view.going:
        rows.append([_button("✉️ " + _("Message the people going"), "msg", event.id)])
    rows.append([_button("🔄 " + _("Refresh"), "view", event.id)])
    await target.answer("\n".join(lines), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


async def show_events(
    target: Message, uow: UnitOfWork, user: User, clock: Clock, tz: tzinfo, locale: str
) -> None:
    upcoming = await service.upcoming(uow, user, clock.now())
    rows = []
    lines = ["🎉 <b>" + _("Community events") + "</b>"]
    if not upcoming:
        lines.append(_("No events planned yet."))
    for event, tally in upcoming:
        going = tally.get("going", 0)
        lines.append(
            f"• {fmt_date(event.starts_at, locale, tz, 'medium')} {q(event.title, locale)}"
            f" ({isolate(going, locale)}/{isolate(event.capacity, locale)})"
        )
        rows.append(
            [
                _button(
                    f"{fmt_date(event.starts_at, locale, tz, 'short')} {event.title}"[:60],
                    "view",
                    event.id,
                )
            ]
        )
    rows.append([_button("➕ " + _("New event"), "new")])
    await target.answer("\n".join(lines), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


# --- creating an event ---------------------------------------------------------------------


async def _draft(state: FSMContext) -> dict[str, Any]:
    data = (await state.get_data()).get("ev")
    return dict(data) if isinstance(data, dict) else {}


async def start_form(target: Message, state: FSMContext) -> None:
    await state.set_state(EventForm.title)
    await state.update_data(ev={"texts": {}})
    await target.answer(
        "🎉 " + _("New community event. What is its title? Please type it."),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[_cancel_row()]),
    )


@router.message(Command("newevent"))
async def newevent_command(message: Message, state: FSMContext) -> None:
    await start_form(message, state)


@router.message(Command("events"))
async def events_command(
    message: Message, uow: UnitOfWork, user: User, clock: Clock, tz: tzinfo, locale: str
) -> None:
    await show_events(message, uow, user, clock, tz, locale)


async def _ask_day(
    target: Message, clock: Clock, tz: tzinfo, locale: str, *, month: date | None = None, edit: bool
) -> None:
    today = clock.now().astimezone(tz).date()
    markup = calendar_keyboard(
        month or today.replace(day=1),
        locale=locale,
        ctx=CTX,
        min_day=today,
        max_day=date.fromordinal(today.toordinal() + PLAN_DAYS),
        extra_rows=[_cancel_row()],
    )
    text = "📅 " + _("Which day?")
    if edit:
        await target.edit_text(text, reply_markup=markup)
    else:
        await target.answer(text, reply_markup=markup)


@router.message(EventForm.title, F.text, NOT_COMMAND)
async def title_typed(
    message: Message, state: FSMContext, clock: Clock, tz: tzinfo, locale: str
) -> None:
    try:
        title = service.check_title(message.text)
    except DomainError as error:
        await message.answer(community_error(error.key, error.params, locale))
        return
    await state.update_data(ev={**await _draft(state), "title": title})
    await state.set_state(EventForm.day)
    await _ask_day(message, clock, tz, locale, edit=False)


@router.callback_query(PickCb.filter(F.ctx == CTX))
async def picked(
    callback: CallbackQuery,
    callback_data: PickCb,
    state: FSMContext,
    clock: Clock,
    tz: tzinfo,
    locale: str,
) -> None:
    message = message_of(callback)
    current = await state.get_state()
    draft = await _draft(state)
    kind, value = callback_data.kind, callback_data.value
    now_local = clock.now().astimezone(tz)
    if message is None or current not in (EventForm.day.state, EventForm.time.state):
        await callback.answer(community_error("stale_button", {}, locale))
        return
    if kind == "noop":
        await callback.answer()
        return
    if kind == "month" and current == EventForm.day.state and parse_month(value):
        await callback.answer()
        await _ask_day(message, clock, tz, locale, month=parse_month(value), edit=True)
        return
    day = parse_day(value) if kind == "day" else None
    if current == EventForm.day.state and day is not None and day >= now_local.date():
        await state.update_data(ev={**draft, "day": day.isoformat()})
        await state.set_state(EventForm.time)
        await callback.answer()
        await message.edit_text(
            "🕑 " + _("At what time does it start?"),
            reply_markup=time_keyboard(
                ctx=CTX,
                day=day,
                now_local=now_local if day == now_local.date() else None,
                first_hour=8,
                last_hour=22,
                extra_rows=[_cancel_row()],
            ),
        )
        return
    at = parse_time(value) if kind == "time" else None
    if current == EventForm.time.state and at is not None and "day" in draft:
        starts_at = datetime.combine(date.fromisoformat(draft["day"]), at, tzinfo=tz)
        try:
            service.check_start(starts_at, clock.now())
        except DomainError as error:
            await callback.answer(community_error(error.key, error.params, locale), show_alert=True)
            return
        await state.update_data(ev={**draft, "starts_at": starts_at.isoformat()})
        await state.set_state(EventForm.place)
        await callback.answer()
        await message.edit_text("📍 " + _("Where does it take place? Please type the place."))
        return
    await callback.answer(community_error("invalid_choice", {}, locale), show_alert=True)


@router.message(EventForm.place, F.text, NOT_COMMAND)
async def place_typed(message: Message, state: FSMContext, locale: str) -> None:
    try:
        place = service.check_place(message.text)
    except DomainError as error:
        await message.answer(community_error(error.key, error.params, locale))
        return
    await state.update_data(ev={**await _draft(state), "place": place})
    await state.set_state(EventForm.capacity)
    buttons = [_button(str(n), "cap", value=str(n)) for n in CAPACITIES]
    await message.answer(
        "👥 " + _("How many places are there? Tap a number or type one."),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[buttons, _cancel_row()]),
    )


async def _capacity_chosen(target: Message, state: FSMContext, value: str) -> None:
    capacity = service.check_capacity(value)
    await state.update_data(ev={**await _draft(state), "capacity": capacity})
    await state.set_state(EventForm.description)
    await target.answer(
        "📝 " + _("A short description (what, for whom, what to bring), or tap “Skip”."),
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[_button("⏭ " + _("Skip"), "skip")], _cancel_row()]
        ),
    )


@router.message(EventForm.capacity, F.text, NOT_COMMAND)
async def capacity_typed(message: Message, state: FSMContext, locale: str) -> None:
    try:
        await _capacity_chosen(message, state, message.text or "")
    except DomainError as error:
        await message.answer(community_error(error.key, error.params, locale))


@router.message(EventForm.description, F.text, NOT_COMMAND)
async def description_typed(
    message: Message, state: FSMContext, uow: UnitOfWork, user: User, locale: str
) -> None:
    try:
        description = service.check_description(message.text)
    except DomainError as error:
        await message.answer(community_error(error.key, error.params, locale))
        return
    await state.update_data(ev={**await _draft(state), "description": description})
    await _versions_menu(message, state, uow, user, locale)


async def _versions_menu(
    target: Message, state: FSMContext, uow: UnitOfWork, user: User, locale: str
) -> None:
    await state.set_state(EventForm.versions)
    draft = await _draft(state)
    languages = await broadcast_service.choices(uow, user, "language")
    buttons = [
        _button(
            ("✅ " if code in draft.get("texts", {}) else "➕ ") + endonym(code), "lang", value=code
        )
        for code in languages
        if code != broadcast_service.BASE_LANGUAGE
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([_button("💾 " + _("Save the event"), "save")])
    rows.append(_cancel_row())
    await target.answer(
        "🌐 "
        + _(
            "Add the title and description in another language? Tap a language, or save. "
            "People without a version of their own get the Dutch one."
        ),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
    )


@router.message(EventForm.version, F.text, NOT_COMMAND)
async def version_typed(
    message: Message, state: FSMContext, uow: UnitOfWork, user: User, locale: str
) -> None:
    draft = await _draft(state)
    language = str(draft.get("lang") or "")
    try:
        if language not in SUPPORTED_LANGUAGES or language == broadcast_service.BASE_LANGUAGE:
            raise DomainError("stale_button")
        version = service.check_version(message.text)
    except DomainError as error:
        await message.answer(community_error(error.key, error.params, locale))
        return
    draft["texts"] = {**draft.get("texts", {}), language: version}
    draft.pop("lang", None)
    await state.update_data(ev=draft)
    await _versions_menu(message, state, uow, user, locale)


@router.message(EventForm.title, NOT_COMMAND)
@router.message(EventForm.place, NOT_COMMAND)
@router.message(EventForm.capacity, NOT_COMMAND)
@router.message(EventForm.description, NOT_COMMAND)
@router.message(EventForm.version, NOT_COMMAND)
async def text_expected(message: Message, locale: str) -> None:
    await message.answer(community_error("text_empty", {}, locale))


@router.message(EventForm.day, NOT_COMMAND)
@router.message(EventForm.time, NOT_COMMAND)
@router.message(EventForm.versions, NOT_COMMAND)
async def buttons_expected(message: Message) -> None:
    await message.answer("👇 " + _("Please use the buttons above, or tap “Cancel”."))


async def _save(
    target: Message, state: FSMContext, uow: UnitOfWork, user: User, clock: Clock
) -> Event:
    draft = await _draft(state)
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
    event = await service.create(uow, user, data, clock.now())
    await state.set_state(None)
    await state.update_data(ev={})
    return event


@router.callback_query(EvCb.filter())
async def pressed(
    callback: CallbackQuery,
    callback_data: EvCb,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    tz: tzinfo,
    locale: str,
) -> None:
    message = message_of(callback)
    if message is None:
        await callback.answer()
        return
    action, ident, value = callback_data.action, callback_data.id, callback_data.value
    current = await state.get_state()
    try:
        match action:
            case "new":
                await start_form(message, state)
            case "list":
                await show_events(message, uow, user, clock, tz, locale)
            case "view":
                await show_event(message, uow, user, ident, tz, locale)
            case "ann":
                event = await service.event_in_programme(uow, user, ident)
                if event.starts_at <= clock.now():
                    raise DomainError("event_closed")
                await broadcasts.start(message, state, event_id=event.id)
            case "msg":
                event = await service.event_in_programme(uow, user, ident)
                segment = broadcast_service.Segment("event", str(event.id))
                await broadcasts.start_for_segment(message, state, uow, user, segment, locale)
            case "cap":
                if current != EventForm.capacity.state:
                    raise DomainError("stale_button")
                await _capacity_chosen(message, state, value)
            case "skip":
                if current != EventForm.description.state:
                    raise DomainError("stale_button")
                await state.update_data(ev={**await _draft(state), "description": ""})
                await _versions_menu(message, state, uow, user, locale)
            case "lang":
                if current != EventForm.versions.state:
                    raise DomainError("stale_button")
                if value not in SUPPORTED_LANGUAGES or value == broadcast_service.BASE_LANGUAGE:
                    raise DomainError("invalid_choice")
                await state.update_data(ev={**await _draft(state), "lang": value})
                await state.set_state(EventForm.version)
                await message.answer(
                    "✍️ "
                    + _(
                        "Send the title in {language} on the first line, and the "
                        "description below it."
                    ).format(language=endonym(value)),
                    reply_markup=InlineKeyboardMarkup(inline_keyboard=[_cancel_row()]),
                )
            case "save":
                event = await _save(message, state, uow, user, clock)
                await message.answer("💾 " + _("The event is saved. You can announce it now."))
                await show_event(message, uow, user, event.id, tz, locale)
            case "cancel":
                await state.set_state(None)
                await state.update_data(ev={})
                await message.answer("✖ " + _("Cancelled. Nothing was saved."))
            case _:
                raise DomainError("invalid_choice")
    except DomainError as error:
        await callback.answer(community_error(error.key, error.params, locale), show_alert=True)
        return
    await callback.answer()


# --- everyone: answering an invitation -------------------------------------------------------


@people.callback_query(RsvpCb.filter())
async def answered(
    callback: CallbackQuery,
    callback_data: RsvpCb,
    uow: UnitOfWork,
    user: User | None,
    clock: Clock,
    locale: str,
) -> None:
    message = message_of(callback)
    try:
        result = await service.answer(
            uow, user, callback_data.event, callback_data.answer, clock.now()
        )
    except DomainError as error:
        await callback.answer(community_error(error.key, error.params, locale), show_alert=True)
        return
    if result.answer == "going" and result.waitlisted:
        text = _(
            "The event is full. You are number {position} on the waiting list; we will "
            "tell you when a place becomes free."
        ).format(position=isolate(result.position, locale))
    elif result.answer == "going":
        text = _("You're on the list. See you there! You will get a reminder the day before.")
    elif result.answer == "maybe":
        text = _("Noted: maybe. You can still change your answer.")
    else:
        text = _("Noted: you can't come. Thank you for telling us.")
    await callback.answer(text, show_alert=result.waitlisted)
    if message is not None and not result.unchanged:
        await message.edit_reply_markup(
            reply_markup=rsvp_keyboard(callback_data.event, result.answer)
        )
