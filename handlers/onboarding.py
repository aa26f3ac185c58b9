"""Onboarding: language, consent, the profile step by step, the summary."""

from __future__ import annotations

import asyncio

from aiogram import F
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.types import User as TelegramUser
from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _

from domain import coordination
from domain import onboarding as service
from domain.clock import Clock
from domain.errors import DomainError
from domain.langid import SUPPORTED_LANGUAGES, get_detector
from domain.profile import MULTI_SELECT, Step, steps_for
from handlers import keyboards
from handlers.callbacks import BACK, DONE, STOP, ConsentCb, LanguageCb, StepCb, SummaryCb
from handlers.common import message_of, q
from handlers.i18n import endonym, supported_locale
from handlers.routing import HandlerSet
from handlers.texts import choice_label, error_text, field_title, role_name, step_question
from storage.models import Role, User, UserStatus
from storage.uow import UnitOfWork

router = HandlerSet(__name__)

# Typed answers; commands such as /help or /forget always go to their own handlers.
NOT_COMMAND = ~F.text.startswith("/")


class Onboarding(StatesGroup):
    language = State()
    consent = State()
    profile = State()  # data["step"] names the question on screen
    summary = State()


# --- screens -----------------------------------------------------------------------------


async def _send_or_edit(
    target: Message, text: str, markup: InlineKeyboardMarkup | None, *, edit: bool
) -> None:
    if edit:
        await target.edit_text(text, reply_markup=markup)
    else:
        await target.answer(text, reply_markup=markup)


def _greeting() -> str:
    return _(
        "Hello! 👋 I am the buddy bot. I help people who are new in Brussels to meet a "
        "buddy: someone who lives here and likes to show you the city and practise Dutch "
        "with you."
    )


async def show_language_confirm(target: Message, code: str, *, edit: bool) -> None:
    text = (
        _greeting()
        + "\n\n"
        + _("Shall we continue in this language: {language}?").format(language=endonym(code))
    )
    await _send_or_edit(target, text, keyboards.language_confirm(code), edit=edit)


async def show_language_picker(target: Message, *, ctx: str, edit: bool, note: str = "") -> None:
    # The picker speaks through the endonyms; the line above them is in the current language.
    text = (note + "\n\n" if note else "") + "🌐 " + _("Choose your language:")
    await _send_or_edit(target, text, keyboards.language_picker(ctx), edit=edit)


async def show_consent(target: Message, *, edit: bool) -> None:
    text = "\n\n".join(
        [
            "<b>" + _("Before we start") + "</b>",
            _(
                "To find a good buddy for you, I will ask a few short questions: your first "
                "name, where you live, the languages you speak, what you like to do and when "
                "you are free."
            ),
            _(
                "Only the coordinators of the buddy programme see your answers. We never ask "
                "about your papers, religion, health or who you love."
            ),
            _(
                "You can see everything we keep about you with /mydata and erase it at any "
                "time with /forget."
            ),
            _("Do you agree?"),
        ]
    )
    await _send_or_edit(target, text, keyboards.consent(), edit=edit)


async def show_step(
    target: Message,
    user: User,
    step: Step,
    locale: str,
    *,
    edit: bool,
    note: str = "",
) -> None:
    steps = steps_for(user.role)
    first = steps[0] if user.role is None else steps[1]  # the role may come from a deep link
    selected = service.current_value(user, step)
    chosen = selected if isinstance(selected, list) else [selected] if selected else []
    markup = keyboards.step_keyboard(
        step, service.choices(step), chosen, locale, can_go_back=step is not first
    )
    text = (note + "\n\n" if note else "") + step_question(step)
    await _send_or_edit(target, text, markup, edit=edit)


