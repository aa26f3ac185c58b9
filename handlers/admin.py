"""The admin area: every programme at a glance, creating one, its settings and its
coordinators; and, for any coordinator of several programmes, switching between them.

Included ahead of every other router (bot/factories.py), so its error handler answers the
refusals of programme scoping (`staff.OtherProgramme`) first, in a fresh transaction that
audits them. Admin buttons and /admin from anyone else are refused and audited too.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from datetime import tzinfo

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import BaseFilter, Command, ExceptionTypeFilter, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, ErrorEvent, InlineKeyboardMarkup, Message, TelegramObject
from aiogram.utils.i18n import gettext as _

from domain import privacy as privacy_service
from domain import programmes, staff
from domain.clock import Clock
from domain.errors import NotAllowed
from domain.langid import SUPPORTED_LANGUAGES
from domain.programmes import NUMBERS, WEIGHTS, ProgrammeError
from handlers.admin_buttons import (
    COORDINATOR_ACTIONS,
    NUMBER_LABELS,
    WEIGHT_LABELS,
    AdminAction,
    AdminCb,
    back_row,
    cancel_keyboard,
    check_weeks_keyboard,
    coordinators_keyboard,
    languages_keyboard,
    markup,
    number_keyboard,
    programme_keyboard,
    reminders_keyboard,
    summary_keyboard,
    switch_keyboard,
    weights_keyboard,
)
from handlers.common import Handler, q
from handlers.coordinator_home import show_home
from handlers.filters import WithMessage
from handlers.i18n import fmt_number, isolate
from handlers.texts import error_text
from storage.models import Programme, User
from storage.uow import UnitOfWork

log = logging.getLogger(__name__)


class AdminForm(StatesGroup):
    name = State()  # the new programme's name


class IsAdmin(BaseFilter):
    async def __call__(self, event: TelegramObject, user: User | None = None) -> bool:
        return staff.is_admin(user)


class IsCoordinator(BaseFilter):
    async def __call__(self, event: TelegramObject, user: User | None = None) -> bool:
        return staff.is_coordinator(user)


# --- screens --------------------------------------------------------------------------------


async def _show(message: Message, text: str, keyboard: InlineKeyboardMarkup, *, edit: bool) -> None:
    """Edit the screen in place (a step button), or answer under it (a new screen)."""
    if not edit:
        await message.answer(text, reply_markup=keyboard)
        return
    try:
        await message.edit_text(text, reply_markup=keyboard)
    except TelegramBadRequest as error:  # a step at the end of its range changes nothing
        if "not modified" not in error.message:
            raise


async def show_summary(message: Message, uow: UnitOfWork, user: User, locale: str) -> None:
    """Every programme on one screen: people, waiting, active pairs, confirmed hours; the
    legend once, then a line of numbers per programme (short, however many there are)."""
    figures = await programmes.summary(uow, user)
    lines = [
        "🛠 <b>" + _("Programmes") + "</b>",
        _("people · waiting · active pairs · hours"),
        "",
    ]
    for line in figures:
        numbers = (line.people, line.waiting, line.active_pairs, line.hours)
        lines.append(
            "<b>"
            + q(line.programme.name, locale)
            + "</b>: "
            + " · ".join(str(isolate(fmt_number(n, locale), locale)) for n in numbers)
        )
    await message.answer(
        "\n".join(lines), reply_markup=summary_keyboard([f.programme for f in figures])
    )


def _programme_text(programme: Programme, locale: str) -> str:
    """The settings in short lines (numbers mostly: well under 60 words)."""
    chosen = programmes.settings_of(programme)

    def numbers(values: tuple[int, ...]) -> str:
        return ", ".join(str(isolate(value, locale)) for value in values) or "—"

    return "\n".join(
        [
            "📁 <b>" + q(programme.name, locale) + "</b> · " + programme.slug,
            "🎯 " + _("Target hours: {hours}").format(hours=isolate(chosen.target_hours, locale)),
            "🌐 "
            + _("Languages offered: {count}").format(count=isolate(len(chosen.languages), locale)),
            "🌙 "
            + _("Quiet hours: {start}:00 to {end}:00").format(
                start=isolate(chosen.quiet_from, locale), end=isolate(chosen.quiet_until, locale)
            ),
            "⏰ "
            + _("Meetup reminders, hours before: {list}").format(
                list=numbers(chosen.reminder_hours)
            ),
            "💬 "
            + _("Quiet pair, days to nudge: {days}; to alert: {alert}").format(
                days=isolate(chosen.nudge_after_days, locale),
                alert=isolate(chosen.alert_after_days, locale),
            ),
            "📋 "
            + _("Waiting-list check-ins, weeks: {weeks}; long wait alert, days: {alert}").format(
                weeks=numbers(chosen.waiting_check_weeks),
                alert=isolate(chosen.waiting_alert_days, locale),
            ),
            "✏️ "
            + _("Unfinished profile, days to remind: {days}; to erase: {erase}").format(
                days=isolate(chosen.unfinished_reminder_days, locale),
                erase=isolate(chosen.unfinished_erase_days, locale),
            ),
        ]
    )


async def show_programme(
    message: Message, uow: UnitOfWork, user: User, locale: str, programme_id: int, *, edit: bool
) -> None:
    programme = await programmes.programme_for_admin(uow, user, programme_id)
    await _show(
        message, _programme_text(programme, locale), programme_keyboard(programme), edit=edit
    )


async def show_number(
    message: Message, programme: Programme, index: int, locale: str, *, edit: bool
) -> None:
    setting = NUMBERS[index]
    value = getattr(programmes.settings_of(programme), setting.key)
    text = "{label}: <b>{value}</b>\n{range}".format(
        label=NUMBER_LABELS[setting.key],
        value=isolate(value, locale),
        range=_("From {low} to {high}.").format(
            low=isolate(setting.low, locale), high=isolate(setting.high, locale)
        ),
    )
    await _show(message, text, number_keyboard(programme.id, index), edit=edit)


async def show_languages(message: Message, programme: Programme, *, edit: bool) -> None:
    chosen = programmes.settings_of(programme)
    text = "🌐 " + _("Languages newcomers and buddies of this programme can choose. Tap to change.")
    await _show(message, text, languages_keyboard(programme.id, chosen), edit=edit)


async def show_reminders(message: Message, programme: Programme, *, edit: bool) -> None:
    chosen = programmes.settings_of(programme)
    text = "⏰ " + _("How many hours before a meetup a reminder goes out. Tap to change.")
    await _show(message, text, reminders_keyboard(programme.id, chosen), edit=edit)


async def show_check_weeks(message: Message, programme: Programme, *, edit: bool) -> None:
    chosen = programmes.settings_of(programme)
    text = "📋 " + _(
        "In which weeks on the waiting list newcomers are asked whether they still wait. "
        "Tap to change."
    )
    await _show(message, text, check_weeks_keyboard(programme.id, chosen), edit=edit)


async def show_weights(message: Message, programme: Programme, locale: str, *, edit: bool) -> None:
    chosen = programmes.settings_of(programme)
    lines = ["⚖️ <b>" + _("Points in matching suggestions") + "</b>", ""]
    for name in WEIGHTS:
        lines.append(f"{WEIGHT_LABELS[name]}: {isolate(chosen.weight(name), locale)}")
    await _show(message, "\n".join(lines), weights_keyboard(programme.id), edit=edit)


async def show_coordinators(
    message: Message, uow: UnitOfWork, user: User, programme_id: int, locale: str
) -> None:
    programme = await programmes.programme_for_admin(uow, user, programme_id)
    people = await staff.coordinators_of(uow, programme.id)
    lines = ["👥 <b>" + q(programme.name, locale) + "</b>", ""]
    lines += [f"• {q(p.first_name or str(p.telegram_id), locale)}" for p in people]
    if not people:
        lines.append(_("No coordinator yet. Invite one with the button."))
    await message.answer("\n".join(lines), reply_markup=coordinators_keyboard(programme.id, people))


async def show_switches(message: Message, uow: UnitOfWork, user: User) -> None:
    allowed = await programmes.switchable(uow, user)
    await message.answer(
        "🔀 " + _("Which programme do you want to work in?"),
        reply_markup=switch_keyboard(allowed, user.programme_id),
    )


# --- commands and buttons -------------------------------------------------------------------


async def admin_command(message: Message, uow: UnitOfWork, user: User, locale: str) -> None:
    await show_summary(message, uow, user, locale)


# One handler per button action (see `create_router`); each answers its button.


async def summary_pressed(
    callback: CallbackQuery, message: Message, uow: UnitOfWork, user: User, locale: str
) -> None:
    await callback.answer()
    await show_summary(message, uow, user, locale)


async def programme_pressed(
    callback: CallbackQuery,
    callback_data: AdminCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    locale: str,
) -> None:
    await callback.answer()
    await show_programme(message, uow, user, locale, callback_data.id, edit=False)


async def new_pressed(callback: CallbackQuery, message: Message, state: FSMContext) -> None:
    await callback.answer()
    await state.set_state(AdminForm.name)
    await message.answer(
        "✍️ " + _("Type the name of the new programme, for example the organisation."),
        reply_markup=cancel_keyboard(),
    )


async def cancel_pressed(
    callback: CallbackQuery,
    message: Message,
    uow: UnitOfWork,
    user: User,
    state: FSMContext,
    locale: str,
) -> None:
    await state.clear()
    await callback.answer(_("Cancelled."))
    await show_summary(message, uow, user, locale)


async def number_pressed(
    callback: CallbackQuery,
    callback_data: AdminCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    locale: str,
) -> None:
    programme = await programmes.programme_for_admin(uow, user, callback_data.id)
    await callback.answer()
    index = min(max(callback_data.arg, 0), len(NUMBERS) - 1)
    await show_number(message, programme, index, locale, edit=False)


async def step_pressed(
    callback: CallbackQuery,
    callback_data: AdminCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    locale: str,
) -> None:
    data = callback_data
    programme = await programmes.step_number(uow, user, data.id, data.arg, bool(data.up))
    await callback.answer(_("Saved."))
    await show_number(message, programme, data.arg, locale, edit=True)


ShowSettings = Callable[..., Awaitable[None]]
Toggle = Callable[[UnitOfWork, User, int, int], Awaitable[Programme]]


def _opens(show: ShowSettings) -> Handler:
    """A button that opens one of the programme's settings screens."""

    async def pressed(
        callback: CallbackQuery,
        callback_data: AdminCb,
        message: Message,
        uow: UnitOfWork,
        user: User,
    ) -> None:
        programme = await programmes.programme_for_admin(uow, user, callback_data.id)
        await callback.answer()
        await show(message, programme, edit=False)

    return pressed


