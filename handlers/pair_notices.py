"""Pushed messages about a pair and its changes, in the recipient's language."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from delivery.outbox import Rendered
from domain.notices import Notice
from domain.voices import VoiceKey
from handlers.common import q
from handlers.coordinator_buttons import pair_file_markup
from handlers.first_meeting_notices import change_request_reason
from handlers.i18n import fmt_date, gendered
from handlers.inbox_buttons import write_buttons
from handlers.meetup_buttons import MeetAction, MeetCb
from handlers.notice_registry import notice, zone
from handlers.texts import activity_list, end_reason_label, language_list
from handlers.voice_buttons import listen_button_row


@notice(Notice.PAIR_INTRODUCTION)
def introduction(params: dict[str, Any], locale: str) -> Rendered:
    other = q(params.get("other_name") or "?", locale)
    if params.get("role") == "buddy":
        lines = [
            gendered("🤝 Good news! You are now the buddy of {name}.", to=params.get("gender"))
        ]
    else:
        lines = [
            gendered("🤝 Good news! {name} will be your buddy.", about=params.get("other_gender"))
        ]
    lines[0] = lines[0].format(name=other)
    if params.get("languages"):
        lines.append(
            _("You can speak {languages} together.").format(
                languages=language_list(params["languages"], locale)
            )
        )
    if params.get("interests"):
        lines.append(
            _("You both like: {interests}.").format(interests=activity_list(params["interests"]))
        )
    lines.append(
        _(
            "Next step: say hello with the ✉️ button below; I pass your message on. Then "
            "plan your first meeting in a public place, like a café or a library."
        )
    )
    plan = InlineKeyboardButton(
        text="📅 " + _("Plan a meetup"), callback_data=MeetCb(action=MeetAction.NEW).pack()
    )
    rows = [
        *write_buttons(
            int(params["pair_id"]),
            params.get("other_name") or "?",
            params.get("other_username"),
            locale,
        ),
        [plan],
        *listen_button_row(VoiceKey.INTRODUCTION, locale, recorded=bool(params.get("voice"))),
    ]
    return Rendered(
        text="\n\n".join(lines), reply_markup=InlineKeyboardMarkup(inline_keyboard=rows)
    )


@notice(Notice.PAIR_PAUSED)
def paused(params: dict[str, Any], locale: str) -> Rendered:
    until = datetime.fromisoformat(params["until"])
    return Rendered(
        text="⏸ "
        + _("Your buddy pair is paused until {date}. The coordinator will check in then.").format(
            date=fmt_date(until, locale, zone(params))
        )
    )


@notice(Notice.PAIR_RESUMED)
def resumed(params: dict[str, Any], locale: str) -> Rendered:
    return Rendered(text="▶️ " + _("Your buddy pair is active again. Welcome back!"))


@notice(Notice.PAIR_ENDED)
def ended(params: dict[str, Any], locale: str) -> Rendered:
    lines = [
        _("Your buddy pair has ended. Thank you for the time you spent together!"),
        _("Reason: {reason}").format(reason=end_reason_label(str(params.get("reason", "other")))),
    ]
    if params.get("rematch"):
        lines.append(
            _(
                "You are back at the front of the waiting list. We will look for a new buddy "
                "for you."
            )
        )
    return Rendered(text="\n\n".join(lines))


@notice(Notice.COORDINATOR_CHANGE_REQUEST)
def change_request(params: dict[str, Any], locale: str) -> Rendered:
    name = q(params.get("name") or "?", locale)
    pair_id = int(params.get("pair_id", 0))
    from_first_meeting = change_request_reason(params, locale)
    if from_first_meeting is not None:
        return Rendered(text="📨 " + from_first_meeting, reply_markup=pair_file_markup(pair_id))
    if params.get("kind") == "end":
        text = _("{name} asks to end their buddy pair (pair #{pair}).")
    else:
        text = _("{name} asks to change their buddy pair (pair #{pair}).")
    return Rendered(
        text="📨 " + text.format(name=name, pair=pair_id), reply_markup=pair_file_markup(pair_id)
    )
