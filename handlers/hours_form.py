"""The forms of the hours area: the − / + duration control (after a meetup, or when
correcting an entry) and the /log form's day, time and duration (the shared pickers)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta
from typing import TYPE_CHECKING

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from domain import hours as service
from domain import meetups as meetup_service
from domain.errors import DomainError
from handlers import keyboards
from handlers.actor import Actor
from handlers.meetup_buttons import HourAction, HourCb, hour_stop_row
from handlers.pickers import PickCb, adjust_keyboard, format_minutes, parse_minutes
from handlers.placements_buttons import host_log_rows
from handlers.texts import error_text
from handlers.when_form import Picked, WhenForm

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    pass


ADJUST = "hrs"  # the duration control after a meetup, or when correcting an entry
LOG = "log"  # the /log form


class HoursForm(StatesGroup):
    adjust = State()  # data: hours={"meetup_id" or "entry_id", "minutes"}
    day = State()
    time = State()
    duration = State()
    kind = State()


def adjust_markup(minutes: int, locale: str) -> InlineKeyboardMarkup:
    return adjust_keyboard(
        minutes,
        ctx=ADJUST,
        locale=locale,
        confirm_label="✅ " + format_minutes(minutes, locale),
        extra_rows=[hour_stop_row()],
    )


def saved_text(minutes: int, locale: str) -> str:
    return "📝 " + _("Saved: {duration}. The other person will be asked to confirm.").format(
        duration=format_minutes(minutes, locale)
    )


async def refuse(callback: CallbackQuery, error: DomainError, locale: str) -> None:
    await callback.answer(error_text(error.key, error.params, locale), show_alert=True)


# --- the − / + duration control ------------------------------------------------------------


async def _adjust_data(state: FSMContext) -> dict[str, object] | None:
    data = (await state.get_data()).get("hours")
    return dict(data) if isinstance(data, dict) else None


async def _checked(
    callback: CallbackQuery, callback_data: PickCb, actor: Actor
) -> tuple[dict[str, object], int] | None:
    """The form's data and the pressed duration; None once the press is answered as out of
    date (the form is gone) or out of range."""
    data = await _adjust_data(actor.state)
    minutes = parse_minutes(callback_data.value)
    if data is None:
        await callback.answer(error_text("stale_button", {}, actor.locale))
        return None
    if minutes is None or not meetup_service.MIN_MINUTES <= minutes <= meetup_service.MAX_MINUTES:
        await callback.answer(
            error_text("duration_out_of_range", {}, actor.locale), show_alert=True
        )
        return None
    return data, minutes


# What a duration button does once its press is known to be valid.
DurationStep = Callable[[CallbackQuery, Message, Actor, dict[str, object], int], Awaitable[None]]


def _duration_button(step: DurationStep) -> Callable[..., Awaitable[None]]:
    """The handler of a duration button: a press on a gone form or out of range is answered
    by `_checked`; else `step(callback, message, actor, data, minutes)`."""

    async def pressed(
        callback: CallbackQuery, callback_data: PickCb, message: Message, actor: Actor
    ) -> None:
        checked = await _checked(callback, callback_data, actor)
        if checked is not None:
            await step(callback, message, actor, *checked)

    return pressed


async def _adjusted(
    callback: CallbackQuery, message: Message, actor: Actor, data: dict[str, object], minutes: int
) -> None:
    """− or +: show the new value; nothing is saved yet."""
    data["minutes"] = minutes
    await actor.state.update_data(hours=data)
    await callback.answer()
    await message.edit_reply_markup(reply_markup=adjust_markup(minutes, actor.locale))


async def _confirmed(
    callback: CallbackQuery, message: Message, actor: Actor, data: dict[str, object], minutes: int
) -> None:
    """The green button: the hours of the meetup, or the corrected entry, are saved."""
    # Not `@answered`: the press is answered here or, refused, as an alert.
    try:
        if data.get("meetup_id"):
            meetup_id = int(str(data["meetup_id"]))
            await service.meetup_took_place(actor.uow, actor.user, meetup_id, minutes, actor.now())
        else:
            entry_id = int(str(data["entry_id"]))
            await service.correct(actor.uow, actor.user, entry_id, minutes, actor.now())
    except DomainError as error:
        await refuse(callback, error, actor.locale)
        return
    await actor.state.set_state(None)
    await actor.state.update_data(hours=None)
    await callback.answer()
    await message.edit_text(saved_text(minutes, actor.locale), reply_markup=keyboards.home_only())


adjusted = _duration_button(_adjusted)
duration_confirmed = _duration_button(_confirmed)


async def adjust_stale(callback: CallbackQuery, locale: str) -> None:
    await callback.answer(error_text("stale_button", {}, locale))


# --- /log ------------------------------------------------------------------------------


def kind_markup(hosts: object, locale: str) -> InlineKeyboardMarkup:
    """The activity kinds, and above them volunteering with each host where the pair's
    application was confirmed (`hosts`: the [id, name] pairs kept when /log opened)."""
    kinds = keyboards.activity_kinds(
        lambda index: HourCb(action=HourAction.KIND, id=index), hour_stop_row()
    )
    rows = host_log_rows(hosts, locale) if isinstance(hosts, list) else []
    return InlineKeyboardMarkup(inline_keyboard=[*rows, *kinds.inline_keyboard])


async def _ask_kind(picked: Picked) -> None:
    """The last step of /log: what they did together."""
    await picked.state.set_state(HoursForm.kind)
    await picked.callback.answer()
    await picked.message.edit_text(
        "🎯 " + _("What did you do together?"),
        reply_markup=kind_markup(picked.data.get("hosts"), picked.locale),
    )


WHEN = WhenForm(
    ctx=LOG,
    data_key="log",
    day=HoursForm.day,
    time=HoursForm.time,
    duration=HoursForm.duration,
    days_back=service.MAX_AGE,
    days_ahead=timedelta(0),
    first_hour=7,
    questions=lambda: {
        "day": _("On which day did you spend time together?"),
        "time": _("At what time did you start?"),
        "duration": _("How long?"),
    },
    extra_rows=lambda: [hour_stop_row()],
    done=_ask_kind,
)
