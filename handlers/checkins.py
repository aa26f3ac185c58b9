"""Check-in questions, one tap each, and the end of a trajectory (see domain.checkins).

A question is one short line with emoji buttons (people who read little can answer by
the faces) and "⏭ Skip"; each tap saves the answer and shows the next question in the
same message. The last answer thanks the person; after the end questions they can also
tell the coordinator more, in words or a voice message.
"""

from __future__ import annotations

from typing import Any

from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from delivery.outbox import Rendered
from domain import checkins
from domain import privacy as privacy_service
from domain.clock import Clock
from domain.notices import Notice
from handlers.filters import Registered, WithMessage
from handlers.inbox_buttons import menu_button, reach_buttons
from handlers.notice_registry import notice
from handlers.pickers import format_minutes
from handlers.texts import error_text
from storage.models import SKIPPED, CheckIn, CheckInMoment, Role, User
from storage.uow import UnitOfWork


class CheckInCb(CallbackData, prefix="ck"):
    """An answer: the check-in, the question's index and the value (or "skipped")."""

    id: int
    q: int
    v: str


FACES = {1: "😟", 2: "🙁", 3: "😐", 4: "🙂", 5: "😄"}


def question_text(question: str, role: str) -> str:
    texts = {
        "dutch_confidence": _("How confident do you feel speaking Dutch?"),
        "knows_where": _("Do you know where to go for leisure, sport or help?"),
        "people_to_ask": _("How many people can you ask for help?"),
        "learnt_cultures": _("How much do you learn about other cultures these days?"),
        "feels_connected": _("How connected do you feel in your neighbourhood?"),
        "worth_time": _("How much does being a buddy give you?"),
        "programme_rating": _("How was the buddy programme for you?"),
        "would_recommend": _("Would you recommend it to a friend?"),
        "another_newcomer": _("Would you like to be the buddy of another newcomer?"),
        "doing_now": _("What do you do now, besides work or school?"),
        "still_in_contact": (
            _("Are you still in contact with your newcomer?")
            if role == Role.BUDDY.value
            else _("Are you still in contact with your buddy?")
        ),
    }
    return texts[question]


def answer_label(question: str, value: int | str) -> str:
    if checkins.ANSWERS[question] is checkins.SCALE:
        return FACES[int(value)]
    if checkins.ANSWERS[question] is checkins.YES_NO:
        return "👍 " + _("Yes") if value == 1 else "👎 " + _("No")
    if question == "people_to_ask":
        return {0: "0", 1: "1–2", 2: "3–5", 3: "➕ " + _("more")}[int(value)]
    return {
        "club_leisure": "⚽ " + _("A club or leisure"),
        "volunteering": "🤝 " + _("Volunteering"),
        "course": "📚 " + _("A course"),
        "work": "💼 " + _("Work"),
        "nothing_yet": "⏳ " + _("Nothing yet"),
        "other": "✨ " + _("Something else"),
    }[str(value)]


def intro(moment: str, reminder: bool) -> str:
    if reminder:
        return _("A gentle reminder: a few quick questions, if you have a moment.")
    return {
        CheckInMoment.ONBOARDING.value: _(
            "A few quick questions, so we can see what the programme changes. You can skip any."
        ),
        CheckInMoment.HOURS_20.value: _("20 hours together already! A few quick questions."),
        CheckInMoment.END.value: _("Your trajectory is over. A few last questions, please."),
        CheckInMoment.MONTH_3.value: _("It has been 3 months. How are you doing?"),
        CheckInMoment.MONTH_6.value: _("It has been 6 months. How are you doing?"),
    }.get(moment, "")


def question_screen(
    check_in_id: int, questions: list[str], index: int, role: str, first_line: str = ""
) -> tuple[str, InlineKeyboardMarkup]:
    """One question: where we are (2/3), the question, one button per answer, skip."""
    question = questions[index]
    text = f"{index + 1}/{len(questions)} · " + question_text(question, role)
    if first_line:
        text = first_line + "\n\n" + text
    options = [
        InlineKeyboardButton(
            text=answer_label(question, value),
            callback_data=CheckInCb(id=check_in_id, q=index, v=str(value)).pack(),
        )
        for value in checkins.ANSWERS[question]
    ]
    width = 5 if len(options) == 5 else 2
    rows = [options[start : start + width] for start in range(0, len(options), width)]
    rows.append(
        [
            InlineKeyboardButton(
                text="⏭ " + _("Skip"),
                callback_data=CheckInCb(id=check_in_id, q=index, v=SKIPPED).pack(),
            )
        ]
    )
    return text, InlineKeyboardMarkup(inline_keyboard=rows)


@notice(Notice.CHECKIN_ASK)
def ask(params: dict[str, Any], locale: str) -> Rendered:
    role = str(params.get("role") or Role.NEWCOMER.value)
    moment = CheckInMoment(str(params["moment"]))
    questions = checkins.questions_for(role, moment)
    index = min(int(params.get("question") or 0), len(questions) - 1)
    text, markup = question_screen(
        int(params["check_in_id"]),
        questions,
        index,
        role,
        "📝 " + intro(moment.value, bool(params.get("reminder"))),
    )
    return Rendered(text=text, reply_markup=markup)


@notice(Notice.PAIR_COMPLETED)
def completed(params: dict[str, Any], locale: str) -> Rendered:
    minutes = int(params.get("minutes") or 0)
    hours = minutes // 60
    together = (
        ngettext(
            "Together you spent {count} hour.", "Together you spent {count} hours.", hours
        ).format(count=hours)
        if hours
        else _("Together you spent {time}.").format(time=format_minutes(minutes, locale))
    )
    lines = [
        "🎓 " + _("Congratulations! Your buddy trajectory is complete."),
        together,
        _("Thank you for everything you did together!"),
    ]
    return Rendered(text="\n\n".join(lines))


async def answered(
    callback: CallbackQuery,
    message: Message,
    callback_data: CheckInCb,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    locale: str,
) -> None:
    """Save the answer and show the next question, or the thanks, in the same message."""
    found = await uow.check_ins.get(callback_data.id)
    if found is None or found.person_id != user.id:  # someone else's, or made up
        privacy_service.audit_refusal(
            uow, "refused.check_in", user, callback.from_user.id, attempt=CheckInCb.__prefix__
        )
        await callback.answer(error_text("not_found", {}, locale), show_alert=True)
        return
    check_in: CheckIn = await checkins.answer(
        uow, user, callback_data.id, callback_data.q, callback_data.v, clock.now()
    )
    await callback.answer()
    index = checkins.next_question(check_in)
    if index is not None:
        text, markup = question_screen(check_in.id, check_in.questions, index, check_in.role)
        await message.edit_text(text, reply_markup=markup)
        return
    thanks = "🙏 " + _("Thank you! Your answers help the programme.")
    if check_in.moment == CheckInMoment.END.value:
        thanks += "\n\n" + _(
            "Would you like to tell the coordinator more? Write or send a voice message."
        )
        rows = [reach_buttons()[0], [menu_button()]]
    else:
        rows = [[menu_button()]]
    await message.edit_text(thanks, reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


def create_router() -> Router:
    router = Router(name=__name__)
    router.callback_query.register(answered, CheckInCb.filter(), Registered(), WithMessage())
    return router
