"""Callback data of every inline button; parsing rejects anything malformed."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData


class LanguageContext(StrEnum):
    """Where a language button was shown: during onboarding or from the menu."""

    ONBOARDING = "onb"
    MENU = "menu"


# The language "code" of the "Other language" button on the confirm screen.
PICK_OTHER = "_pick"


class LanguageCb(CallbackData, prefix="lang"):
    """Pick a language (`code`), or PICK_OTHER to see every language."""

    code: str
    ctx: LanguageContext


class Answer(StrEnum):
    YES = "yes"
    NO = "no"


class ConsentCb(CallbackData, prefix="consent"):
    answer: Answer


class StepAction(StrEnum):
    """Buttons of an onboarding step that are not a choice; choices never start with "_"."""

    BACK = "_back"
    STOP = "_stop"
    DONE = "_done"


class StepCb(CallbackData, prefix="step"):
    """A button of one onboarding step; `value` is a choice or a StepAction."""

    step: str
    value: str


class SummaryAction(StrEnum):
    CONFIRM = "confirm"
    EDIT = "edit"


class SummaryCb(CallbackData, prefix="sum"):
    action: SummaryAction
    field: str = ""  # the step to edit


class MenuAction(StrEnum):
    PROFILE = "profile"
    LANGUAGE = "language"
    PRIVACY = "privacy"
    HELP = "help"
    MEETUP = "meetup"
    PROGRESS = "progress"
    PAIR = "pair"
    HOME = "home"
    MEETUPS = "meetups"
    LOG = "log"
    RESUME = "resume"  # start, or go on with the profile where it stopped
    IDEAS = "ideas"  # activity offers that fit the pair (handlers/offers_ideas.py)
    MYDATA = "mydata"  # the file of everything kept about the person (handlers/privacy.py)
    FORGET = "forget"  # erase it, after a confirmation


class MenuCb(CallbackData, prefix="menu"):
    action: MenuAction


class ForgetCb(CallbackData, prefix="forget"):
    answer: Answer


class DutchAction(StrEnum):
    SHOW = "show"  # the Dutch practice screen (under /language)
    SET = "set"  # choose a level (`level`: off, normal, more)


class DutchCb(CallbackData, prefix="nl"):
    action: DutchAction
    level: str = ""


class UnclearAction(StrEnum):
    ASK = "ask"  # "🗣️ Something unclear?": which message?
    LAST = "last"  # the last notification the bot sent the person
    STOP = "stop"


class UnclearCb(CallbackData, prefix="unc"):
    action: UnclearAction
