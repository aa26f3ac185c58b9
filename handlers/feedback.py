"""How was it? One tap on a face, then an optional word (see domain.feedback).

- A face saves the answer and turns the question into the thanks with "✍️ Add a word";
  a second tap, or a forged button, is answered and changes nothing.
- "✍️ Add a word" waits for the next message: typed words are kept with the answer (after
  a 🙁 the coordinators get them too); a voice message goes to the coordinators; anything
  else is answered with what to send instead. "✖ Cancel" leaves the step.
"""

from __future__ import annotations

from typing import Any

from aiogram import F, Router
from aiogram.filters import StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from domain import feedback as service
from domain import privacy as privacy_service
from domain.clock import Clock
from domain.errors import DomainError
from domain.inbox import Copy
from handlers.feedback_buttons import (
    FACES,
    FeedbackAction,
    FeedbackCb,
    FeedbackSteps,
    done_keyboard,
    word_keyboard,
)
from handlers.filters import Registered, WithMessage
from handlers.inbox import NOT_COMMAND, SPOKEN, group_id
from handlers.inbox_buttons import cancel_keyboard
from handlers.texts import error_text
from storage.models import User
from storage.uow import UnitOfWork

# Errors this step answers itself: the word stays to be written (the step goes on).
RETRY_KEYS = frozenset({"feedback_comment_empty", "feedback_comment_too_long"})


def feedback_error_text(key: str, params: dict[str, Any], locale: str) -> str:
    texts = {
        "feedback_answered": _("You answered this already. Thank you!"),
        "feedback_commented": _("You added a word already. Thank you!"),
        "feedback_comment_empty": _("Please type a few words, or send a voice message."),
        "feedback_comment_too_long": _(
            "That is a bit long. Please keep it under {limit} characters."
        ),
    }
    text = texts.get(key)
    if text is None:
        return error_text(key, params, locale)
    return text.format(**params)


def _refused(uow: UnitOfWork, user: User, callback: CallbackQuery) -> None:
    privacy_service.audit_refusal(
        uow, "refused.feedback", user, callback.from_user.id, attempt=FeedbackCb.__prefix__
    )


async def answered(
    callback: CallbackQuery,
    message: Message,
    callback_data: FeedbackCb,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    locale: str,
) -> None:
    """A face: keep it, and offer to add a word in the same message."""
    try:
        result = await service.answer(uow, user, callback_data.id, callback_data.v, clock.now())
    except DomainError as error:
        if error.key == "not_found":  # someone else's question, or made up
            _refused(uow, user, callback)
        await callback.answer(error_text(error.key, error.params, locale), show_alert=True)
        return
    if result.unchanged:
        await callback.answer(feedback_error_text("feedback_answered", {}, locale), show_alert=True)
        return
    await callback.answer()
    face = FACES[int(result.feedback.answer or 0)]
    text = face + " " + _("Thank you! Would you like to add a word? It is up to you.")
    await message.edit_text(text, reply_markup=word_keyboard(result.feedback.id))


async def ask_for_word(
    callback: CallbackQuery,
    message: Message,
    callback_data: FeedbackCb,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    locale: str,
) -> None:
    """ "✍️ Add a word": the next message is the word."""
    try:
        feedback = await service.may_comment(uow, user, callback_data.id)
    except DomainError as error:
        if error.key == "not_found":
            _refused(uow, user, callback)
        await callback.answer(feedback_error_text(error.key, error.params, locale), show_alert=True)
        return
    await callback.answer()
    await state.set_state(FeedbackSteps.commenting)
    await state.update_data(feedback=feedback.id)
    await message.answer(
        "✍️ " + _("Write a few words about it. A voice message works too."),
        reply_markup=cancel_keyboard(),
    )


async def _leave_with(message: Message, state: FSMContext, text: str) -> None:
    await state.clear()
    await message.answer(text, reply_markup=done_keyboard())


async def word_written(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    settings: Any,
    locale: str,
) -> None:
    feedback_id = int((await state.get_data()).get("feedback") or 0)
    try:
        to_coordinators = await service.comment(
            uow,
            user,
            feedback_id,
            message.text,
            Copy(message.chat.id, message.message_id),
            clock.now(),
            group_chat_id=group_id(settings),
        )
    except DomainError as error:
        text = feedback_error_text(error.key, error.params, locale)
        if error.key in RETRY_KEYS:
            await message.answer(text, reply_markup=cancel_keyboard())
        else:
            await _leave_with(message, state, text)
        return
    thanks = "✅ " + _("Thank you, noted.")
    if to_coordinators:
        thanks += " " + _("A coordinator will read it and may write to you.")
    await _leave_with(message, state, thanks)


async def word_spoken(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    settings: Any,
    locale: str,
) -> None:
    """A voice message as the word: passed on to the coordinators, who can listen."""
    feedback_id = int((await state.get_data()).get("feedback") or 0)
    try:
        await service.spoken_comment(
            uow,
            user,
            feedback_id,
            Copy(message.chat.id, message.message_id),
            clock.now(),
            group_chat_id=group_id(settings),
        )
    except DomainError as error:
        await _leave_with(message, state, feedback_error_text(error.key, error.params, locale))
        return
    await _leave_with(
        message, state, "🎙 " + _("Thank you! Your voice message went to the coordinator.")
    )


async def not_a_word(message: Message) -> None:
    """A photo, a sticker...: say what the step takes."""
    await message.answer(
        "✍️ " + _("Please type a few words, or send a voice message."),
        reply_markup=cancel_keyboard(),
    )


def create_router() -> Router:
    router = Router(name=__name__)
    member = Registered(profile_done=True)
    router.callback_query.register(
        answered, FeedbackCb.filter(F.action == FeedbackAction.ANSWER), member, WithMessage()
    )
    router.callback_query.register(
        ask_for_word, FeedbackCb.filter(F.action == FeedbackAction.WORD), member, WithMessage()
    )
    step = StateFilter(FeedbackSteps.commenting)
    router.message.register(word_written, step, F.text, NOT_COMMAND, member)
    router.message.register(word_spoken, step, F.content_type.in_(SPOKEN), member)
    router.message.register(not_a_word, step, NOT_COMMAND, member)
    return router
