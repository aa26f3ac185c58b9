"""Keyboards, built from the current language and the data they show."""

from __future__ import annotations

import functools
from collections.abc import Callable, Hashable, Sequence
from typing import ParamSpec
from weakref import WeakKeyDictionary

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import I18n, get_i18n
from aiogram.utils.i18n import gettext as _
from aiogram.utils.keyboard import InlineKeyboardBuilder

from domain.langid import SUPPORTED_LANGUAGES
from domain.profile import ACTIVITY_KINDS, MULTI_SELECT, Step
from handlers.callbacks import (
    PICK_OTHER,
    Answer,
    ConsentCb,
    DutchAction,
    DutchCb,
    ForgetCb,
    LanguageCb,
    LanguageContext,
    MenuAction,
    MenuCb,
    StepAction,
    StepCb,
    SummaryAction,
    SummaryCb,
    UnclearAction,
    UnclearCb,
)
from handlers.i18n import endonym
from handlers.inbox_buttons import reach_buttons
from handlers.my_time_buttons import my_time_button
from handlers.role_change_buttons import become_button
from handlers.texts import activity_label, choice_label, field_title

P = ParamSpec("P")

_COLUMNS = {
    Step.ROLE: 1,
    Step.MUNICIPALITY: 2,
    Step.LANGUAGES: 3,
    Step.INTERESTS: 2,
    Step.AVAILABILITY: 1,
    Step.DUTCH_LEVEL: 2,
    Step.GENDER: 2,
    Step.GENDER_PREFERENCE: 3,
    Step.CAPACITY: 3,
}


def per_language(
    build: Callable[P, InlineKeyboardMarkup],
) -> Callable[P, InlineKeyboardMarkup]:
    """`build`, made once per language of the screen and arguments, then kept: these
    keyboards depend on nothing else, and building one (callback data packed, each button
    validated) cost 45-60 us of every /start and button press. A markup is frozen and
    nobody changes its rows (they are copied into new markups), so one can be shared."""
    # per I18n (tests make many; a weak key lets each go with its bot), then per language
    made: WeakKeyDictionary[I18n, dict[tuple[Hashable, ...], InlineKeyboardMarkup]]
    made = WeakKeyDictionary()

    @functools.wraps(build)
    def cached(*args: P.args, **kwargs: P.kwargs) -> InlineKeyboardMarkup:
        i18n = get_i18n()
        kept = made.get(i18n)
        if kept is None:
            kept = made[i18n] = {}
        key = (i18n.current_locale, *args, *sorted(kwargs.items()))
        markup = kept.get(key)
        if markup is None:
            markup = kept[key] = build(*args, **kwargs)
        return markup

    return cached


def language_picker(
    ctx: LanguageContext, codes: Sequence[str] = SUPPORTED_LANGUAGES
) -> InlineKeyboardMarkup:
    """Every language (of `codes`: those the person's programme offers) in its own name, so
    nobody needs to read a foreign word."""
    return _language_picker(ctx, tuple(codes))


@per_language
def _language_picker(ctx: LanguageContext, codes: tuple[str, ...]) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for code in codes:
        builder.button(text=endonym(code), callback_data=LanguageCb(code=code, ctx=ctx))
    builder.adjust(3)
    if ctx == LanguageContext.MENU:  # a registered person's /language: more about words
        builder.row(*language_tools())
    return builder.as_markup()


def language_tools() -> list[InlineKeyboardButton]:
    """Under a registered person's /language: how much Dutch they see, and telling the
    coordinators that a message is unclear (handlers/dutch_practice.py, handlers/unclear.py)."""
    return [
        InlineKeyboardButton(
            text="🇳🇱 " + _("Dutch practice"),
            callback_data=DutchCb(action=DutchAction.SHOW).pack(),
        ),
        InlineKeyboardButton(
            text="🗣️ " + _("Something unclear?"),
            callback_data=UnclearCb(action=UnclearAction.ASK).pack(),
        ),
    ]


@per_language
def language_confirm(code: str) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    onboarding = LanguageContext.ONBOARDING
    builder.button(text=f"✅ {endonym(code)}", callback_data=LanguageCb(code=code, ctx=onboarding))
    builder.button(
        text="🌐 " + _("Other language"),
        callback_data=LanguageCb(code=PICK_OTHER, ctx=onboarding),
    )
    builder.adjust(1)
    return builder.as_markup()


def yes_or_no(
    question: type[ConsentCb | ForgetCb], yes: str, no: str, *, columns: int
) -> InlineKeyboardMarkup:
    """The two answers to a yes-or-no question, yes first."""
    builder = InlineKeyboardBuilder()
    builder.button(text=yes, callback_data=question(answer=Answer.YES))
    builder.button(text=no, callback_data=question(answer=Answer.NO))
    builder.adjust(columns)
    return builder.as_markup()


