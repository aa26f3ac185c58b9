"""Hours together: "did it take place?", logging hours without a meetup (/log),
confirming or disputing the other's entry, and /progress toward the target."""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from domain import hours as service
from domain import meetups as meetup_service
from domain.clock import Clock
from domain.errors import DomainError
from domain.profile import ACTIVITY_KINDS
from handlers.filters import Registered, WithMessage
from handlers.hours_form import (
    ADJUST,
    WHEN,
    HoursForm,
    adjust_markup,
    adjust_stale,
    adjusted,
    duration_confirmed,
    refuse,
    saved_text,
)
from handlers.i18n import fmt_number
from handlers.meetup_buttons import MISSED_REASONS, HourAction, HourCb, why_missed
from handlers.pickers import PickCb, PickKind, format_minutes
from handlers.texts import activity_label, error_text
from handlers.when_form import planned_start

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.models import User
    from storage.uow import UnitOfWork

BAR = 10
NOT_COMMAND = ~F.text.startswith("/")


def progress_bar(done: int, target: int) -> str:
    filled = min(BAR, done * BAR // target) if target else 0
    return "▓" * filled + "░" * (BAR - filled)


# --- after a meetup ---------------------------------------------------------------------


async def meetup_happened(
    callback: CallbackQuery,
    callback_data: HourCb,
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    locale: str,
) -> None:
    try:
        meetup, _pair = await meetup_service.meetup_of(uow, user, callback_data.id)
    except DomainError as error:
        await refuse(callback, error, locale)
        return
    await state.set_state(HoursForm.adjust)
    await state.update_data(hours={"meetup_id": meetup.id, "minutes": meetup.duration_minutes})
    await callback.answer()
    await message.edit_reply_markup(reply_markup=None)
    await message.answer(
        "⏱ " + _("How long did it last? Tap − or + to change, then the green button."),
        reply_markup=adjust_markup(meetup.duration_minutes, locale),
    )


async def meetup_missed(
    callback: CallbackQuery,
    callback_data: HourCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    locale: str,
) -> None:
    try:
        await meetup_service.meetup_of(uow, user, callback_data.id)
    except DomainError as error:
        await refuse(callback, error, locale)
        return
    await callback.answer()
    await message.edit_reply_markup(reply_markup=why_missed(callback_data.id))


async def why_missed_chosen(
    callback: CallbackQuery,
    callback_data: HourCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    locale: str,
) -> None:
    try:
        if not 0 <= callback_data.arg < len(MISSED_REASONS):
            raise DomainError("invalid_choice")
        reason = MISSED_REASONS[callback_data.arg]
        await service.meetup_did_not_happen(uow, user, callback_data.id, reason, clock.now())
    except DomainError as error:
        await refuse(callback, error, locale)
        return
    await callback.answer()
    await message.edit_text(_("Thank you for letting us know."))


async def confirm(
    callback: CallbackQuery,
    callback_data: HourCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    locale: str,
) -> None:
    try:
        entry = await service.confirm(uow, user, callback_data.id, clock.now())
    except DomainError as error:
        await refuse(callback, error, locale)
        return
    await callback.answer()
    await message.edit_reply_markup(reply_markup=None)
    await message.answer(
        "✅ "
        + _("Confirmed: {duration}. Thank you!").format(
            duration=format_minutes(entry.minutes, locale)
        )
    )


async def dispute(
    callback: CallbackQuery,
    callback_data: HourCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    locale: str,
) -> None:
    try:
        await service.dispute(uow, user, callback_data.id, clock.now())
    except DomainError as error:
        await refuse(callback, error, locale)
        return
    await callback.answer()
    await message.edit_reply_markup(reply_markup=None)
    await message.answer(_("Okay. A coordinator will look at it with you both."))


async def fix(
    callback: CallbackQuery,
    callback_data: HourCb,
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    locale: str,
) -> None:
    try:
        entry, _pair = await service.entry_of(uow, user, callback_data.id)
        if entry.logged_by != user.id:
            raise DomainError("not_your_entry")
    except DomainError as error:
        await refuse(callback, error, locale)
        return
    await state.set_state(HoursForm.adjust)
    await state.update_data(hours={"entry_id": entry.id, "minutes": entry.minutes})
    await callback.answer()
    await message.answer(
        "⏱ " + _("How long was it really?"), reply_markup=adjust_markup(entry.minutes, locale)
    )


async def stop(callback: CallbackQuery, message: Message, state: FSMContext) -> None:
    await state.set_state(None)
    await state.update_data(hours=None, log=None)
    await callback.answer()
    await message.edit_text(_("Okay, nothing was saved."))


async def not_registered(callback: CallbackQuery, locale: str) -> None:
    """Buttons pressed by someone the bot does not know, or on a message it cannot edit."""
    await callback.answer(error_text("not_registered", {}, locale), show_alert=True)


async def log_command(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    tz: tzinfo,
    locale: str,
) -> None:
    try:
        await meetup_service.active_pair(uow, user)
    except DomainError as error:
        await message.answer(error_text(error.key, error.params, locale))
        return
    await WHEN.start(message, state, clock.now(), tz, locale)


async def log_kind(
    callback: CallbackQuery,
    callback_data: HourCb,
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    tz: tzinfo,
    locale: str,
) -> None:
    index = callback_data.id
    data = (await state.get_data()).get("log")
    try:
        if (
            await state.get_state() != HoursForm.kind.state
            or not isinstance(data, dict)
            or not 0 <= index < len(ACTIVITY_KINDS)
        ):
            raise DomainError("stale_button")
        entry = await service.log(
            uow,
            user,
            started_at=planned_start(data, tz),
            minutes=int(data["minutes"]),
            kind=ACTIVITY_KINDS[index],
            now=clock.now(),
        )
    except DomainError as error:
        await refuse(callback, error, locale)
        return
    await state.set_state(None)
    await state.update_data(log=None)
    await callback.answer()
    await message.edit_text(saved_text(entry.minutes, locale))


async def buttons_expected(message: Message) -> None:
    await message.answer("👇 " + _("Please use the buttons above, or tap “Cancel”."))


# --- /progress ---------------------------------------------------------------------------


async def progress_command(
    message: Message, uow: UnitOfWork, user: User, clock: Clock, locale: str
) -> None:
    try:
        _pair, progress = await service.progress(uow, user, clock.now())
    except DomainError as error:
        await message.answer(error_text(error.key, error.params, locale))
        return
    await message.answer(progress_text(progress, locale))


async def not_registered_command(message: Message, locale: str) -> None:
    await message.answer(error_text("not_registered", {}, locale))


def progress_text(progress: service.Progress, locale: str) -> str:
    hours = progress.confirmed_minutes / 60
    share = (
        min(100, round(100 * progress.confirmed_minutes / (progress.target_hours * 60)))
        if progress.target_hours
        else 0
    )
    lines = [
        "<b>" + _("Your hours together") + "</b>",
        _("{done} of {target} hours").format(
            done=fmt_number(hours, locale), target=fmt_number(progress.target_hours, locale)
        ),
        progress_bar(progress.confirmed_minutes, progress.target_hours * 60)
        + f" {fmt_number(share, locale)}%",
    ]
    if progress.pending_minutes:
        lines.append(
            _("Waiting for confirmation: {duration}").format(
                duration=format_minutes(progress.pending_minutes, locale)
            )
        )
    if progress.by_kind:
        lines.append("")
        for kind, minutes in sorted(progress.by_kind.items(), key=lambda item: -item[1]):
            lines.append(f"{activity_label(kind)}: {format_minutes(minutes, locale)}")
    lines.append("")
    lines.append(
        _("Meetups this month: {count}").format(
            count=fmt_number(progress.meetups_this_month, locale)
        )
    )
    return "\n".join(lines)


def create_router() -> Router:
    """The hours router: /log, /progress, the buttons after a meetup and on an entry."""
    router = Router(name=__name__)
    router.message.register(log_command, Command("log"), Registered())
    router.message.register(progress_command, Command("progress"), Registered())
    router.message.register(not_registered_command, Command("log", "progress"))
    for step in HoursForm.__states__:
        router.message.register(buttons_expected, step, NOT_COMMAND)

    on = router.callback_query.register

    def press(action: HourAction) -> CallbackQueryFilter:
        return HourCb.filter(F.action == action)

    on(meetup_happened, press(HourAction.HAPPENED), Registered(), WithMessage())
    on(meetup_missed, press(HourAction.MISSED), Registered(), WithMessage())
    on(why_missed_chosen, press(HourAction.WHY), Registered(), WithMessage())
    on(confirm, press(HourAction.CONFIRM), Registered(), WithMessage())
    on(dispute, press(HourAction.DISPUTE), Registered(), WithMessage())
    on(fix, press(HourAction.FIX), Registered(), WithMessage())
    on(log_kind, press(HourAction.KIND), Registered(), WithMessage())
    on(stop, press(HourAction.STOP), Registered(), WithMessage())
    on(not_registered, HourCb.filter())

    def pick(kind: PickKind) -> CallbackQueryFilter:
        return PickCb.filter((F.ctx == ADJUST) & (F.kind == kind))

    on(adjusted, pick(PickKind.ADJUST), HoursForm.adjust, Registered(), WithMessage())
    on(duration_confirmed, pick(PickKind.DURATION), HoursForm.adjust, Registered(), WithMessage())
    on(adjust_stale, PickCb.filter(F.ctx == ADJUST))

    WHEN.register(router)
    return router
