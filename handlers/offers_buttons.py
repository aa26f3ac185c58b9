"""Buttons of activity offers: the publishers' (partners and coordinators), the pairs'
ideas, and the partner organisations' invites; callback data with named actions, and
keyboards.

Data that no longer parses reaches the fallback's "this button is out of date".
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from aiogram.filters.callback_data import CallbackData
from aiogram.types import InlineKeyboardButton, InlineKeyboardMarkup
from aiogram.utils.i18n import gettext as _

from handlers.callbacks import MenuAction, MenuCb
from handlers.placements_buttons import post_button


class OfferAction(StrEnum):
    MINE = "mine"  # the offers one may edit (id = page)
    NEW = "new"  # open the form (id = organisation, for a coordinator)
    VIEW = "view"  # one offer (id)
    EDIT = "edit"  # change a text of an offer (id, value = title, address, description)
    TRANSLATE = "tr"  # add a version of an offer in a language (id, value = code)
    END = "end"  # take an offer down (id)
    # the form's steps
    PLACE = "mun"  # the municipality (value = NIS code)
    KIND = "kind"  # the activity kind (value)
    ONGOING = "ongo"  # no dates
    DATES = "dates"  # pick from and until
    PRICE = "price"  # value = free, reduced or a number of euros
    LEVEL = "lvl"  # the Dutch level needed (value)
    SPOKEN = "spk"  # a language spoken there, ticked or not (value)
    TIMES = "time"  # a time slot, ticked or not (value)
    NEXT = "next"  # done with a multiple choice
    SKIP = "skip"  # no description
    LANGUAGE = "lang"  # add a version in a language in the form (value)
    SAVE = "save"
    CANCEL = "cancel"


class OfferCb(CallbackData, prefix="of"):
    """Offer buttons of the people who publish them."""

    action: OfferAction
    id: int = 0
    value: str = ""


class IdeaAction(StrEnum):
    LIST = "list"  # ideas for the pair (id = page), from the menu
    VIEW = "view"  # one idea (id = offer)
    PLAN = "plan"  # plan a meetup there (id = offer)
    FORM = "form"  # ideas inside the planning form (id = page)
    TAKE = "take"  # fill the planning form with it (id = offer)
    BACK = "back"  # back to typing the place


class IdeaCb(CallbackData, prefix="idea"):
    """What pairs press: suggestions and picking one."""

    action: IdeaAction
    id: int = 0


class PartnerAction(StrEnum):
    JOIN = "join"  # agree to an invite (value = token)
    DECLINE = "no"  # not now
    ORGS = "orgs"  # coordinators: the organisations (id = page)
    NEW_ORG = "norg"  # coordinators: a new organisation
    ORG = "org"  # coordinators: one organisation (id)
    INVITE = "inv"  # coordinators: an invite link for an organisation (id)


class PartnerCb(CallbackData, prefix="pt"):
    action: PartnerAction
    id: int = 0
    value: str = ""


def offer_button(
    text: str, action: OfferAction, id: int = 0, value: str = ""
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=OfferCb(action=action, id=id, value=value).pack()
    )


def idea_button(text: str, action: IdeaAction, id: int = 0) -> InlineKeyboardButton:
    return InlineKeyboardButton(text=text, callback_data=IdeaCb(action=action, id=id).pack())


def partner_button(
    text: str, action: PartnerAction, id: int = 0, value: str = ""
) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=PartnerCb(action=action, id=id, value=value).pack()
    )


def ideas_in_form_button() -> InlineKeyboardButton:
    """ "💡 Ideas" at the planning form's place step."""
    return idea_button("💡 " + _("Ideas"), IdeaAction.FORM)


def cancel_row() -> list[InlineKeyboardButton]:
    return [offer_button("✖ " + _("Cancel"), OfferAction.CANCEL)]


def cancel_only() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[cancel_row()])


def grid(
    buttons: Sequence[InlineKeyboardButton], columns: int, *tail: list[InlineKeyboardButton]
) -> InlineKeyboardMarkup:
    rows = [list(buttons[i : i + columns]) for i in range(0, len(buttons), columns)]
    return InlineKeyboardMarkup(inline_keyboard=[*rows, *[row for row in tail if row]])


def pages_row(
    make: type[OfferCb] | type[IdeaCb] | type[PartnerCb],
    action: OfferAction | IdeaAction | PartnerAction,
    page: int,
    more: bool,
) -> list[InlineKeyboardButton]:
    """⬅️ and ➡️ for a paged list (the page number rides in `id`)."""
    row = []
    if page > 0:
        row.append(
            InlineKeyboardButton(text="⬅️", callback_data=make(action=action, id=page - 1).pack())  # type: ignore[arg-type]
        )
    if more:
        row.append(
            InlineKeyboardButton(text="➡️", callback_data=make(action=action, id=page + 1).pack())  # type: ignore[arg-type]
        )
    return row


def partner_home_keyboard() -> InlineKeyboardMarkup:
    """A partner's own small menu: their offers, a new one, language and data."""
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                offer_button("📋 " + _("Our offers"), OfferAction.MINE),
                offer_button("➕ " + _("Add an offer"), OfferAction.NEW),
            ],
            [post_button()],  # duo volunteering the organisation hosts (handlers/placements.py)
            [
                InlineKeyboardButton(
                    text="🌐 " + _("Language"),
                    callback_data=MenuCb(action=MenuAction.LANGUAGE).pack(),
                ),
                InlineKeyboardButton(
                    text="🔒 " + _("My data"),
                    callback_data=MenuCb(action=MenuAction.PRIVACY).pack(),
                ),
            ],
        ]
    )


def join_keyboard(token: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [
                partner_button("✅ " + _("I agree"), PartnerAction.JOIN, value=token),
                partner_button(_("Not now"), PartnerAction.DECLINE),
            ],
            [
                InlineKeyboardButton(
                    text="🔒 " + _("More about your data"),
                    callback_data=MenuCb(action=MenuAction.PRIVACY).pack(),
                )
            ],
        ]
    )


def organisations_button() -> InlineKeyboardButton:
    """The coordinators' way to partner organisations, their invites and offers."""
    return partner_button("🏢 " + _("Partner organisations"), PartnerAction.ORGS)