def summary_text(user: User, locale: str) -> str:
    lines = ["<b>" + _("Your profile") + "</b>", ""]
    for step in steps_for(user.role):
        value = service.current_value(user, step)
        if isinstance(value, list):
            shown = ", ".join(choice_label(step, item, locale) for item in value) or "–"
        elif step is Step.NAME:
            shown = q(value or "–", locale)
        elif step is Step.ROLE:
            shown = role_name(value)
        else:
            shown = choice_label(step, value, locale) if value else "–"
        lines.append(f"<b>{field_title(step)}:</b> {shown}")
    return "\n".join(lines)


async def show_summary(target: Message, user: User, locale: str, *, edit: bool) -> None:
    confirmed = user.profile_done_at is not None
    text = summary_text(user, locale)
    if not confirmed:
        text += "\n\n" + _("Is everything right? You can change any answer.")
    markup = keyboards.summary(steps_for(user.role), confirmed=confirmed)
    await _send_or_edit(target, text, markup, edit=edit)


async def status_text(uow: UnitOfWork, user: User, locale: str) -> str:
    """Where the person stands: their place on the waiting list, or their pair."""
    if user.role == Role.NEWCOMER.value and user.status == UserStatus.WAITING.value:
        position = await uow.users.waiting_position(user)
        return _(
            "You are number {position} on the waiting list. A coordinator is looking for a "
            "buddy who fits you and will let you know here."
        ).format(position=q(position, locale))
    if user.role == Role.BUDDY.value and user.status in (
        UserStatus.WAITING.value,
        UserStatus.MATCHED.value,
    ):
        waiting = await uow.users.count_waiting_newcomers(user.programme_id)
        return ngettext(
            "Thank you for being a buddy! {count} newcomer is waiting for a buddy now. "
            "A coordinator will introduce you to someone who fits you.",
            "Thank you for being a buddy! {count} newcomers are waiting for a buddy now. "
            "A coordinator will introduce you to someone who fits you.",
            waiting,
        ).format(count=q(waiting, locale))
    if user.status == UserStatus.MATCHED.value:
        return _("Welcome back, {name}! You have a buddy pair.").format(
            name=q(user.first_name or "", locale)
        )
    return _("Welcome back, {name}!").format(name=q(user.first_name or "", locale))


async def show_home(target: Message, uow: UnitOfWork, user: User, locale: str) -> None:
    text = await status_text(uow, user, locale) + "\n\n" + _("What would you like to do?")
    has_pair = await coordination.pair_of(uow, user) is not None
    await target.answer(text, reply_markup=keyboards.main_menu(has_pair=has_pair))


async def go_to_step(
    target: Message,
    state: FSMContext,
    user: User,
    locale: str,
    *,
    edit: bool,
    note: str = "",
) -> None:
    """Show the next unanswered question, or the summary when none is left."""
    data = await state.get_data()
    step = None if data.get("editing") else service.next_step(user)
    if step is None:
        await state.set_state(Onboarding.summary)
        await state.update_data(step=None, editing=False)
        await show_summary(target, user, locale, edit=edit)
        return
    await state.set_state(Onboarding.profile)
    await state.update_data(step=step.value)
    await show_step(target, user, step, locale, edit=edit, note=note)


# --- /start and language -------------------------------------------------------------------


@router.message(CommandStart())
async def start(
    message: Message,
    command: CommandObject,
    state: FSMContext,
    uow: UnitOfWork,
    user: User | None,
    locale: str,
) -> None:
    if user is not None:
        if user.profile_done_at is not None:
            await state.clear()
            await show_home(message, uow, user, locale)
        else:
            await state.update_data(editing=False)
            await go_to_step(message, state, user, locale, edit=False)
        return
    recruitment = service.parse_start_payload(command.args)
    await state.set_state(Onboarding.language)
    await state.update_data(
        recruit={
            "role": recruitment.role.value if recruitment.role else None,
            "channel": recruitment.channel,
            "programme": recruitment.programme_slug,
        }
    )
    sender = message.from_user
    known = (await state.get_data()).get("language") or supported_locale(
        sender.language_code if sender else None
    )
    if known:
        await show_language_confirm(message, known, edit=False)
    else:
        await show_language_picker(message, ctx="onb", edit=False)