def _toggles(toggle: Toggle, show: ShowSettings) -> Handler:
    """A button that ticks or unticks one choice of a settings screen, then shows it again."""

    async def pressed(
        callback: CallbackQuery,
        callback_data: AdminCb,
        message: Message,
        uow: UnitOfWork,
        user: User,
    ) -> None:
        programme = await toggle(uow, user, callback_data.id, callback_data.arg)
        await callback.answer(_("Saved."))
        await show(message, programme, edit=True)

    return pressed


async def _toggle_language(uow: UnitOfWork, user: User, programme_id: int, index: int) -> Programme:
    code = SUPPORTED_LANGUAGES[index] if 0 <= index < len(SUPPORTED_LANGUAGES) else ""
    return await programmes.toggle_language(uow, user, programme_id, code)


async def weights_pressed(
    callback: CallbackQuery,
    callback_data: AdminCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    locale: str,
) -> None:
    programme = await programmes.programme_for_admin(uow, user, callback_data.id)
    await callback.answer()
    await show_weights(message, programme, locale, edit=False)


async def weight_pressed(
    callback: CallbackQuery,
    callback_data: AdminCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    locale: str,
) -> None:
    data = callback_data
    programme = await programmes.step_weight(uow, user, data.id, data.arg, bool(data.up))
    await callback.answer(_("Saved."))
    await show_weights(message, programme, locale, edit=True)


