"""What onboarding shows: the language and consent screens, one profile question, the
summary, and the home screen with the menu. The conversation itself is in
handlers/onboarding.py."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import InlineKeyboardMarkup, Message
from aiogram.utils.i18n import get_i18n, ngettext
from aiogram.utils.i18n import gettext as _

from domain import onboarding as service
from domain import pairs as pair_service
from domain import role_change
from domain.clock import Clock, SystemClock
from domain.dutch_practice import Screen as DutchScreen
from domain.langid import SUPPORTED_LANGUAGES
from domain.profile import Step, steps_for
from domain.voices import VoiceKey
from handlers import keyboards
from handlers.callbacks import LanguageContext
from handlers.common import q
from handlers.dutch_practice import with_dutch
from handlers.i18n import endonym, is_rtl, isolate
from handlers.texts import choice_label, field_title, role_name, step_question
from handlers.voice_buttons import Rows, listen_row
from handlers.waiting_buttons import member_rows
from storage.models import Role, User, UserStatus

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.uow import UnitOfWork


class Onboarding(StatesGroup):
    language = State()
    consent = State()
    profile = State()  # data["step"] names the question on screen
    summary = State()


async def _send_or_edit(
    target: Message, text: str, markup: InlineKeyboardMarkup | None, *, edit: bool
) -> None:
    if edit:
        await target.edit_text(text, reply_markup=markup)
    else:
        await target.answer(text, reply_markup=markup)


def greeting() -> str:
    return _(
        "Hello! 👋 I am the buddy bot. I help people who are new in Brussels to meet a "
        "buddy: someone who lives here and likes to show you the city and practise Dutch "
        "with you."
    )


def _with(markup: InlineKeyboardMarkup, rows: Rows) -> InlineKeyboardMarkup:
    """`markup` with `rows` (the 🔊 row, when there is one) at the bottom."""
    return InlineKeyboardMarkup(inline_keyboard=[*markup.inline_keyboard, *rows])


async def show_language_confirm(
    target: Message, code: str, *, edit: bool, listen: Rows = ()
) -> None:
    text = (
        greeting()
        + "\n\n"
        + _("Shall we continue in this language: {language}?").format(language=endonym(code))
    )
    markup = _with(keyboards.language_confirm(code), listen)
    await _send_or_edit(target, text, markup, edit=edit)


# The header of the picker for someone whose language is not known yet: the same line in
# the scripts most newcomers read, so that nobody sees only Dutch.
PICKER_HEADER_LANGUAGES = ("nl", "fr", "en", "ar", "uk", "ti", "fa")


def multilingual(message: str) -> str:
    """`message` in each of PICKER_HEADER_LANGUAGES, one per line, each kept in its own
    direction."""
    i18n = get_i18n()
    lines = []
    for code in PICKER_HEADER_LANGUAGES:
        line = i18n.gettext(message, locale=code)
        lines.append(isolate(line, code) if is_rtl(code) else line)
    return "\n".join(dict.fromkeys(lines))  # a language that has no translation adds nothing


async def show_language_picker(
    target: Message,
    *,
    ctx: LanguageContext,
    edit: bool,
    note: str = "",
    unknown: bool = False,
    codes: Sequence[str] = SUPPORTED_LANGUAGES,
) -> None:
    """Every language (of `codes`, those the programme offers) by its own name. The line
    above is in the current language, or, for someone whose language is not known
    (`unknown`), in several languages and scripts."""
    header = multilingual("Choose your language:") if unknown else _("Choose your language:")
    text = (note + "\n\n" if note else "") + "🌐 " + header
    await _send_or_edit(target, text, keyboards.language_picker(ctx, codes), edit=edit)


def consent_text() -> str:
    return "\n\n".join(
        [
            "<b>" + _("Before we start") + "</b>",
            # Short enough for 60 words in every language; the rest (what we keep, /mydata,
            # /forget) is behind "🔒 More".
            _(
                "I will ask a few short questions: your first name, where you live, your "
                "languages, what you like to do and when you are free."
            ),
            _(
                "Only the coordinators of the buddy programme see your answers. We never ask "
                "about your papers, religion, health or who you love."
            ),
            _("Do you agree?"),
        ]
    )


async def show_consent(target: Message, *, edit: bool, listen: Rows = ()) -> None:
    await _send_or_edit(target, consent_text(), _with(keyboards.consent(), listen), edit=edit)


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
    text = (note + "\n\n" if note else "") + step_question(step, user.role)
    await _send_or_edit(target, text, markup, edit=edit)


def summary_text(user: User, locale: str, title: str | None = None) -> str:
    """The person's answers, under `title` (their own summary: "Your profile")."""
    lines = ["<b>" + (title or _("Your profile")) + "</b>", ""]
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


async def status_text(uow: UnitOfWork, user: User, locale: str, *, has_pair: bool) -> str:
    """Where the person stands: their place on the waiting list, or their pair."""
    if user.role == Role.NEWCOMER.value and user.status == UserStatus.WAITING.value:
        position = await uow.users.waiting_position(user)
        return _(
            "You are number {position} on the waiting list. A coordinator is looking for a "
            "buddy who fits you and will let you know here."
        ).format(position=q(position, locale))
    if (
        user.role == Role.BUDDY.value
        and user.status in (UserStatus.WAITING.value, UserStatus.MATCHED.value)
        and not has_pair  # a buddy in a pair: welcome back, below
    ):
        waiting = await uow.users.count_waiting_newcomers(user.programme_id)
        return ngettext(
            "Thank you for being a buddy! {count} newcomer is waiting for a buddy now. "
            "A coordinator will introduce you to someone who fits you.",
            "Thank you for being a buddy! {count} newcomers are waiting for a buddy now. "
            "A coordinator will introduce you to someone who fits you.",
            waiting,
        ).format(count=q(waiting, locale))
    if user.role == Role.NEWCOMER.value and user.status == UserStatus.PAUSED.value:
        return _(
            "You paused your search for a buddy; your place is kept. Tap “I'm ready again” "
            "when you want us to look again."
        )
    if user.status == UserStatus.MATCHED.value:
        return _("Welcome back, {name}! You have a buddy pair.").format(
            name=q(user.first_name or "", locale)
        )
    return _("Welcome back, {name}!").format(name=q(user.first_name or "", locale))


async def show_home(
    target: Message, uow: UnitOfWork, user: User, locale: str, clock: Clock | None = None
) -> None:
    """The member's home: where they stand, and their menu. `clock`: the update's (the
    real time when a caller has none). A partner organisation's person gets theirs."""
    if user.role == Role.PARTNER.value:
        from handlers.offers import show_partner_home  # offers' screens build on these

        await show_partner_home(target, uow, user)
        return
    has_pair = await pair_service.pair_of(uow, user) is not None
    text = await status_text(uow, user, locale, has_pair=has_pair)
    text += "\n\n" + _("What would you like to do?")
    text = with_dutch(text, user, DutchScreen.HOME, locale)  # at most one Dutch phrase
    listen = await listen_row(uow, user, VoiceKey.PROGRAMME, locale) if not has_pair else []
    now = (clock or SystemClock()).now()
    become_buddy = not has_pair and await role_change.may_ask(uow, user, now)
    menu = keyboards.main_menu(
        has_pair=has_pair, extra=member_rows(user), become_buddy=become_buddy
    )
    markup = _with(menu, listen)
    await target.answer(text, reply_markup=markup)


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
    service.suggest(user, step)
    await show_step(target, user, step, locale, edit=edit, note=note)