@per_language
def consent() -> InlineKeyboardMarkup:
    markup = yes_or_no(ConsentCb, "✅ " + _("I agree"), _("Not now"), columns=2)
    more = _menu_button("🔒 " + _("More about your data"), MenuAction.PRIVACY)
    return InlineKeyboardMarkup(inline_keyboard=[*markup.inline_keyboard, [more]])


def step_keyboard(
    step: Step,
    values: Sequence[str],
    selected: Sequence[str],
    locale: str,
    *,
    can_go_back: bool,
) -> InlineKeyboardMarkup:
    """Choices of one step (ticked when chosen), "Done" for multi-select, back and stop."""
    rows: list[list[InlineKeyboardButton]] = []
    columns = _COLUMNS.get(step, 2)
    row: list[InlineKeyboardButton] = []
    for value in values:
        label = choice_label(step, value, locale)
        if value in selected:
            label = f"✅ {label}"
        row.append(
            InlineKeyboardButton(
                text=label, callback_data=StepCb(step=step.value, value=value).pack()
            )
        )
        if len(row) == columns:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    if step in MULTI_SELECT:
        rows.append(
            [
                InlineKeyboardButton(
                    text="➡️ " + _("Done"),
                    callback_data=StepCb(step=step.value, value=StepAction.DONE).pack(),
                )
            ]
        )
    rows.append(navigation(step, can_go_back=can_go_back))
    return InlineKeyboardMarkup(inline_keyboard=rows)


def navigation(step: Step, *, can_go_back: bool) -> list[InlineKeyboardButton]:
    buttons = []
    if can_go_back:
        buttons.append(
            InlineKeyboardButton(
                text="⬅️ " + _("Back"),
                callback_data=StepCb(step=step.value, value=StepAction.BACK).pack(),
            )
        )
    buttons.append(
        InlineKeyboardButton(
            text="⏸ " + _("Stop for now"),
            callback_data=StepCb(step=step.value, value=StepAction.STOP).pack(),
        )
    )
    return buttons


def summary(steps: Sequence[Step], *, confirmed: bool) -> InlineKeyboardMarkup:
    builder = InlineKeyboardBuilder()
    for step in steps:
        if step is Step.ROLE and confirmed:
            continue  # a coordinator changes a confirmed role, not the person
        builder.button(
            text="✏️ " + field_title(step),
            callback_data=SummaryCb(action=SummaryAction.EDIT, field=step.value),
        )
    builder.adjust(2)
    if confirmed:
        # Quiet hours, days off, a pause, the time zone (handlers/my_time.py).
        builder.row(my_time_button())
    label = "✅ " + (_("Looks good") if confirmed else _("Confirm"))
    builder.row(
        InlineKeyboardButton(
            text=label, callback_data=SummaryCb(action=SummaryAction.CONFIRM).pack()
        )
    )
    return builder.as_markup()


def activity_kinds(
    button_data: Callable[[int], CallbackData], cancel_row: list[InlineKeyboardButton]
) -> InlineKeyboardMarkup:
    """One button per activity kind (its data names the kind's index), then cancel."""
    rows = [
        [InlineKeyboardButton(text=activity_label(kind), callback_data=button_data(index).pack())]
        for index, kind in enumerate(ACTIVITY_KINDS)
    ]
    return InlineKeyboardMarkup(inline_keyboard=[*rows, cancel_row])


def main_menu(
    *,
    has_pair: bool = False,
    extra: Sequence[list[InlineKeyboardButton]] = (),
    become_buddy: bool = False,
) -> InlineKeyboardMarkup:
    """The member's menu; `extra` rows (what only this person can do now) under its
    grid of buttons; with `become_buddy`, "🤝 Become a buddy" (domain/role_change.py)."""
    builder = InlineKeyboardBuilder()
    if has_pair:
        builder.button(
            text="📅 " + _("Plan a meetup"), callback_data=MenuCb(action=MenuAction.MEETUP)
        )
        builder.button(text="⏱ " + _("Our hours"), callback_data=MenuCb(action=MenuAction.PROGRESS))
        builder.button(
            text="🤝 " + _("My buddy pair"), callback_data=MenuCb(action=MenuAction.PAIR)
        )
        builder.button(text="💡 " + _("Ideas"), callback_data=MenuCb(action=MenuAction.IDEAS))
    builder.button(text="👤 " + _("My profile"), callback_data=MenuCb(action=MenuAction.PROFILE))
    builder.button(text="🌐 " + _("Language"), callback_data=MenuCb(action=MenuAction.LANGUAGE))
    builder.button(text="🔒 " + _("My data"), callback_data=MenuCb(action=MenuAction.PRIVACY))
    builder.button(text="❓ " + _("Help"), callback_data=MenuCb(action=MenuAction.HELP))
    builder.adjust(2)
    for row in extra:
        builder.row(*row)
    if become_buddy:
        builder.row(become_button())
    # Reaching a person is never more than one tap away.
    for row in reach_buttons():
        builder.row(*row)
    return builder.as_markup()


