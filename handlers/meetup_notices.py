"""Pushed messages about meetups and hours, in the recipient's language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from delivery.outbox import Rendered
from domain.ics import meetup_calendar, meetup_uid
from domain.notices import Notice
from domain.voices import VoiceKey
from handlers.common import q
from handlers.coordinator_buttons import pair_file_markup, target_reached_markup
from handlers.i18n import fmt_date, fmt_time, gendered, isolate
from handlers.meetup_buttons import HourAction, HourCb, MeetAction, MeetCb
from handlers.notice_registry import NoticeFunction, notice, zone
from handlers.pickers import format_minutes
from handlers.texts import activity_label
from handlers.voice_buttons import listen_button_row


def _when(params: dict[str, Any], locale: str) -> str:
    tz = zone(params)
    starts = datetime.fromisoformat(params["starts_at"])
    return fmt_date(starts, locale, tz, "full") + ", " + fmt_time(starts, locale, tz)


def _summary(params: dict[str, Any], locale: str) -> str:
    return "\n".join(
        [
            "📅 " + _when(params, locale),
            "⏱ " + format_minutes(int(params["minutes"]), locale),
            "📍 " + q(params["place"], locale),
            "🎯 " + activity_label(str(params["kind"])),
        ]
    )


def _name(params: dict[str, Any], locale: str) -> str:
    """The other person's first name, as typed, safe in HTML and in any direction."""
    return q(params.get("name") or "?", locale)


def _above_summary(
    head: str, params: dict[str, Any], locale: str, markup: InlineKeyboardMarkup | None = None
) -> Rendered:
    """A notice whose headline stands above the meetup's summary."""
    return Rendered(text=head + "\n\n" + _summary(params, locale), reply_markup=markup)


def _buttons(*rows: list[tuple[str, str]]) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [InlineKeyboardButton(text=t, callback_data=d) for t, d in row] for row in rows
        ]
    )


@notice(Notice.MEETUP_PROPOSED)
def proposed(params: dict[str, Any], locale: str) -> Rendered:
    name, gender = _name(params, locale), params.get("gender")
    if params.get("changed"):
        head = gendered("{name} proposes another time for your meetup:", about=gender)
    elif params.get("intro"):
        head = gendered("{name} proposes your introduction meeting:", about=gender)
    else:
        head = gendered("{name} proposes a meetup:", about=gender)
    head = head.format(name=name)
    meetup = int(params["meetup_id"])
    markup = _buttons(
        [("✅ " + _("Accept"), MeetCb(action=MeetAction.ACCEPT, id=meetup).pack())],
        [
            ("🕑 " + _("Another time"), MeetCb(action=MeetAction.COUNTER, id=meetup).pack()),
            ("✖ " + _("Decline"), MeetCb(action=MeetAction.DECLINE, id=meetup).pack()),
        ],
    )
    return _above_summary(head, params, locale, markup)


def _told_above_summary(
    icon: str,
    headline: Callable[[str | None], str],
    markup: Callable[[], InlineKeyboardMarkup] | None = None,
) -> NoticeFunction:
    """A notice "<icon> {name} did this" (the translated `headline(gender)`, in the form
    for the named person's gender) above the meetup's summary, with `markup()` under it."""

    def render(params: dict[str, Any], locale: str) -> Rendered:
        head = headline(params.get("gender")).format(name=_name(params, locale))
        return _above_summary(icon + head, params, locale, markup() if markup else None)

    return render


accepted = notice(Notice.MEETUP_ACCEPTED)(
    _told_above_summary("✅ ", lambda g: gendered("{name} accepted the meetup.", about=g))
)


@notice(Notice.MEETUP_DECLINED)
def declined(params: dict[str, Any], locale: str) -> Rendered:
    return Rendered(
        text=gendered(
            "{name} cannot come at that time. Propose another time with /meetup.",
            about=params.get("gender"),
        ).format(name=_name(params, locale)),
        reply_markup=_plan_another(),
    )