@router.message(Command("language"))
async def language_command(message: Message, user: User | None, state: FSMContext) -> None:
    if user is None:
        await state.set_state(Onboarding.language)
        await show_language_picker(message, ctx="onb", edit=False)
    else:
        await show_language_picker(message, ctx="menu", edit=False)


@router.callback_query(LanguageCb.filter(F.ctx == "onb"))
async def language_chosen(
    callback: CallbackQuery,
    callback_data: LanguageCb,
    state: FSMContext,
    i18n: I18n,
    uow: UnitOfWork,
    user: User | None,
    locale: str,
) -> None:
    message = message_of(callback)
    if message is None:
        await callback.answer()
        return
    if callback_data.code == "_pick":
        await callback.answer()
        await show_language_picker(message, ctx="onb", edit=True)
        return
    if callback_data.code not in SUPPORTED_LANGUAGES:
        await callback.answer(error_text("invalid_choice", {}, locale), show_alert=True)
        return
    code = callback_data.code
    i18n.current_locale = code
    await state.update_data(language=code)
    await callback.answer()
    if user is not None:
        user.contact_language = code
        await go_to_step(message, state, user, code, edit=True)
        return
    await state.set_state(Onboarding.consent)
    await show_consent(message, edit=True)


@router.message(Onboarding.language, F.text, NOT_COMMAND)
async def language_typed(message: Message, state: FSMContext, i18n: I18n) -> None:
    """Someone typed instead of tapping: their words tell us their language."""
    sender: TelegramUser | None = message.from_user
    detector = await asyncio.to_thread(get_detector)  # built already, except right at start
    detection = detector.detect(message.text or "", prior=sender.language_code if sender else None)
    if detection.sure and detection.language:
        i18n.current_locale = detection.language
        await show_language_confirm(message, detection.language, edit=False)
        return
    await show_language_picker(
        message, ctx="onb", edit=False, note=_("Please choose your language with a button.")
    )


# --- consent -------------------------------------------------------------------------------


@router.callback_query(ConsentCb.filter(), Onboarding.consent)
async def consent_given(
    callback: CallbackQuery,
    callback_data: ConsentCb,
    state: FSMContext,
    uow: UnitOfWork,
    clock: Clock,
    locale: str,
) -> None:
    message = message_of(callback)
    if message is None:
        await callback.answer()
        return
    data = await state.get_data()
    await callback.answer()
    if callback_data.answer != "yes":
        await state.clear()  # nothing personal was stored, and now nothing is kept at all
        await message.edit_text(
            _("No problem. Nothing about you was saved. If you change your mind, just send /start.")
        )
        return
    recruit = data.get("recruit") or {}
    role = recruit.get("role")
    user = await service.register(
        uow,
        telegram_id=callback.from_user.id,
        language=data.get("language") or locale,
        recruitment=service.Recruitment(
            role=Role(role) if role else None,
            channel=recruit.get("channel"),
            programme_slug=recruit.get("programme"),
        ),
        now=clock.now(),
    )
    await state.set_data({})
    await go_to_step(
        message, state, user, locale, edit=True, note="🙏 " + _("Thank you! Let's begin.")
    )


@router.callback_query(ConsentCb.filter())
async def consent_stale(callback: CallbackQuery, locale: str) -> None:
    await callback.answer(error_text("stale_button", {}, locale))


@router.message(Onboarding.consent, NOT_COMMAND)
async def consent_typed(message: Message) -> None:
    await show_consent(message, edit=False)


# --- profile steps -------------------------------------------------------------------------


async def _step_in_progress(state: FSMContext) -> Step | None:
    if await state.get_state() != Onboarding.profile.state:
        return None
    value = (await state.get_data()).get("step")
    return Step(value) if value in {s.value for s in Step} else None