def forget_confirm() -> InlineKeyboardMarkup:
    return yes_or_no(ForgetCb, "🗑 " + _("Yes, erase my data"), _("No, keep it"), columns=1)


def _menu_button(text: str, action: MenuAction) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=MenuCb(action=action).pack())


def help_member(*, has_pair: bool) -> InlineKeyboardMarkup:
    """/help of a member: a button for each thing they can do now, and a way to a person."""
    rows: list[list[InlineKeyboardButton]] = []
    if has_pair:
        rows += [
            [
                _menu_button("📅 " + _("Plan a meetup"), MenuAction.MEETUP),
                _menu_button("🗓 " + _("Our meetups"), MenuAction.MEETUPS),
            ],
            [
                _menu_button("✍️ " + _("Note our hours"), MenuAction.LOG),
                _menu_button("⏱ " + _("Our hours"), MenuAction.PROGRESS),
            ],
            [
                _menu_button("🤝 " + _("My buddy pair"), MenuAction.PAIR),
                _menu_button("💡 " + _("Ideas"), MenuAction.IDEAS),
            ],
        ]
    rows += [
        [
            _menu_button("👤 " + _("My profile"), MenuAction.PROFILE),
            _menu_button("🌐 " + _("Language"), MenuAction.LANGUAGE),
        ],
        [_menu_button("🔒 " + _("My data"), MenuAction.PRIVACY)],
        *reach_buttons(),
        [_menu_button("🏠 " + _("Menu"), MenuAction.HOME)],
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def plan_meetup() -> InlineKeyboardMarkup:
    """Under "No meetups planned": the way to plan one, and home."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_menu_button("📅 " + _("Plan a meetup"), MenuAction.MEETUP)],
            [_menu_button("🏠 " + _("Menu"), MenuAction.HOME)],
        ]
    )


def home_only() -> InlineKeyboardMarkup:
    """Under the end of something (a form left, a request sent): back to the menu."""
    home = _menu_button("🏠 " + _("Menu"), MenuAction.HOME)
    return InlineKeyboardMarkup(inline_keyboard=[[home]])


def after_progress(extra: Sequence[list[InlineKeyboardButton]] = ()) -> InlineKeyboardMarkup:
    """Under "Our hours": `extra` rows (the proof of participation), noting hours, home."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            *extra,
            [_menu_button("✍️ " + _("Note our hours"), MenuAction.LOG)],
            [_menu_button("🏠 " + _("Menu"), MenuAction.HOME)],
        ]
    )


def privacy_actions(*, profile_done: bool) -> InlineKeyboardMarkup:
    """Under the privacy notice, for someone the programme keeps data about: the file of
    it, its erasure, and the way on (the menu, or the profile where it stopped)."""
    way_on = (
        _menu_button("🏠 " + _("Menu"), MenuAction.HOME)
        if profile_done
        else _menu_button("▶️ " + _("Continue"), MenuAction.RESUME)
    )
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_menu_button("📄 " + _("Download your data"), MenuAction.MYDATA)],
            [_menu_button("🗑 " + _("Erase your data"), MenuAction.FORGET)],
            [way_on],
        ]
    )


def welcome_back() -> InlineKeyboardMarkup:
    """After erasure: a way to begin again without typing /start."""
    return InlineKeyboardMarkup(
        inline_keyboard=[[_menu_button("▶️ " + _("Continue"), MenuAction.RESUME)]]
    )


def help_newcomer(*, erase: bool = False) -> InlineKeyboardMarkup:
    """/help of someone who has not finished (or not begun) their profile: go on, or
    change the language; with `erase` (answers are kept), erase them."""
    rows = [
        [_menu_button("▶️ " + _("Continue"), MenuAction.RESUME)],
        [_menu_button("🌐 " + _("Language"), MenuAction.LANGUAGE)],
    ]
    if erase:
        rows.append([_menu_button("🗑 " + _("Erase your data"), MenuAction.FORGET)])
    return InlineKeyboardMarkup(inline_keyboard=rows)
