"""Buttons of "how was it?": the four faces, "✍️ Add a word", and the step that takes
the word."""

from __future__ import annotations

from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from handlers.inbox_buttons import menu_button

# domain.feedback.ANSWERS as faces, shown best first.
FACES = {4: "😀", 3: "🙂", 2: "😐", 1: "🙁"}


class FeedbackSteps(StatesGroup):
    commenting = State()  # data: feedback (the question's id)


class FeedbackAction(StrEnum):
    ANSWER = "a"  # id: the question, v: the answer
    WORD = "w"  # id: the question


class FeedbackCb(CallbackData, prefix="fb"):
    action: FeedbackAction
    id: int
    v: int = 0


def faces_keyboard(feedback_id: int) -> InlineKeyboardMarkup:
    """One row of faces: the answer is one tap."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                InlineKeyboardButton(
                    text=face,
                    callback_data=FeedbackCb(
                        action=FeedbackAction.ANSWER, id=feedback_id, v=value
                    ).pack(),
                )
                for value, face in FACES.items()
            ]
        ]
    )


def word_keyboard(feedback_id: int) -> InlineKeyboardMarkup:
    """After the answer: add a word, or back to the menu."""
    word = InlineKeyboardButton(
        text="✍️ " + _("Add a word"),
        callback_data=FeedbackCb(action=FeedbackAction.WORD, id=feedback_id).pack(),
    )
    return InlineKeyboardMarkup(inline_keyboard=[[word], [menu_button()]])


def done_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[menu_button()]])
