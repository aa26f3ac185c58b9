"""The buttons of duo volunteering: callback data with named actions, and keyboards.

The short action values are what buttons already in people's chats carry
("plc:apply:7"), so they must not change. The entry buttons (`volunteer_button` for a
pair, `post_button` for a host or a coordinator) are here so that any menu can show them.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from domain.municipalities import all_municipalities
from domain.placements import MAX_DUOS, Listed
from handlers.i18n import isolate
from handlers.texts import municipality_label

NO_PLACE = 0  # the "no one municipality" choice of the place step


class PlcAction(StrEnum):
    LIST = "list"  # a pair member: the open placements
    SHOW = "show"  # id = placement
    APPLY = "apply"  # id = placement
    CONFIRM = "ok"  # a coordinator confirms (id = application)
    DECLINE = "no"  # a coordinator declines (id = application)
    NEW = "new"  # a host or a coordinator starts posting
    HOST = "host"  # the organisation posted for (id = organisation)
    PLACE = "place"  # the municipality (id = NIS code, or NO_PLACE)
    DUOS = "duos"  # how many duos (id = count)
    POST = "post"  # publish the previewed placement
    STOP = "stop"  # leave the form
    LOG = "log"  # /log: the hours were volunteering with this host (id = organisation)


class PlcCb(CallbackData, prefix="plc"):
    action: PlcAction
    id: int = 0


def _button(text: str, action: PlcAction, ident: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=PlcCb(action=action, id=ident).pack())


def volunteer_button() -> InlineKeyboardButton:
    """A pair's way in: the open placements (the pair screen, an "Ideas" menu)."""
    return _button("🤝 " + _("Volunteer together"), PlcAction.LIST)


def post_button() -> InlineKeyboardButton:
    """A host's or a coordinator's way in: post a placement."""
    return _button("🙋 " + _("Post volunteering"), PlcAction.NEW)


def stop_row() -> list[InlineKeyboardButton]:
    return [_button("✖ " + _("Cancel"), PlcAction.STOP)]


def listed_keyboard(listed: Sequence[Listed], locale: str) -> InlineKeyboardMarkup:
    """One button per open placement: the host and what (typed texts, isolated)."""
    rows = [
        [
            _button(
                isolate(item.host.name[:24], locale)
                + ": "
                + isolate(item.placement.what[:32], locale),
                PlcAction.SHOW,
                item.placement.id,
            )
        ]
        for item in listed
    ]
    return InlineKeyboardMarkup(inline_keyboard=rows)


def apply_keyboard(placement_id: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button("✅ " + _("Apply together"), PlcAction.APPLY, placement_id)],
            [_button("⬅️ " + _("Other placements"), PlcAction.LIST)],
        ]
    )


def decide_keyboard(application_id: int) -> InlineKeyboardMarkup:
    """The coordinator's answer to an application."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                _button("✅ " + _("Confirm"), PlcAction.CONFIRM, application_id),
                _button("✖ " + _("Decline"), PlcAction.DECLINE, application_id),
            ]
        ]
    )


def hosts_keyboard(hosts: Sequence[tuple[int, str]], locale: str) -> InlineKeyboardMarkup:
    """The organisations a coordinator may post for."""
    rows = [[_button(isolate(name[:60], locale), PlcAction.HOST, ident)] for ident, name in hosts]
    return InlineKeyboardMarkup(inline_keyboard=[*rows, stop_row()])


def places_keyboard(locale: str) -> InlineKeyboardMarkup:
    """The 19 municipalities, two a row, then "several places" and cancel."""
    buttons = [
        _button(municipality_label(m.nis, locale), PlcAction.PLACE, int(m.nis))
        for m in all_municipalities()
    ]
    rows = [buttons[i : i + 2] for i in range(0, len(buttons), 2)]
    rows.append([_button(_("Several places or elsewhere"), PlcAction.PLACE, NO_PLACE)])
    return InlineKeyboardMarkup(inline_keyboard=[*rows, stop_row()])


def duos_keyboard() -> InlineKeyboardMarkup:
    row = [_button(str(count), PlcAction.DUOS, count) for count in range(1, MAX_DUOS + 1)]
    return InlineKeyboardMarkup(inline_keyboard=[row, stop_row()])


def preview_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[[_button("📢 " + _("Publish"), PlcAction.POST)], stop_row()]
    )


def host_log_rows(
    hosts: Sequence[Sequence[object]], locale: str
) -> list[list[InlineKeyboardButton]]:
    """In /log's "what did you do?": volunteering with each host where the pair's
    application was confirmed (`hosts` as kept in the form: [id, name] pairs)."""
    return [
        [
            _button(
                "🤝 " + _("Volunteering at {host}").format(host=isolate(str(name)[:40], locale)),
                PlcAction.LOG,
                int(str(ident)),
            )
        ]
        for ident, name in hosts
    ]
