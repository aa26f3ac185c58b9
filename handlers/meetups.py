"""Meetups: propose a date, time, duration, place and activity; the other accepts,
proposes another time or declines; /meetups lists what is coming."""

from __future__ import annotations

from datetime import timedelta, tzinfo
from typing import TYPE_CHECKING

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from domain import meetups as service
from domain.clock import Clock
from domain.errors import DomainError
from domain.profile import ACTIVITY_KINDS
from handlers import keyboards
from handlers.common import q
from handlers.filters import Registered, WithMessage
from handlers.i18n import fmt_date, fmt_time
from handlers.meetup_buttons import MeetAction, MeetCb, meet_stop_row, meetups_list, send_proposal
from handlers.pickers import format_minutes
from handlers.texts import activity_label, error_text
from handlers.when_form import Picked, WhenForm, planned_start

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.models import Meetup, User
    from storage.uow import UnitOfWork

CTX = "meet"
PLAN_AHEAD = timedelta(days=120)
NOT_COMMAND = ~F.text.startswith("/")


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


def _question(step: str) -> str:
    questions = {
        "day": _("Which day would you like to meet?"),
        "time": _("At what time?"),
        "duration": _("How long will you meet?"),
    }
    return questions[step]


async def _when_done(picked: Picked) -> None:
    await picked.state.set_state(MeetupForm.place)
    await picked.callback.answer()
    await picked.message.edit_text(
        "📍 "
        + _(
            "Where will you meet? Type the place, for example a café, a library or a "
            "community centre. For a first meeting, choose a public place."
        ),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[meet_stop_row()]),
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
    question=_question,
    extra_rows=lambda: [meet_stop_row()],
    done=_when_done,
)


async def start_form(
    target: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    tz: tzinfo,
    locale: str,
    *,
    meetup_id: int = 0,
) -> None:
    """Open the planning form: a new meetup, or another time for `meetup_id`."""
    if meetup_id:
        await service.meetup_of(uow, user, meetup_id)
    else:
        await service.active_pair(uow, user)
    await WHEN.start(target, state, clock.now(), tz, locale, meetup_id=meetup_id)


# --- commands -------------------------------------------------------------------------------


async def meetup_command(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    tz: tzinfo,
    locale: str,
) -> None:
    try:
        await start_form(message, state, uow, user, clock, tz, locale)
    except DomainError as error:
        await message.answer(error_text(error.key, error.params, locale))


async def meetups_command(
    message: Message, uow: UnitOfWork, user: User, clock: Clock, tz: tzinfo, locale: str
) -> None:
    coming = await service.upcoming(uow, user, clock.now())
    if not coming:
        await message.answer(_("No meetups planned. Plan one with /meetup."))
        return
    lines = ["<b>" + _("Your meetups") + "</b>", ""]
    for meetup in coming:
        waiting = "" if meetup.status == "accepted" else " ⏳"
        lines.append(f"#{meetup.id} {meetup_line(meetup, locale, tz)}{waiting}")
    lines.append("")
    lines.append(_("🕑 another time · ✖ cancel"))
    await message.answer(
        "\n".join(lines), reply_markup=meetups_list([meetup.id for meetup in coming])
    )


async def not_registered_command(message: Message, locale: str) -> None:
    await message.answer(error_text("not_registered", {}, locale))


# --- the rest of the form ---------------------------------------------------------------------


async def place_typed(message: Message, state: FSMContext, locale: str) -> None:
    try:
        place = service.validate_place(message.text)
    except DomainError as error:
        await message.answer(error_text(error.key, error.params, locale))
        return
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


async def buttons_expected(message: Message) -> None:
    await message.answer("👇 " + _("Please use the buttons above, or tap “Cancel”."))


async def kind_chosen(
    callback: CallbackQuery,
    callback_data: MeetCb,
    message: Message,
    state: FSMContext,
    tz: tzinfo,
    locale: str,
) -> None:
    index = callback_data.id
    data = (await state.get_data()).get("meet")
    if (
        await state.get_state() != MeetupForm.kind.state
        or not isinstance(data, dict)
        or not 0 <= index < len(ACTIVITY_KINDS)
    ):
        await callback.answer(error_text("stale_button", {}, locale), show_alert=True)
        return
    data["kind"] = ACTIVITY_KINDS[index]
    await state.update_data(meet=data)
    await state.set_state(MeetupForm.confirm)
    await callback.answer()
    starts = planned_start(data, tz)
    summary = " · ".join(
        [
            fmt_date(starts, locale, tz, "full") + ", " + fmt_time(starts, locale, tz),
            format_minutes(int(data["minutes"]), locale),
            q(str(data["place"]), locale),
            activity_label(str(data["kind"])),
        ]
    )
    await message.edit_text(_("Your proposal:") + "\n" + summary, reply_markup=send_proposal())


