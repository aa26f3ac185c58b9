"""Meetups: propose a date, time, duration, place and activity; the other accepts,
proposes another time or declines; /meetups lists what is coming."""

from __future__ import annotations

from datetime import timedelta, tzinfo
from typing import TYPE_CHECKING

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from domain import meetups as service
from domain.dutch_practice import Screen as DutchScreen
from domain.errors import DomainError
from domain.profile import ACTIVITY_KINDS
from handlers import keyboards
from handlers.actor import Acting, Actor
from handlers.button_table import ButtonTable
from handlers.common import q
from handlers.dutch_practice import with_dutch
from handlers.dutch_practice_phrases import Confirmation
from handlers.filters import WithMessage
from handlers.flow_answers import answered, form_closer, item_action, register_fallbacks, replied
from handlers.i18n import fmt_date, fmt_time
from handlers.meetup_buttons import MeetAction, MeetCb, meet_stop_row, meetups_list, send_proposal
from handlers.offers_buttons import ideas_in_form_button
from handlers.pickers import format_minutes
from handlers.texts import activity_label
from handlers.when_form import Picked, WhenForm, ask_next, planned_start

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.models import Meetup

CTX = "meet"
PLAN_AHEAD = timedelta(days=120)


class MeetupForm(StatesGroup):
    day = State()
    time = State()
    duration = State()
    place = State()
    kind = State()
    confirm = State()


def meetup_line(meetup: Meetup, locale: str, tz: tzinfo) -> str:
    """ "Saturday 14 March, 14:00 · 2:00 · Library Muntpunt · Culture" in the reader's
    language."""
    return " · ".join(
        [
            fmt_date(meetup.starts_at, locale, tz, "full")
            + ", "
            + fmt_time(meetup.starts_at, locale, tz),
            format_minutes(meetup.duration_minutes, locale),
            q(meetup.place, locale),
            activity_label(meetup.activity_kind),
        ]
    )


WHEN = WhenForm(
    ctx=CTX,
    data_key="meet",
    day=MeetupForm.day,
    time=MeetupForm.time,
    duration=MeetupForm.duration,
    days_back=timedelta(0),
    days_ahead=PLAN_AHEAD,
    first_hour=8,
    questions=lambda: {
        "day": _("Which day would you like to meet?"),
        "time": _("At what time?"),
        "duration": _("How long will you meet?"),
    },
    extra_rows=lambda: [meet_stop_row()],
    done=lambda picked: _when_done(picked),
)


def place_question() -> str:
    return "📍 " + _(
        "Where will you meet? Type the place, for example a café, a library or a "
        "community centre. For a first meeting, choose a public place."
    )


def place_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[ideas_in_form_button()], meet_stop_row()])


# The place step: typed, or "💡 Ideas" (handlers/offers_ideas.py) fills place and activity.
ask_place = ask_next(MeetupForm.place, place_question, place_keyboard)


async def _when_done(picked: Picked) -> None:
    """The day, time and duration are picked: ask the place, unless an idea picked from
    the menu already gave the place and the activity."""
    if picked.data.get("place") and picked.data.get("kind"):
        await picked.callback.answer()
        await show_proposal(picked.message, picked.state, picked.data, picked.locale, picked.tz)
        return
    await ask_place(picked)


async def show_proposal(
    message: Message, state: FSMContext, data: dict[str, object], locale: str, tz: tzinfo
) -> None:
    """The proposal to send, in place of the form's message (the confirm step)."""
    await state.set_state(MeetupForm.confirm)
    starts = planned_start(data, tz)
    summary = " · ".join(
        [
            fmt_date(starts, locale, tz, "full") + ", " + fmt_time(starts, locale, tz),
            format_minutes(int(str(data["minutes"])), locale),
            q(str(data["place"]), locale),
            activity_label(str(data["kind"])),
        ]
    )
    await message.edit_text(_("Your proposal:") + "\n" + summary, reply_markup=send_proposal())


