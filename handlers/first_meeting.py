"""After the first meeting: "Did it feel right?" and "Shall we go on?", one tap each, in
the message the questions came in (see domain.first_meeting).

Each tap saves the answer and shows the next question in the same message; the last one
thanks the person. A "no" is passed to the coordinators as a change request; the partner
never sees the answers, and the message says so, so that people answer honestly.
"""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from domain import first_meeting as service
from handlers.actor import Acting, Actor
from handlers.common import q
from handlers.filters import WithMessage
from handlers.flow_answers import answered_with
from handlers.i18n import gendered
from handlers.meetup_buttons import MeetAction, MeetCb
from handlers.texts import error_text
from storage.models import FirstMeetingQuestion, FirstMeetingReply


class FirstMeetingCb(CallbackData, prefix="fm"):
    """An answer: the first meeting (a meetup id), the question and the reply."""

    id: int
    q: FirstMeetingQuestion
    a: FirstMeetingReply


def question_text(question: FirstMeetingQuestion) -> str:
    texts = {
        FirstMeetingQuestion.FEELS_RIGHT: _("Did it feel right?"),
        FirstMeetingQuestion.GO_ON: _("Shall we go on?"),
    }
    return texts[question]


def reply_label(question: FirstMeetingQuestion, reply: FirstMeetingReply) -> str:
    if reply is FirstMeetingReply.YES:
        return "👍 " + _("Yes")
    if question is FirstMeetingQuestion.FEELS_RIGHT:
        return "😕 " + _("Not really")
    return "✋ " + _("No")


def question_screen(
    meetup_id: int, question: FirstMeetingQuestion, first_line: str
) -> tuple[str, InlineKeyboardMarkup]:
    """One question under `first_line`: where we are (1/2), the question, two buttons."""
    number = service.QUESTIONS.index(question) + 1
    text = f"{number}/{len(service.QUESTIONS)} · " + question_text(question)
    if first_line:
        text = first_line + "\n\n" + text
    buttons = [
        InlineKeyboardButton(
            text=reply_label(question, reply),
            callback_data=FirstMeetingCb(id=meetup_id, q=question, a=reply).pack(),
        )
        for reply in (FirstMeetingReply.YES, FirstMeetingReply.NO)
    ]
    return text, InlineKeyboardMarkup(inline_keyboard=[buttons])


def thanks_text(
    any_no: bool, partner_name: str | None, partner_gender: str | None, locale: str
) -> str:
    """The last screen: what happens now."""
    if any_no:
        return "📨 " + gendered(
            "Thank you for telling us. A coordinator will contact you soon. {name} does "
            "not see your answers.",
            about=partner_gender,
        ).format(name=q(partner_name or "?", locale))
    return "🙏 " + _("Thank you! Enjoy your time together.")


def words(key: str, params: dict[str, Any], locale: str) -> str:
    """A refusal in words: the first meeting's own, else the common ones."""
    if key == "first_meeting_not_yet":
        return _("You can answer once your first meeting has taken place.")
    return error_text(key, params, locale)


@answered_with(words)
async def answer(
    callback: CallbackQuery, callback_data: FirstMeetingCb, message: Message, actor: Actor
) -> None:
    """Keep the answer and show the next question, or the thanks."""
    result = await service.answer(
        actor.uow, actor.user, callback_data.id, callback_data.q, callback_data.a, actor.now()
    )
    partner = result.partner
    following = result.next_question()
    if following is not None:
        told = (
            "📨 " + _("Thank you for being honest. A coordinator will contact you.")
            if callback_data.a is FirstMeetingReply.NO
            else ""
        )
        text, markup = question_screen(callback_data.id, following, told)
        await message.edit_text(text, reply_markup=markup)
        return
    plan = None
    if not result.any_no:
        plan = InlineKeyboardMarkup(
            inline_keyboard=[
                [
                    InlineKeyboardButton(
                        text="📅 " + _("Plan a meetup"),
                        callback_data=MeetCb(action=MeetAction.NEW).pack(),
                    )
                ]
            ]
        )
    await message.edit_text(
        thanks_text(
            result.any_no,
            partner.first_name if partner else None,
            partner.gender if partner else None,
            actor.locale,
        ),
        reply_markup=plan,
    )


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(answer, FirstMeetingCb.filter(), Acting(), WithMessage())
    return router