def _plan_another() -> InlineKeyboardMarkup:
    return _buttons([("📅 " + _("Plan a meetup"), MeetCb(action=MeetAction.NEW).pack())])


cancelled = notice(Notice.MEETUP_CANCELLED)(
    _told_above_summary(
        "✖ ", lambda g: gendered("{name} cancelled the meetup:", about=g), _plan_another
    )
)


@notice(Notice.MEETUP_CALENDAR)
def calendar(params: dict[str, Any], locale: str) -> Rendered:
    starts = datetime.fromisoformat(params["starts_at"])
    cancelled_ = bool(params.get("cancelled"))
    content = meetup_calendar(
        uid=meetup_uid(int(params["meetup_id"])),
        sequence=int(params.get("sequence", 0)),
        starts_at=starts,
        duration_minutes=int(params["minutes"]),
        summary=_("Buddy meetup") + " · " + activity_label(str(params["kind"])),
        location=str(params["place"]),
        tz=str(params["tz"]),
        cancelled=cancelled_,
    )
    caption = (
        _("Open this file to remove the meetup from your calendar.")
        if cancelled_
        else _("Open this file to add the meetup to your calendar.")
    )
    return Rendered(text=caption, document=(f"meetup-{params['meetup_id']}.ics", content))


@notice(Notice.MEETUP_REMINDER)
def reminder(params: dict[str, Any], locale: str) -> Rendered:
    name, reader = _name(params, locale), params.get("reader_gender")
    which = params.get("which")
    if which == "day":
        head = gendered("⏰ Tomorrow you meet {name}:", to=reader)
    elif which == "48h":
        head = gendered("⏰ In two days you meet {name}:", to=reader)
    else:
        head = gendered("⏰ Soon you meet {name}:", to=reader)
    listen = listen_button_row(VoiceKey.REMINDER, locale, recorded=bool(params.get("voice")))
    markup = InlineKeyboardMarkup(inline_keyboard=list(listen)) if listen else None
    return _above_summary(head.format(name=name), params, locale, markup)


@notice(Notice.MEETUP_ASK)
def ask(params: dict[str, Any], locale: str) -> Rendered:
    meetup = int(params["meetup_id"])
    markup = _buttons(
        [
            ("👍 " + _("Yes"), HourCb(action=HourAction.HAPPENED, id=meetup).pack()),
            ("👎 " + _("No"), HourCb(action=HourAction.MISSED, id=meetup).pack()),
        ]
    )
    return _above_summary(_("Did your meetup take place?"), params, locale, markup)


def _entry_summary(params: dict[str, Any], locale: str) -> str:
    tz = zone(params)
    started = datetime.fromisoformat(params["started_at"])
    return " · ".join(
        [
            fmt_date(started, locale, tz, "medium"),
            format_minutes(int(params["minutes"]), locale),
            activity_label(str(params["kind"])),
        ]
    )


@notice(Notice.HOURS_CONFIRM_REQUEST)
def confirm_request(params: dict[str, Any], locale: str) -> Rendered:
    entry = int(params["entry_id"])
    head = gendered(
        "{name} noted time you spent together. Is this right?", about=params.get("gender")
    )
    return Rendered(
        text=head.format(name=_name(params, locale)) + "\n\n" + _entry_summary(params, locale),
        reply_markup=_buttons(
            [
                ("✅ " + _("Yes, confirm"), HourCb(action=HourAction.CONFIRM, id=entry).pack()),
                ("⚠️ " + _("Not right"), HourCb(action=HourAction.DISPUTE, id=entry).pack()),
            ]
        ),
    )


@notice(Notice.HOURS_CONFIRMED)
def confirmed(params: dict[str, Any], locale: str) -> Rendered:
    head = gendered("{name} confirmed your hours:", about=params.get("gender")).format(
        name=_name(params, locale)
    )
    return Rendered(text="✅ " + head + " " + _entry_summary(params, locale))