async def start_form(target: Message, actor: Actor, *, meetup_id: int = 0) -> None:
    """Open the planning form: a new meetup, or another time for `meetup_id`."""
    if meetup_id:
        await service.meetup_of(actor.uow, actor.user, meetup_id)
    else:
        await service.active_pair(actor.uow, actor.user)
    await WHEN.start(target, actor, meetup_id=meetup_id)


# --- commands -------------------------------------------------------------------------------


@replied
async def meetup_command(message: Message, actor: Actor) -> None:
    await start_form(message, actor)


async def meetups_command(message: Message, actor: Actor) -> None:
    coming = await service.upcoming(actor.uow, actor.user, actor.now())
    if not coming:
        await message.answer(
            _("No meetups planned. Plan one with /meetup."), reply_markup=keyboards.plan_meetup()
        )
        return
    lines = ["<b>" + _("Your meetups") + "</b>", ""]
    for number, meetup in enumerate(coming, start=1):
        waiting = "" if meetup.status == "accepted" else " ⏳"
        lines.append(f"{number}. {meetup_line(meetup, actor.locale, actor.tz)}{waiting}")
    await message.answer(
        "\n".join(lines), reply_markup=meetups_list([meetup.id for meetup in coming])
    )


# --- the rest of the form ---------------------------------------------------------------------


@replied
async def place_typed(message: Message, state: FSMContext, locale: str) -> None:
    await _place_given(message, state, message.text)


@replied
async def place_shared(message: Message, state: FSMContext, locale: str) -> None:
    """A place picked in Telegram's location sheet (a venue): its name and address."""
    venue = message.venue
    if venue is None:
        return
    await _place_given(message, state, ", ".join(filter(None, (venue.title, venue.address))))


async def place_not_typed(message: Message) -> None:
    """A sticker, a photo or a bare map pin where the place is asked: the question again,
    since only words tell the other person where to go."""
    await message.answer(place_question(), reply_markup=place_keyboard())


async def _place_given(message: Message, state: FSMContext, text: str | None) -> None:
    place = service.validate_place(text)
    data = (await state.get_data()).get("meet") or {}
    data["place"] = place
    await state.update_data(meet=data)
    await state.set_state(MeetupForm.kind)
    await message.answer(
        "🎯 " + _("What will you do together?"),
        reply_markup=keyboards.activity_kinds(
            lambda index: MeetCb(action=MeetAction.KIND, id=index), meet_stop_row()
        ),
    )


BUTTONS = ButtonTable(MeetCb, Acting(), WithMessage(), answering=answered)


@BUTTONS.on(MeetAction.KIND)
async def kind_chosen(
    callback: CallbackQuery, callback_data: MeetCb, message: Message, actor: Actor
) -> None:
    index, state, locale, tz = callback_data.id, actor.state, actor.locale, actor.tz
    data = (await state.get_data()).get("meet")
    if (
        await state.get_state() != MeetupForm.kind.state
        or not isinstance(data, dict)
        or not 0 <= index < len(ACTIVITY_KINDS)
    ):
        raise DomainError("stale_button")
    data["kind"] = ACTIVITY_KINDS[index]
    await state.update_data(meet=data)
    await show_proposal(message, state, data, locale, tz)