async def coordinators_pressed(
    callback: CallbackQuery,
    callback_data: AdminCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    locale: str,
) -> None:
    await callback.answer()
    await show_coordinators(message, uow, user, callback_data.id, locale)


async def invite_pressed(
    callback: CallbackQuery,
    callback_data: AdminCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    bot: Bot,
    clock: Clock,
    locale: str,
) -> None:
    await callback.answer()
    await _invite(message, uow, user, bot, clock, callback_data.id, locale)


async def remove_pressed(
    callback: CallbackQuery,
    callback_data: AdminCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    bootstrap_coordinators: frozenset[int],
    locale: str,
) -> None:
    data = callback_data
    await staff.remove_coordinator(uow, user, data.arg, bootstrap_coordinators, data.id)
    await callback.answer(_("This person is no longer a coordinator of this programme."))
    await show_coordinators(message, uow, user, data.id, locale)


async def promote_pressed(
    callback: CallbackQuery,
    callback_data: AdminCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    locale: str,
) -> None:
    await programmes.promote_admin(uow, user, callback_data.arg)
    await callback.answer(_("Saved."))
    await show_coordinators(message, uow, user, callback_data.id, locale)


ADMIN_BUTTONS: dict[AdminAction, Handler] = {
    AdminAction.SUMMARY: summary_pressed,
    AdminAction.PROGRAMME: programme_pressed,
    AdminAction.NEW: new_pressed,
    AdminAction.CANCEL: cancel_pressed,
    AdminAction.NUMBER: number_pressed,
    AdminAction.STEP: step_pressed,
    AdminAction.LANGUAGES: _opens(show_languages),
    AdminAction.LANGUAGE: _toggles(_toggle_language, show_languages),
    AdminAction.REMINDERS: _opens(show_reminders),
    AdminAction.REMINDER: _toggles(programmes.toggle_reminder, show_reminders),
    AdminAction.CHECK_WEEKS: _opens(show_check_weeks),
    AdminAction.CHECK_WEEK: _toggles(programmes.toggle_check_week, show_check_weeks),
    AdminAction.WEIGHTS: weights_pressed,
    AdminAction.WEIGHT: weight_pressed,
    AdminAction.COORDINATORS: coordinators_pressed,
    AdminAction.INVITE: invite_pressed,
    AdminAction.REMOVE: remove_pressed,
    AdminAction.PROMOTE: promote_pressed,
}


