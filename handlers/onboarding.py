"""Onboarding: language, consent, the profile step by step, the summary.

The screens are in handlers/onboarding_screens.py; here, one handler per button action.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from aiogram import F, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.types import User as TelegramUser
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain import onboarding as service
from domain import programmes
from domain.clock import Clock
from domain.detection import DetectorProcess
from domain.errors import DomainError
from domain.langid import SUPPORTED_LANGUAGES
from domain.profile import MULTI_SELECT, Step, steps_for
from domain.voices import VoiceKey
from handlers import keyboards
from handlers.callbacks import (
    PICK_OTHER,
    Answer,
    ConsentCb,
    LanguageCb,
    LanguageContext,
    StepAction,
    StepCb,
    SummaryAction,
    SummaryCb,
)
from handlers.common import Handler, answer_step, language_switched, on_button, q
from handlers.filters import Registered, WithMessage
from handlers.i18n import endonym, supported_locale
from handlers.onboarding_filters import AtStep
from handlers.onboarding_screens import (
    Onboarding,
    go_to_step,
    show_consent,
    show_home,
    show_language_confirm,
    show_language_picker,
    show_step,
    show_summary,
    summary_text,
)
from handlers.privacy import show_privacy
from handlers.texts import error_text, field_title
from handlers.voice_buttons import listen_row
from storage.models import User

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.uow import UnitOfWork

# summary_text: the coordinators' view of a profile (handlers.coordinator_home) reads it here.
__all__ = ["Onboarding", "create_router", "show_home", "show_summary", "summary_text"]

# Typed answers; commands such as /help or /forget always go to their own handlers.
NOT_COMMAND = ~F.text.startswith("/")
_STEP_ACTIONS = frozenset(StepAction)
_MULTI_SELECT_STEPS = frozenset(step.value for step in MULTI_SELECT)
IN_ONBOARDING = F.ctx == LanguageContext.ONBOARDING


# --- /start and language -------------------------------------------------------------------


async def start_member(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    locale: str,
    clock: Clock | None = None,
) -> None:
    await state.clear()
    await show_home(message, uow, user, locale, clock)


async def start_resume(message: Message, state: FSMContext, user: User, locale: str) -> None:
    await state.update_data(editing=False)
    await go_to_step(message, state, user, locale, edit=False)


async def start(
    message: Message, command: CommandObject, state: FSMContext, uow: UnitOfWork
) -> None:
    """Someone new: remember where they came from, and agree on a language first."""
    await begin(message, state, command.args, uow=uow)


async def begin(
    message: Message,
    state: FSMContext,
    payload: str | None = None,
    sender: TelegramUser | None = None,
    uow: UnitOfWork | None = None,
) -> None:
    """The first screen for someone new, whether they sent /start (with the deep link's
    payload), anything else, or tapped a button (`sender`: who tapped; a button's message
    is the bot's own): nobody has to know the command."""
    recruitment = service.parse_start_payload(payload)
    await state.set_state(Onboarding.language)
    await state.update_data(recruit=recruitment.as_data())
    sender = sender or message.from_user
    known = (await state.get_data()).get("language") or supported_locale(
        sender.language_code if sender else None
    )
    offered = await _offered(state, uow)
    if known and known in offered:
        listen = await listen_row(uow, None, VoiceKey.WELCOME, known) if uow else []
        await show_language_confirm(message, known, edit=False, listen=listen)
    else:
        await show_language_picker(
            message, ctx=LanguageContext.ONBOARDING, edit=False, unknown=not known, codes=offered
        )


async def _offered(state: FSMContext, uow: UnitOfWork | None) -> tuple[str, ...]:
    """The languages offered by the programme the person's link named (or the default)."""
    if uow is None:
        return SUPPORTED_LANGUAGES
    recruitment = service.Recruitment.from_data((await state.get_data()).get("recruit"))
    return await programmes.languages_for(uow, recruitment.programme_slug)


async def begin_pressed(
    callback: CallbackQuery, message: Message, state: FSMContext, uow: UnitOfWork
) -> None:
    """ "Continue" under /help, from someone the bot does not know yet."""
    await callback.answer()
    await begin(message, state, sender=callback.from_user, uow=uow)


async def language_command_member(message: Message, uow: UnitOfWork, user: User) -> None:
    offered = await programmes.languages_of(uow, user)
    await show_language_picker(message, ctx=LanguageContext.MENU, edit=False, codes=offered)


async def language_command(message: Message, state: FSMContext, uow: UnitOfWork) -> None:
    await state.set_state(Onboarding.language)
    offered = await _offered(state, uow)
    await show_language_picker(message, ctx=LanguageContext.ONBOARDING, edit=False, codes=offered)


async def other_language(message: Message, state: FSMContext, uow: UnitOfWork) -> None:
    offered = await _offered(state, uow)
    await show_language_picker(message, ctx=LanguageContext.ONBOARDING, edit=True, codes=offered)


async def language_saved(
    callback: CallbackQuery,
    callback_data: LanguageCb,
    message: Message,
    state: FSMContext,
    i18n: I18n,
    uow: UnitOfWork,
    user: User,
    locale: str,
) -> None:
    """A registered person picked a language (from the menu, or with /language during their
    profile): saved, then back to where the list was shown, in the new language."""
    code = await language_switched(
        callback,
        i18n,
        locale,
        lambda: service.set_contact_language(uow, user, callback_data.code),
    )
    if code is None:
        return
    changed = "✅ " + _("From now on I will write to you in this language: {language}").format(
        language=endonym(code)
    )
    if callback_data.ctx is LanguageContext.ONBOARDING:
        await go_to_step(message, state, user, code, edit=True, note=changed)
        return
    await message.edit_text(changed)
    if user.profile_done_at is not None:
        await show_home(message, uow, user, code)
        return
    await ask_again(message, state, user, code)


async def ask_again(message: Message, state: FSMContext, user: User, locale: str) -> None:
    """Half-way through the profile: the question that was waiting comes again (in the
    language just chosen), so nobody is left wondering what to do next."""
    data = await state.get_data()
    editing = data.get("editing") and await state.get_state() == Onboarding.profile.state
    if editing and data.get("step") in {step.value for step in Step}:
        await show_step(message, user, Step(data["step"]), locale, edit=False)
        return
    await go_to_step(message, state, user, locale, edit=False)


async def language_chosen(
    callback: CallbackQuery,
    callback_data: LanguageCb,
    message: Message,
    state: FSMContext,
    i18n: I18n,
    uow: UnitOfWork,
    locale: str,
) -> None:
    """Someone new picked a language (one their programme offers): kept in the
    conversation until they consent."""
    offered = await _offered(state, uow)
    code = await language_switched(
        callback,
        i18n,
        locale,
        lambda: programmes.offered(service.contact_language(callback_data.code), offered),
    )
    if code is None:
        return
    await state.update_data(language=code)
    await state.set_state(Onboarding.consent)
    listen = await listen_row(uow, None, VoiceKey.CONSENT, code)
    await show_consent(message, edit=True, listen=listen)


async def language_typed(
    message: Message, i18n: I18n, detector: DetectorProcess, uow: UnitOfWork
) -> None:
    """Someone typed instead of tapping: their words tell us their language."""
    sender: TelegramUser | None = message.from_user
    prior = sender.language_code if sender else None
    # A forwarded message is someone else's words: it tells nothing of the person's language.
    own_words = "" if message.forward_origin is not None else message.text or ""
    detection = await detector.detect(own_words, prior=prior)
    if detection.sure and detection.language:
        i18n.current_locale = detection.language
        listen = await listen_row(uow, None, VoiceKey.WELCOME, detection.language)
        await show_language_confirm(message, detection.language, edit=False, listen=listen)
        return
    await show_language_picker(
        message,
        ctx=LanguageContext.ONBOARDING,
        edit=False,
        note=_("Please choose your language with a button."),
    )


# --- consent -------------------------------------------------------------------------------


async def consent_given(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    clock: Clock,
    locale: str,
) -> None:
    data = await state.get_data()
    await callback.answer()
    user = await service.register(
        uow,
        telegram_id=callback.from_user.id,
        language=data.get("language") or locale,
        recruitment=service.Recruitment.from_data(data.get("recruit")),
        now=clock.now(),
    )
    await state.set_data({})
    await go_to_step(
        message, state, user, locale, edit=True, note="🙏 " + _("Thank you! Let's begin.")
    )


async def consent_refused(message: Message, state: FSMContext) -> None:
    await state.clear()  # nothing personal was stored, and now nothing is kept at all
    await message.edit_text(
        _("No problem. Nothing about you was saved. If you change your mind, just send /start."),
        reply_markup=keyboards.help_newcomer(),
    )


async def stale_button(callback: CallbackQuery, locale: str) -> None:
    """A button of a screen that is gone (the consent after consenting, an earlier
    question): it changes nothing."""
    await callback.answer(error_text("stale_button", {}, locale))


async def consent_more(message: Message, state: FSMContext, uow: UnitOfWork, locale: str) -> None:
    """ "🔒 More about your data" under the consent: the privacy notice, then the question
    again below it, so the answer is one tap away."""
    await show_privacy(message, None)  # the consent question follows, with its buttons
    if await state.get_state() == Onboarding.consent.state:
        await consent_typed(message, uow, locale)


async def consent_typed(message: Message, uow: UnitOfWork, locale: str) -> None:
    listen = await listen_row(uow, None, VoiceKey.CONSENT, locale)
    await show_consent(message, edit=False, listen=listen)


# --- profile steps -------------------------------------------------------------------------


async def step_stopped(message: Message, state: FSMContext) -> None:
    await state.set_state(None)
    await message.edit_text(
        _(
            "Okay, we stop here for now. Your answers are saved. Send /start when you "
            "want to continue, or /forget to erase them."
        ),
        reply_markup=keyboards.help_newcomer(erase=True),
    )


async def step_back(
    message: Message, state: FSMContext, user: User, current: Step, locale: str
) -> None:
    previous = service.previous_step(user, current)
    await state.update_data(step=previous.value, editing=False)
    await show_step(message, user, previous, locale, edit=True)


# What a button under a profile question changes: the person, the question, the button's value.
ProfileChange = Callable[[User, Step, str], object]


def step_answered(change: ProfileChange, *, same_question: bool = False) -> Handler:
    """The handler of a button under a profile question: the change to the profile (refused
    in an alert when it breaks a rule), then the same question again (a tick in a
    multi-select question) or the next one."""

    async def answered(
        callback: CallbackQuery,
        callback_data: StepCb,
        message: Message,
        state: FSMContext,
        user: User,
        current: Step,
        locale: str,
    ) -> None:
        value = callback_data.value
        if not await answer_step(callback, locale, lambda: change(user, current, value)):
            return
        if same_question:
            await show_step(message, user, current, locale, edit=True)
        else:
            await go_to_step(message, state, user, locale, edit=True)

    return answered


# "Done" under a multi-select question; a choice of one (ticked or unticked, the question
# stays); the one answer of a single-choice question.
step_done = step_answered(lambda user, current, _value: service.finish_choices(user, current))
choice_toggled = step_answered(service.toggle, same_question=True)
choice_made = step_answered(service.set_single)


async def name_typed(message: Message, state: FSMContext, user: User, locale: str) -> None:
    try:
        service.set_name(user, message.text)
    except DomainError as error:
        note = error_text(error.key, error.params, locale)
        await show_step(message, user, Step.NAME, locale, edit=False, note=note)
        return
    await state.update_data(name_message=message.message_id)  # see name_edited
    await go_to_step(message, state, user, locale, edit=False)


async def name_edited(message: Message, state: FSMContext, user: User, locale: str) -> None:
    """The first name corrected in the message that gave it (the app's "Edit"), while the
    profile is being made: the profile takes the new spelling, says so, and the question
    where the person is comes again. Any other edit changes nothing: what that message
    said was answered already."""
    if (await state.get_data()).get("name_message") != message.message_id:
        return
    try:
        service.set_name(user, message.text)
    except DomainError as error:
        await message.answer(error_text(error.key, error.params, locale))
        return
    note = "✅ " + field_title(Step.NAME) + ": " + q(user.first_name or "", locale)
    await go_to_step(message, state, user, locale, edit=False, note=note)


async def buttons_expected(message: Message, user: User, current: Step, locale: str) -> None:
    note = "👇 " + _("Please use the buttons below.")
    await show_step(message, user, current, locale, edit=False, note=note)


async def profile_lost(message: Message, state: FSMContext, locale: str) -> None:
    """Text in the profile state of someone erased meanwhile (or a broken state)."""
    await state.clear()
    await message.answer(
        error_text("not_registered", {}, locale), reply_markup=keyboards.welcome_back()
    )


# --- summary -------------------------------------------------------------------------------


async def summary_edit(
    callback: CallbackQuery,
    callback_data: SummaryCb,
    message: Message,
    state: FSMContext,
    user: User,
    locale: str,
) -> None:
    field = next((s for s in steps_for(user.role) if s.value == callback_data.field), None)
    if field is None or (field is Step.ROLE and user.profile_done_at is not None):
        await callback.answer(error_text("invalid_choice", {}, locale), show_alert=True)
        return
    await callback.answer()
    await state.set_state(Onboarding.profile)
    await state.update_data(step=field.value, editing=True)
    await show_step(message, user, field, locale, edit=True)


async def summary_confirm(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    locale: str,
) -> None:
    was_confirmed, now = user.profile_done_at is not None, clock.now()
    if not await answer_step(callback, locale, lambda: service.confirm_profile(uow, user, now)):
        await go_to_step(message, state, user, locale, edit=True)
        return
    await state.clear()
    # The summary stays as a record, without its question and buttons.
    await message.edit_text(summary_text(user, locale))
    if not was_confirmed:
        await message.answer(
            "🎉 "
            + _("Thank you, {name}! Your profile is ready.").format(name=q(user.first_name, locale))
        )
    await show_home(message, uow, user, locale)


def create_router() -> Router:
    """A fresh router for onboarding (one per Dispatcher)."""
    router = Router(name=__name__)
    on_message, on_press = router.message.register, router.callback_query.register

    on_message(start_member, CommandStart(), Registered(profile_done=True))
    on_message(start_resume, CommandStart(), Registered())
    on_message(start, CommandStart())
    on_message(language_command_member, Command("language"), Registered())
    on_message(language_command, Command("language"))

    other = LanguageCb.filter(IN_ONBOARDING & (F.code == PICK_OTHER))
    on_press(on_button(other_language), other, WithMessage())
    chosen = LanguageCb.filter(IN_ONBOARDING)
    on_press(language_saved, chosen, Registered(), WithMessage())
    on_press(language_chosen, chosen, WithMessage())
    on_message(language_typed, Onboarding.language, F.text, NOT_COMMAND)

    consent = Onboarding.consent
    on_press(consent_given, ConsentCb.filter(F.answer == Answer.YES), consent, WithMessage())
    on_press(
        on_button(consent_refused), ConsentCb.filter(F.answer == Answer.NO), consent, WithMessage()
    )
    on_press(stale_button, ConsentCb.filter())
    on_message(consent_typed, consent, NOT_COMMAND)

    at_step = (Registered(), WithMessage(), AtStep())
    on_press(on_button(step_stopped), StepCb.filter(F.value == StepAction.STOP), *at_step)
    on_press(on_button(step_back), StepCb.filter(F.value == StepAction.BACK), *at_step)
    on_press(step_done, StepCb.filter(F.value == StepAction.DONE), *at_step)
    choice = ~F.value.in_(_STEP_ACTIONS)
    multi = F.step.in_(_MULTI_SELECT_STEPS)
    on_press(choice_toggled, StepCb.filter(choice & multi), *at_step)
    on_press(choice_made, StepCb.filter(choice & ~multi), *at_step)
    on_press(stale_button, StepCb.filter())
    profile = Onboarding.profile
    on_message(name_typed, profile, NOT_COMMAND, Registered(), AtStep(only=Step.NAME))
    router.edited_message.register(name_edited, F.text, Registered(profile_done=False))
    on_message(buttons_expected, profile, NOT_COMMAND, Registered(), AtStep())
    on_message(profile_lost, profile, NOT_COMMAND)

    summary = (Onboarding.summary, Registered(), WithMessage())
    on_press(summary_edit, SummaryCb.filter(F.action == SummaryAction.EDIT), *summary)
    on_press(summary_confirm, SummaryCb.filter(F.action == SummaryAction.CONFIRM), *summary)
    on_press(stale_button, SummaryCb.filter())
    return router
