"""Pushed messages of being heard: people's messages and concerns as the coordinators see
them, the coordinators' answers, and the pair's messages to each other.

Each relayed message is a copy Telegram makes of the sender's own message (`copy_of`),
preceded by one line saying who it is from.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from delivery.outbox import Rendered, Topic
from domain.notices import Notice
from handlers.common import q
from handlers.coordinator_buttons import CoordAction, CoordCb
from handlers.i18n import endonym, fmt_datetime
from handlers.inbox_buttons import (
    StaffAction,
    answer_button,
    answer_coordinator_keyboard,
    concern_keyboard,
    staff_button,
    write_to_partner,
)
from handlers.notice_registry import notice, zone
from handlers.texts import role_name
from storage.models import ConcernKind


def _copy(params: dict[str, Any]) -> tuple[int, int] | None:
    if "from_chat" not in params:
        return None
    return int(params["from_chat"]), int(params["message_id"])


def _name(params: dict[str, Any], locale: str) -> str:
    return q(params.get("name") or "?", locale)


def about_lines(params: dict[str, Any], locale: str) -> list[str]:
    """Who the person is, for the coordinators: name, role, language, pair, concerns."""
    lines = [
        "👤 "
        + " · ".join(
            [
                f"<b>{_name(params, locale)}</b>",
                role_name(params.get("role")),
                endonym(str(params.get("language") or "nl")),
            ]
        )
    ]
    if params.get("pair_id"):
        lines.append(
            "🤝 "
            + _("Pair #{number} with {name}").format(
                number=params["pair_id"], name=q(params.get("partner_name") or "–", locale)
            )
        )
    count = int(params.get("open_concerns") or 0)
    if count:
        lines.append(
            "🚩 "
            + ngettext("{count} open concern", "{count} open concerns", count).format(count=count)
        )
    if params.get("reachable") is False:
        lines.append("⚠️ " + _("Has blocked this bot."))
    return lines


def _pair_file_button(params: dict[str, Any], *, in_group: bool) -> list[InlineKeyboardButton]:
    if not params.get("pair_id"):
        return []
    text = "📂 " + _("Pair file")
    if in_group:  # the file itself opens in the coordinator's private chat
        return [staff_button(text, StaffAction.PAIR_FILE, int(params["pair_id"]))]
    return [
        InlineKeyboardButton(
            text=text, callback_data=CoordCb(action=CoordAction.PAIR, id=params["pair_id"]).pack()
        )
    ]


def _topic(params: dict[str, Any], locale: str) -> Topic | None:
    """The person's topic in the coordinators' group, for rows queued for the group."""
    if not params.get("topic"):
        return None
    title = f"{params.get('name') or '?'} · {role_name(params.get('role'))} #{params['person_id']}"
    header = "\n".join(
        [
            *about_lines(params, locale),
            "",
            _("Write in this topic to answer {name}.").format(name=_name(params, locale)),
        ]
    )
    buttons = _pair_file_button(params, in_group=True)
    markup = InlineKeyboardMarkup(inline_keyboard=[buttons]) if buttons else None
    return Topic(
        person_id=int(params["person_id"]), title=title, header=header, header_markup=markup
    )


@notice(Notice.INBOX_MESSAGE)
def person_wrote(params: dict[str, Any], locale: str) -> Rendered:
    """A person's message to the coordinators: as it is in their topic, or with who it is
    from and an answer button in a coordinator's private chat."""
    topic = _topic(params, locale)
    if topic is not None:
        return Rendered(text="", copy_of=_copy(params), topic=topic)
    buttons = [
        [answer_button(int(params["person_id"]), params.get("name") or "?", locale)],
        _pair_file_button(params, in_group=False),
    ]
    return Rendered(
        text="📨 " + "\n".join(about_lines(params, locale)),
        copy_of=_copy(params),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[row for row in buttons if row]),
    )


def concern_kind_label(kind: str | None) -> str:
    labels = {
        ConcernKind.PARTNER.value: _("about their buddy pair"),
        ConcernKind.UNSAFE.value: _("they feel unsafe"),
        ConcernKind.OTHER.value: _("they need help with something else"),
    }
    return labels.get(kind or "", labels[ConcernKind.OTHER.value])


def _concern_rendered(params: dict[str, Any], locale: str, first_line: str) -> Rendered:
    topic = _topic(params, locale)
    lines = [first_line]
    if topic is None:
        lines += about_lines(params, locale)
    markup = concern_keyboard(
        int(params["concern_id"]),
        person_id=None if topic else int(params["person_id"]),
        name=params.get("name") or "?",
        locale=locale,
    )
    return Rendered(text="\n".join(lines), reply_markup=markup, copy_of=_copy(params), topic=topic)


@notice(Notice.CONCERN_REPORTED)
def concern_reported(params: dict[str, Any], locale: str) -> Rendered:
    icon = "🚨 " + _("Urgent") + " · " if params.get("urgent") else "🚩 "
    first = icon + _("Concern #{number}: {what}").format(
        number=params["concern_id"], what=concern_kind_label(params.get("kind"))
    )
    return _concern_rendered(params, locale, f"<b>{first}</b>")


@notice(Notice.CONCERN_REMINDER)
def concern_reminder(params: dict[str, Any], locale: str) -> Rendered:
    first = "⏰ " + _(
        "Concern #{number} ({what}) has waited since {moment}: nobody has taken it on yet."
    ).format(
        number=params["concern_id"],
        what=concern_kind_label(params.get("kind")),
        moment=fmt_datetime(
            datetime.fromisoformat(params["reported_at"]),
            locale,
            zone(params),
        ),
    )
    return _concern_rendered({**params, "topic": False}, locale, first)


@notice(Notice.CONCERN_ACKNOWLEDGED)
def concern_acknowledged(params: dict[str, Any], locale: str) -> Rendered:
    return Rendered(
        text="👀 " + _("A coordinator has read what you reported and is taking care of it."),
    )


@notice(Notice.CONCERN_CLOSED)
def concern_closed(params: dict[str, Any], locale: str) -> Rendered:
    return Rendered(
        text="✅ "
        + _(
            "What you reported is now closed. Thank you for telling us. You can report "
            "again at any time from the menu."
        ),
    )


@notice(Notice.INBOX_REPLY)
def coordinator_answered(params: dict[str, Any], locale: str) -> Rendered:
    name = q(params.get("coordinator_name") or _("The coordinator"), locale)
    return Rendered(
        text="💬 " + _("{name}, coordinator:").format(name=name),
        copy_of=_copy(params),
        reply_markup=answer_coordinator_keyboard(),
    )


@notice(Notice.INBOX_UNDELIVERED)
def undelivered(params: dict[str, Any], locale: str) -> Rendered:
    text = "⚠️ " + _("{name} has blocked this bot: your message did not reach them.").format(
        name=_name(params, locale)
    )
    if params.get("topic"):
        topic = Topic(
            person_id=int(params["person_id"]),
            title=f"{params.get('name') or '?'} #{params['person_id']}",
            header=text,
        )
        return Rendered(text=text, topic=topic)
    return Rendered(text=text)


@notice(Notice.PAIR_MESSAGE)
def partner_wrote(params: dict[str, Any], locale: str) -> Rendered:
    sender = params.get("sender_name") or "?"
    return Rendered(
        text="✉️ " + _("{name} writes:").format(name=q(sender, locale)),
        copy_of=_copy(params),
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[write_to_partner(int(params["pair_id"]), sender, locale)]]
        ),
    )