async def _invite(
    message: Message,
    uow: UnitOfWork,
    user: User,
    bot: Bot,
    clock: Clock,
    programme_id: int,
    locale: str,
) -> None:
    """A one-time link that makes whoever opens it a coordinator of this programme."""
    programme = await programmes.programme_for_admin(uow, user, programme_id)
    invite = await staff.create_invite(uow, user, clock.now(), programme.id)
    me = await bot.me()
    link = f"https://t.me/{me.username}?start=coord-{invite.token}"
    await message.answer(
        _(
            "Forward this one-time link to the new coordinator of {name}. It works for 7 days:"
        ).format(name=q(programme.name, locale))
        + f"\n{link}",
        reply_markup=markup(back_row(programme.id)),
    )


async def name_typed(
    message: Message, uow: UnitOfWork, user: User, state: FSMContext, locale: str
) -> None:
    """The new programme's name: created with default settings, then its screen."""
    programme = await programmes.create(uow, user, message.text)
    await state.clear()
    await message.answer(
        "✅ "
        + _("Programme {name} created. People join it by links ending in -{slug}.").format(
            name=q(programme.name, locale), slug=programme.slug
        )
    )
    await show_programme(message, uow, user, locale, programme.id, edit=False)


async def name_not_text(message: Message) -> None:
    await message.answer(
        _("Please type the name of the programme, or tap Cancel."), reply_markup=cancel_keyboard()
    )


async def switch_pressed(
    callback: CallbackQuery,
    callback_data: AdminCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    state: FSMContext,
    clock: Clock,
    tz: tzinfo,
    locale: str,
) -> None:
    """Any coordinator: the list of their programmes, or work in the one pressed. A form
    left open (a broadcast, an event) is dropped: it was meant for the other programme."""
    if callback_data.action is AdminAction.SWITCHES:
        await callback.answer()
        await show_switches(message, uow, user)
        return
    programme = await programmes.switch(uow, user, callback_data.id)
    await state.clear()
    await callback.answer(_("You now work in {name}.").format(name=isolate(programme.name, locale)))
    await show_home(message, uow, user, clock, tz, locale)


# --- refusals -------------------------------------------------------------------------------


async def refuse_command(message: Message, uow: UnitOfWork, user: User | None, locale: str) -> None:
    privacy_service.audit_refusal(
        uow, "refused.admin_only", user, message.chat.id, attempt="/admin"
    )
    await message.answer(_admins_only())