async def send(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    tz: tzinfo,
    locale: str,
) -> None:
    data = (await state.get_data()).get("meet")
    if await state.get_state() != MeetupForm.confirm.state or not isinstance(data, dict):
        await callback.answer(error_text("stale_button", {}, locale), show_alert=True)
        return
    starts_at, minutes = planned_start(data, tz), int(data["minutes"])
    place, kind, now = str(data["place"]), str(data["kind"]), clock.now()
    meetup_id = int(data.get("meetup_id") or 0)
    try:
        if meetup_id:
            await service.change(
                uow, user, meetup_id,
                starts_at=starts_at, minutes=minutes, place=place, kind=kind, now=now,
            )  # fmt: skip
        else:
            await service.propose(
                uow, user, starts_at=starts_at, minutes=minutes, place=place, kind=kind, now=now
            )
    except DomainError as error:
        await callback.answer(error_text(error.key, error.params, locale), show_alert=True)
        return
    await state.set_state(None)
    await state.update_data(meet=None)
    await callback.answer()
    await message.edit_text(
        "📨 " + _("Sent! You will get a message when the other person answers.")
    )


async def stop(callback: CallbackQuery, message: Message, state: FSMContext) -> None:
    await state.set_state(None)
    await state.update_data(meet=None)
    await callback.answer()
    await message.edit_text(_("Okay, nothing was planned."))


# --- buttons on a proposal or a planned meetup ------------------------------------------------


async def plan_new(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    tz: tzinfo,
    locale: str,
) -> None:
    try:
        await start_form(message, state, uow, user, clock, tz, locale)
    except DomainError as error:
        await callback.answer(error_text(error.key, error.params, locale), show_alert=True)
        return
    await callback.answer()


async def plan_another_time(
    callback: CallbackQuery,
    callback_data: MeetCb,
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    tz: tzinfo,
    locale: str,
) -> None:
    """ "Another time" on a proposal (counter) and on a planned meetup (reschedule)."""
    try:
        await start_form(message, state, uow, user, clock, tz, locale, meetup_id=callback_data.id)
    except DomainError as error:
        await callback.answer(error_text(error.key, error.params, locale), show_alert=True)
        return
    await callback.answer()


async def accept(
    callback: CallbackQuery,
    callback_data: MeetCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    tz: tzinfo,
    locale: str,
) -> None:
    try:
        meetup = await service.accept(uow, user, callback_data.id, clock.now())
    except DomainError as error:
        await callback.answer(error_text(error.key, error.params, locale), show_alert=True)
        return
    await callback.answer()
    await message.edit_reply_markup(reply_markup=None)
    await message.answer(
        "✅ "
        + _("Great, the meetup is planned! You will both get a calendar file and reminders.")
        + "\n"
        + meetup_line(meetup, locale, tz)
    )


async def decline(
    callback: CallbackQuery,
    callback_data: MeetCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    locale: str,
) -> None:
    try:
        await service.decline(uow, user, callback_data.id, clock.now())
    except DomainError as error:
        await callback.answer(error_text(error.key, error.params, locale), show_alert=True)
        return
    await callback.answer()
    await message.edit_reply_markup(reply_markup=None)
    await message.answer(
        _("Okay, we told them you cannot come then. You can propose another time with /meetup.")
    )


async def cancel(
    callback: CallbackQuery,
    callback_data: MeetCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    locale: str,
) -> None:
    try:
        await service.cancel(uow, user, callback_data.id, clock.now())
    except DomainError as error:
        await callback.answer(error_text(error.key, error.params, locale), show_alert=True)
        return
    await callback.answer()
    await message.answer(_("The meetup is cancelled. The other person was told."))


async def not_registered(callback: CallbackQuery, locale: str) -> None:
    """Buttons pressed by someone the bot does not know, or on a message it cannot edit."""
    await callback.answer(error_text("not_registered", {}, locale), show_alert=True)


def create_router() -> Router:
    """The meetups router: /meetup, /meetups, the planning form and the meetup buttons."""
    router = Router(name=__name__)
    router.message.register(meetup_command, Command("meetup"), Registered())
    router.message.register(meetups_command, Command("meetups"), Registered())
    router.message.register(not_registered_command, Command("meetup", "meetups"))
    router.message.register(place_typed, MeetupForm.place, F.text, NOT_COMMAND)
    for step in MeetupForm.__states__:
        router.message.register(buttons_expected, step, NOT_COMMAND)

    WHEN.register(router)
    on = router.callback_query.register

    def press(action: MeetAction) -> CallbackQueryFilter:
        return MeetCb.filter(F.action == action)

    on(plan_new, press(MeetAction.NEW), Registered(), WithMessage())
    on(plan_another_time, press(MeetAction.COUNTER), Registered(), WithMessage())
    on(plan_another_time, press(MeetAction.RESCHEDULE), Registered(), WithMessage())
    on(accept, press(MeetAction.ACCEPT), Registered(), WithMessage())
    on(decline, press(MeetAction.DECLINE), Registered(), WithMessage())
    on(cancel, press(MeetAction.CANCEL), Registered(), WithMessage())
    on(kind_chosen, press(MeetAction.KIND), Registered(), WithMessage())
    on(send, press(MeetAction.SEND), Registered(), WithMessage())
    on(stop, press(MeetAction.STOP), Registered(), WithMessage())
    on(not_registered, MeetCb.filter())
    return router