@router.callback_query(StepCb.filter())
async def step_pressed(
    callback: CallbackQuery,
    callback_data: StepCb,
    state: FSMContext,
    uow: UnitOfWork,
    user: User | None,
    locale: str,
) -> None:
    message = message_of(callback)
    current = await _step_in_progress(state)
    if user is None or message is None or current is None or current.value != callback_data.step:
        await callback.answer(error_text("stale_button", {}, locale))
        return
    value = callback_data.value
    if value == STOP:
        await callback.answer()
        await state.set_state(None)
        await message.edit_text(
            _(
                "Okay, we stop here for now. Your answers are saved. Send /start when you "
                "want to continue, or /forget to erase them."
            )
        )
        return
    if value == BACK:
        await callback.answer()
        steps = steps_for(user.role)
        index = steps.index(current)
        previous = steps[max(index - 1, 0)]
        await state.update_data(step=previous.value, editing=False)
        await show_step(message, user, previous, locale, edit=True)
        return
    if value == DONE:
        if current not in MULTI_SELECT:
            await callback.answer(error_text("invalid_choice", {}, locale), show_alert=True)
            return
        if not service.current_value(user, current):
            await callback.answer(error_text("need_one", {}, locale), show_alert=True)
            return
        await callback.answer()
        await go_to_step(message, state, user, locale, edit=True)
        return
    try:
        if current in MULTI_SELECT:
            service.toggle(user, current, value)
            await callback.answer()
            await show_step(message, user, current, locale, edit=True)
            return
        service.set_single(user, current, value)
    except DomainError as error:
        await callback.answer(error_text(error.key, error.params, locale), show_alert=True)
        return
    await callback.answer()
    await go_to_step(message, state, user, locale, edit=True)


@router.message(Onboarding.profile, NOT_COMMAND)
async def step_typed(message: Message, state: FSMContext, user: User | None, locale: str) -> None:
    current = await _step_in_progress(state)
    if user is None or current is None:
        await state.clear()
        await message.answer(error_text("not_registered", {}, locale))
        return
    if current is not Step.NAME:
        await show_step(
            message,
            user,
            current,
            locale,
            edit=False,
            note="👇 " + _("Please use the buttons below."),
        )
        return
    try:
        service.set_name(user, message.text)
    except DomainError as error:
        await show_step(
            message,
            user,
            current,
            locale,
            edit=False,
            note=error_text(error.key, error.params, locale),
        )
        return
    await go_to_step(message, state, user, locale, edit=False)


# --- summary -------------------------------------------------------------------------------


@router.callback_query(SummaryCb.filter())
async def summary_pressed(
    callback: CallbackQuery,
    callback_data: SummaryCb,
    state: FSMContext,
    uow: UnitOfWork,
    user: User | None,
    clock: Clock,
    locale: str,
) -> None:
    message = message_of(callback)
    if user is None or message is None or await state.get_state() != Onboarding.summary.state:
        await callback.answer(error_text("stale_button", {}, locale))
        return
    if callback_data.action == "edit":
        steps = steps_for(user.role)
        field = next((s for s in steps if s.value == callback_data.field), None)
        if field is None or (field is Step.ROLE and user.profile_done_at is not None):
            await callback.answer(error_text("invalid_choice", {}, locale), show_alert=True)
            return
        await callback.answer()
        await state.set_state(Onboarding.profile)
        await state.update_data(step=field.value, editing=True)
        await show_step(message, user, field, locale, edit=True)
        return
    if callback_data.action != "confirm":
        await callback.answer(error_text("invalid_choice", {}, locale), show_alert=True)
        return
    was_confirmed = user.profile_done_at is not None
    try:
        await service.confirm_profile(uow, user, clock.now())
    except DomainError as error:
        await callback.answer(error_text(error.key, error.params, locale), show_alert=True)
        await go_to_step(message, state, user, locale, edit=True)
        return
    await state.clear()
    await callback.answer()
    await message.edit_reply_markup(reply_markup=None)
    if not was_confirmed:
        await message.answer(
            "🎉 "
            + _("Thank you, {name}! Your profile is ready.").format(name=q(user.first_name, locale))
        )
    await show_home(message, uow, user, locale)