async def refuse_button(
    callback: CallbackQuery, uow: UnitOfWork, user: User | None, locale: str
) -> None:
    privacy_service.audit_refusal(
        uow, "refused.admin_only", user, callback.from_user.id, attempt=AdminCb.__prefix__
    )
    await callback.answer(_admins_only(), show_alert=True)


def _admins_only() -> str:
    return _("This is only for the programme admins.")


# Under which key the audit keeps the id of what was refused (by the row's kind).
_ID_KEYS = {"user": "person_id", "programme": "asked_programme_id"}


async def other_programme(
    event: ErrorEvent, bot: Bot, uow: UnitOfWork, user: User | None = None
) -> None:
    """A coordinator reached for another programme's pair, person or event: refused,
    audited (what kind of row and its programme, never more), and told how to switch."""
    error = event.exception
    assert isinstance(error, staff.OtherProgramme)
    uow.audit.record(
        "refused.other_programme",
        programme_id=user.programme_id if user else None,
        actor_id=user.telegram_id if user else None,
        target=error.kind,
        target_programme_id=error.programme_id,
        # A person under "person_id", which erasure (/forget) pseudonymises.
        **{_ID_KEYS.get(error.kind, f"{error.kind}_id"): error.row_id},
    )
    log.info("refused a %s of another programme to a coordinator", error.kind)
    text = _(
        "This belongs to another programme than the one you work in now. "
        "If you coordinate it too, switch programme on your home screen."
    )
    if error.kind == "programme":  # a switch to a programme they do not coordinate
        text = _("You do not coordinate this programme.")
    await _tell(bot, event, text)


async def programme_error(event: ErrorEvent, bot: Bot, locale: str) -> None:
    """Bad input in the admin area: said in the person's language, nothing changed."""
    error = event.exception
    assert isinstance(error, ProgrammeError | NotAllowed)
    texts = {
        "programme_name": _(
            "Please type a name of {low} to {high} characters, with letters or digits."
        ),
        "programme_one_language": _("A programme offers at least one language."),
        "programme_one_check": _("Keep at least one check-in week."),
        "admins_only": _("This is only for the programme admins."),
    }
    text = texts.get(error.key) or error_text(error.key, error.params, locale)
    text = text.format(**{k: isolate(v, locale) for k, v in error.params.items()})
    await _tell(bot, event, text)


async def _tell(bot: Bot, event: ErrorEvent, text: str) -> None:
    query = event.update.callback_query
    if query is not None:
        try:
            await bot.answer_callback_query(query.id, text=text, show_alert=True)
        except TelegramBadRequest:  # too old to answer: say it in the chat instead
            await bot.send_message(query.from_user.id, text)
    elif event.update.message is not None:
        await bot.send_message(event.update.message.chat.id, text)


def _is_admin_error(event: ErrorEvent) -> bool:
    error = event.exception
    return isinstance(error, ProgrammeError) or (
        isinstance(error, NotAllowed) and error.key == "admins_only"
    )


def create_router() -> Router:
    """Admins' screens, the programme switch, their refusals, and the scoping refusals."""
    router = Router(name=__name__)
    router.errors.register(other_programme, ExceptionTypeFilter(staff.OtherProgramme))
    router.errors.register(programme_error, _is_admin_error)
    router.message.register(admin_command, Command("admin"), IsAdmin())
    router.message.register(
        name_typed, StateFilter(AdminForm.name), IsAdmin(), F.text, ~F.text.startswith("/")
    )
    router.message.register(
        name_not_text, StateFilter(AdminForm.name), IsAdmin(), ~F.text, ~F.voice, ~F.video_note
    )
    router.callback_query.register(
        switch_pressed,
        IsCoordinator(),
        WithMessage(),
        AdminCb.filter(F.action.in_(COORDINATOR_ACTIONS)),
    )
    for action, handler in ADMIN_BUTTONS.items():
        router.callback_query.register(
            handler, IsAdmin(), WithMessage(), AdminCb.filter(F.action == action)
        )
    router.message.register(refuse_command, Command("admin"), ~IsAdmin())
    router.callback_query.register(refuse_button, ~IsAdmin(), AdminCb.filter())
    return router