@BUTTONS.on(MeetAction.SEND)
async def send(callback: CallbackQuery, message: Message, actor: Actor) -> None:
    data = (await actor.state.get_data()).get("meet")
    if await actor.state.get_state() != MeetupForm.confirm.state or not isinstance(data, dict):
        raise DomainError("stale_button")
    starts_at, minutes = planned_start(data, actor.tz), int(data["minutes"])
    place, kind, now = str(data["place"]), str(data["kind"]), actor.now()
    if starts_at <= now:
        # The time passed while the form was filled in: only the day and time are asked
        # again; the place and activity stay, and the proposal comes back once picked.
        await actor.state.set_state(WHEN.day)
        await WHEN.ask_day(message, actor.locale, now, actor.tz, month=None, edit=True)
        raise DomainError("meetup_in_past")  # said as an alert
    meetup_id = int(data.get("meetup_id") or 0)
    if meetup_id:
        await service.change(
            actor.uow, actor.user, meetup_id,
            starts_at=starts_at, minutes=minutes, place=place, kind=kind, now=now,
        )  # fmt: skip
    else:
        await service.propose(
            actor.uow, actor.user,
            starts_at=starts_at, minutes=minutes, place=place, kind=kind, now=now,
        )  # fmt: skip
    await actor.state.set_state(None)
    await actor.state.update_data(meet=None)
    sent = "📨 " + _("Sent! You will get a message when the other person answers.")
    dutch = Confirmation.SENT  # "Verstuurd!" above it, for someone on "more Dutch"
    day = now.date()
    await message.edit_text(
        with_dutch(sent, actor.user, DutchScreen.MEETUP, actor.locale, day, confirmation=dutch),
        reply_markup=keyboards.home_only(),
    )


BUTTONS.on(MeetAction.STOP)(
    form_closer(lambda: _("Okay, nothing was planned."), "meet", then=keyboards.plan_meetup)
)


# --- buttons on a proposal or a planned meetup ------------------------------------------------


@BUTTONS.on(MeetAction.NEW, MeetAction.COUNTER, MeetAction.RESCHEDULE)
async def plan(
    callback: CallbackQuery, callback_data: MeetCb, message: Message, actor: Actor
) -> None:
    """ "Plan a meetup" (no id), and "another time" on a proposal (counter) or on a planned
    meetup (reschedule)."""
    await start_form(message, actor, meetup_id=callback_data.id)


@BUTTONS.on(MeetAction.ACCEPT)
async def accept(
    callback: CallbackQuery, callback_data: MeetCb, message: Message, actor: Actor
) -> None:
    """Accept a proposal: the meetup is planned ("Afgesproken!" above it for someone on
    "more Dutch", or a Dutch phrase under it)."""
    meetup = await service.accept(actor.uow, actor.user, callback_data.id, actor.now())
    await message.edit_reply_markup(reply_markup=None)
    agreed = (
        "✅ "
        + _("Great, the meetup is planned! You will both get a calendar file and reminders.")
        + "\n"
        + meetup_line(meetup, actor.locale, actor.tz)
    )
    await message.answer(
        with_dutch(
            agreed,
            actor.user,
            DutchScreen.MEETUP,
            actor.locale,
            actor.now().date(),
            confirmation=Confirmation.AGREED,
        ),
        reply_markup=keyboards.home_only(),
    )


BUTTONS.on(MeetAction.DECLINE)(
    item_action(
        service.decline,
        lambda _meetup, _locale, _tz: _(
            "Okay, we told them you cannot come then. You can propose another time with /meetup."
        ),
        then=keyboards.plan_meetup,
    )
)
BUTTONS.on(MeetAction.CANCEL)(
    item_action(
        service.cancel,
        lambda _meetup, _locale, _tz: _("The meetup is cancelled. The other person was told."),
        clear_buttons=False,
        then=keyboards.plan_meetup,
    )
)


def create_router() -> Router:
    """The meetups router: /meetup, /meetups, the planning form and the meetup buttons."""
    router = Router(name=__name__)
    router.message.register(meetup_command, Command("meetup"), Acting())
    router.message.register(meetups_command, Command("meetups"), Acting())
    router.message.register(place_typed, MeetupForm.place, F.text, ~F.text.startswith("/"))
    router.message.register(place_shared, MeetupForm.place, F.venue)
    router.message.register(place_not_typed, MeetupForm.place, ~F.text)
    WHEN.register(router)
    BUTTONS.register(router)
    register_fallbacks(
        router, commands=("meetup", "meetups"), form=MeetupForm, callback_data=MeetCb
    )
    return router