@notice(Notice.HOURS_DISPUTED)
def disputed(params: dict[str, Any], locale: str) -> Rendered:
    entry = int(params["entry_id"])
    return Rendered(
        text=gendered("{name} says this is not right:", about=params.get("gender")).format(
            name=_name(params, locale)
        )
        + " "
        + _entry_summary(params, locale)
        + "\n"
        + _("You can correct it, or a coordinator will help."),
        reply_markup=_buttons(
            [("✏️ " + _("Correct the hours"), HourCb(action=HourAction.FIX, id=entry).pack())]
        ),
    )


@notice(Notice.HOURS_MILESTONE)
def milestone(params: dict[str, Any], locale: str) -> Rendered:
    hours = int(params["hours"])
    target = int(params.get("target", 40))
    if hours >= target:
        text = ngettext(
            "🏆 You did it: {count} hour together! Congratulations to you both.",
            "🏆 You did it: {count} hours together! Congratulations to you both.",
            hours,
        )
    else:
        text = ngettext(
            "🎉 {count} hour together! Keep going, you are doing great.",
            "🎉 {count} hours together! Keep going, you are doing great.",
            hours,
        )
    return Rendered(text=text.format(count=isolate(hours, locale)))


@notice(Notice.PAIR_NUDGE)
def nudge(params: dict[str, Any], locale: str) -> Rendered:
    return Rendered(
        text="👋 " + _("It has been a while since you met. How about planning a meetup?"),
        reply_markup=_buttons([("📅 " + _("Plan a meetup"), MeetCb(action=MeetAction.NEW).pack())]),
    )


@notice(Notice.HOURS_RESOLVED)
def resolved(params: dict[str, Any], locale: str) -> Rendered:
    head = _("A coordinator settled the hours you did not agree on. These hours count:")
    return Rendered(text="⚖️ " + head + " " + _entry_summary(params, locale))


@notice(Notice.HOURS_ENTERED_BY_COORDINATOR)
def entered_by_coordinator(params: dict[str, Any], locale: str) -> Rendered:
    head = _("A coordinator noted time you spent together. These hours count:")
    return Rendered(text="🗂 " + head + " " + _entry_summary(params, locale))


@notice(Notice.COORDINATOR_NO_SHOW)
def no_show(params: dict[str, Any], locale: str) -> Rendered:
    pair = int(params["pair_id"])
    return Rendered(
        text="⚠️ "
        + _("{name} reports that the other person did not come (pair #{pair}).").format(
            name=_name(params, locale), pair=pair
        ),
        reply_markup=pair_file_markup(pair),
    )


@notice(Notice.COORDINATOR_HOURS_DISPUTED)
def hours_disputed(params: dict[str, Any], locale: str) -> Rendered:
    pair = int(params["pair_id"])
    return Rendered(
        text="⚠️ "
        + _("Hours are disputed in pair #{pair}: {duration}.").format(
            pair=pair, duration=format_minutes(int(params["minutes"]), locale)
        ),
        reply_markup=pair_file_markup(pair),
    )


@notice(Notice.COORDINATOR_TARGET_REACHED)
def target_reached(params: dict[str, Any], locale: str) -> Rendered:
    return Rendered(
        text="🏆 "
        + ngettext(
            "Pair #{pair} reached the goal of {count} confirmed hour.",
            "Pair #{pair} reached the goal of {count} confirmed hours.",
            int(params["hours"]),
        ).format(pair=int(params["pair_id"]), count=isolate(int(params["hours"]), locale)),
        reply_markup=target_reached_markup(int(params["pair_id"])),
    )


@notice(Notice.COORDINATOR_PAIR_QUIET)
def pair_quiet(params: dict[str, Any], locale: str) -> Rendered:
    days = int(params["days"])
    return Rendered(
        text="🔕 "
        + ngettext(
            "Pair #{pair} has had no meetup or hours for {count} day.",
            "Pair #{pair} has had no meetup or hours for {count} days.",
            days,
        ).format(pair=int(params["pair_id"]), count=isolate(days, locale))
    )
