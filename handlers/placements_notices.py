"""Pushed messages about duo volunteering, in the recipient's language: to the other member
of a pair that applied, to the coordinators (with Confirm / Decline), to the pair once
decided, and to the host organisation's staff."""

from __future__ import annotations

from typing import Any

from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from delivery.outbox import Rendered
from domain.notices import Notice
from handlers.callbacks import MenuAction, MenuCb
from handlers.common import q
from handlers.i18n import isolate
from handlers.notice_registry import notice
from handlers.placements_buttons import decide_keyboard, volunteer_button


def _placement(params: dict[str, Any], locale: str) -> dict[str, str]:
    """The placement's words as inserted into a message: typed texts, escaped, isolated."""
    return {
        "host": q(params.get("host") or "?", locale),
        "what": q(params.get("what") or "?", locale),
        "when": q(params.get("when") or "?", locale),
    }


@notice(Notice.PLACEMENT_APPLIED)
def applied_to_partner(params: dict[str, Any], locale: str) -> Rendered:
    words = _placement(params, locale)
    return Rendered(
        text="🤝 "
        + _(
            "{name} applied for you both to volunteer at {host}: {what} ({when}). "
            "A coordinator will confirm."
        ).format(name=q(params.get("name") or "?", locale), **words)
    )


@notice(Notice.COORDINATOR_PLACEMENT_APPLIED)
def applied_to_coordinator(params: dict[str, Any], locale: str) -> Rendered | None:
    if not params.get("application_id"):
        return None  # erased with the person (/forget): nothing left to decide on
    words = _placement(params, locale)
    return Rendered(
        text="🙋 "
        + _("Pair #{pair} applies to volunteer at {host}: {what} ({when}).").format(
            pair=isolate(int(params.get("pair_id", 0)), locale), **words
        ),
        reply_markup=decide_keyboard(int(params["application_id"])),
    )


@notice(Notice.PLACEMENT_CONFIRMED)
def confirmed(params: dict[str, Any], locale: str) -> Rendered:
    words = _placement(params, locale)
    note = InlineKeyboardButton(
        text="✍️ " + _("Note our hours"), callback_data=MenuCb(action=MenuAction.LOG).pack()
    )
    return Rendered(
        text="🎉 "
        + _(
            "You can volunteer together at {host}: {what} ({when}). To note your hours "
            "there, choose “Volunteering at {host}”."
        ).format(**words),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[[note]]),
    )


@notice(Notice.PLACEMENT_DECLINED)
def declined(params: dict[str, Any], locale: str) -> Rendered:
    words = _placement(params, locale)
    return Rendered(
        text=_(
            "Volunteering at {host} ({what}) did not work out this time. Other places may "
            "suit you both."
        ).format(**words),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[[volunteer_button()]]),
    )


@notice(Notice.HOST_PLACEMENT_APPLIED)
def applied_to_host(params: dict[str, Any], locale: str) -> Rendered:
    words = _placement(params, locale)
    return Rendered(
        text="🙋 "
        + _(
            "A duo applied for your placement “{what}” ({when}). A coordinator will "
            "confirm it with you."
        ).format(**words)
    )


@notice(Notice.HOST_PLACEMENT_CONFIRMED)
def confirmed_to_host(params: dict[str, Any], locale: str) -> Rendered:
    words = _placement(params, locale)
    names = [q(name, locale) for name in params.get("names") or []]
    return Rendered(
        text="✅ "
        + _("A duo will volunteer with you: {names}, for “{what}” ({when}).").format(
            names=", ".join(names) or "?", **words
        )
    )
