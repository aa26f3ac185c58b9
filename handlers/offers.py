"""Activity offers for the people who publish them: partners (their organisation's offers)
and coordinators (every offer of their programme). The list, one offer with its edit
buttons, the form (handlers/offers_form.py), changing a text, adding a language, taking
an offer down. Whether a person may touch an offer is the domain's to say
(domain/offers.py): a forged button is refused there and changes nothing.
"""

from __future__ import annotations

from datetime import date, tzinfo
from typing import TYPE_CHECKING, Any

from aiogram import F, Router
from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message, TelegramObject
from aiogram.utils.i18n import gettext as _

from domain import offers as service
from domain.errors import DomainError
from domain.langid import SUPPORTED_LANGUAGES
from handlers import keyboards
from handlers.actor import Acting, Actor
from handlers.button_table import ButtonTable
from handlers.common import q
from handlers.community_errors import community_error, text_expected
from handlers.filters import WithMessage
from handlers.flow_answers import NOT_COMMAND, answered_with, buttons_expected, replied_with
from handlers.i18n import endonym, fmt_date, isolate
from handlers.offers_buttons import (
    OfferAction,
    OfferCb,
    cancel_only,
    grid,
    offer_button,
    pages_row,
    partner_home_keyboard,
)
from handlers.offers_form import (
    CTX,
    DATA,
    OfferForm,
    address_typed,
    calendar_pressed,
    dates_picked,
    description_skipped,
    description_typed,
    draft_of,
    kind_picked,
    language_picked,
    level_picked,
    municipality_picked,
    next_pressed,
    ongoing_picked,
    price_picked,
    save,
    spoken_toggled,
    start_form,
    times_toggled,
    title_typed,
    version_language,
    version_typed,
)
from handlers.pickers import PickCb
from handlers.texts import activity_label, availability_label, municipality_label

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.models import ActivityOffer, User
    from storage.uow import UnitOfWork


def offer_error(key: str, params: dict[str, Any], locale: str) -> str:
    """Refusals of the offers area in words (others as for events and everywhere)."""
    safe = {name: isolate(value, locale) for name, value in params.items()}
    texts = {
        "offer_not_yours": _(
            "This offer belongs to another organisation. You can only change your own offers."
        ),
        "partners_only": _("This is only for partner organisations and coordinators."),
        "offer_address_empty": _("Please type the address."),
        "offer_text_too_long": _("This is too long (at most {limit} characters)."),
        "offer_end_passed": _("Please choose an end date from today on."),
        "offer_end_before_start": _("The end date is before the start date. Please choose again."),
        "organisation_name": _("Please type a name of at least two letters."),
        "invite_other_role": _(
            "You already take part in this programme in another role, so this link cannot "
            "make you a partner. Please ask a coordinator."
        ),
        "offer_gone": _("This idea is no longer available. Please choose another one."),
    }
    if key in texts:
        return texts[key].format(**safe)
    return community_error(key, params, locale)


answered = answered_with(offer_error)
replied = replied_with(offer_error)


class Publishes(Filter):
    """A partner or a coordinator: the people who add and edit offers."""

    async def __call__(self, event: TelegramObject, user: User | None = None) -> bool:
        try:
            service.require_publisher(user)
        except DomainError:
            return False
        return True


# --- what an offer looks like -------------------------------------------------------------------


def price_text(offer: ActivityOffer, locale: str) -> str:
    if offer.price == "free":
        return _("Free")
    if offer.price == "reduced":
        return _("Reduced price")
    return "€ " + isolate(offer.price_euros or 0, locale)


def dates_text(offer: ActivityOffer, locale: str, tz: tzinfo) -> str:
    if offer.ends_on is None:
        return _("Ongoing")

    def day(value: date) -> str:
        return fmt_date(value, locale, tz, "medium")

    if offer.starts_on is None:
        return _("Until {day}").format(day=day(offer.ends_on))
    return _("{start} to {end}").format(start=day(offer.starts_on), end=day(offer.ends_on))


def offer_text(
    offer: ActivityOffer, organisation: str, locale: str, tz: tzinfo, *, own_language: bool
) -> str:
    """An offer for a reader: in their language's version when `own_language` and there
    is one, else the Dutch one."""
    title, description = (
        service.version(offer, locale) if own_language else (offer.title, offer.description)
    )
    lines = [
        "💡 <b>" + q(title, locale) + "</b>",
        "🏢 " + q(organisation, locale),
        "📍 " + q(offer.address, locale) + " · " + municipality_label(offer.municipality, locale),
        "🎯 " + activity_label(offer.activity_kind),
        "📅 " + dates_text(offer, locale, tz),
        "💶 " + price_text(offer, locale),
        "🌐 " + ", ".join(endonym(code) for code in offer.languages),
    ]
    slots = service.slots_of(offer.times)
    if slots:
        lines.append("🕑 " + ", ".join(availability_label(slot) for slot in slots))
    if description:
        lines += ["", q(description, locale)]
    return "\n".join(lines)


# --- the publisher's screens -------------------------------------------------------------------


async def show_mine(target: Message, actor: Actor, page: int = 0) -> None:
    """The running offers the person may edit, a page at a time."""
    found = await service.own_offers(actor.uow, actor.user, actor.now().date(), page)
    shown, more = found[: service.PAGE], len(found) > service.PAGE
    lines = ["💡 <b>" + _("Activity offers") + "</b>"]
    if not shown:
        lines.append(_("No offers yet. Tap “Add an offer”."))
    buttons = [
        offer_button(f"{number}. {offer.title}"[:60], OfferAction.VIEW, offer.id)
        for number, offer in enumerate(shown, start=page * service.PAGE + 1)
    ]
    extra = [offer_button("➕ " + _("Add an offer"), OfferAction.NEW)]
    if not service.is_partner(actor.user):
        extra = []  # a coordinator adds an offer from its organisation's screen
    await target.answer(
        "\n".join(lines),
        reply_markup=grid(buttons, 1, pages_row(OfferCb, OfferAction.MINE, page, more), extra),
    )


async def show_offer(target: Message, actor: Actor, offer_id: int) -> None:
    offer = await service.offer_to_edit(actor.uow, actor.user, offer_id)
    organisation = await service.organisation_name(actor.uow, offer)
    text = offer_text(offer, organisation, actor.locale, actor.tz, own_language=False)
    if offer.texts:
        text += "\n\n🌐 " + ", ".join(endonym(code) for code in sorted(offer.texts))
    edit = [
        offer_button("✏️ " + _("Title"), OfferAction.EDIT, offer.id, "title"),
        offer_button("✏️ " + _("Address"), OfferAction.EDIT, offer.id, "address"),
        offer_button("✏️ " + _("Description"), OfferAction.EDIT, offer.id, "description"),
    ]
    await target.answer(
        text,
        reply_markup=grid(
            edit,
            3,
            [offer_button("🌐 " + _("Add a language"), OfferAction.TRANSLATE, offer.id)],
            [offer_button("🗑 " + _("Take it down"), OfferAction.END, offer.id)],
            [offer_button("📋 " + _("Activity offers"), OfferAction.MINE)],
        ),
    )


async def show_partner_home(target: Message, uow: UnitOfWork, user: User) -> None:
    """A partner's home: their organisation and their small menu."""
    organisation = await service.organisation_of(uow, user)
    await target.answer(
        "🏢 <b>"
        + q(organisation.name, user.contact_language)
        + "</b>\n"
        + _("Your offers reach pairs who live nearby. What would you like to do?"),
        reply_markup=partner_home_keyboard(),
    )


# --- buttons: one handler per action -------------------------------------------------------------

BUTTONS = ButtonTable(OfferCb, Acting(), WithMessage(), answering=answered)


@BUTTONS.on(OfferAction.MINE)
async def mine_pressed(
    callback: CallbackQuery, callback_data: OfferCb, message: Message, actor: Actor
) -> None:
    await show_mine(message, actor, callback_data.id)


@BUTTONS.on(OfferAction.NEW)
async def new_pressed(
    callback: CallbackQuery, callback_data: OfferCb, message: Message, actor: Actor
) -> None:
    await start_form(message, actor, callback_data.id)


@BUTTONS.on(OfferAction.VIEW)
async def view_pressed(
    callback: CallbackQuery, callback_data: OfferCb, message: Message, actor: Actor
) -> None:
    await show_offer(message, actor, callback_data.id)


_FIELDS = ("title", "address", "description")


@BUTTONS.on(OfferAction.EDIT)
async def edit_pressed(
    callback: CallbackQuery, callback_data: OfferCb, message: Message, actor: Actor
) -> None:
    """Ask for a new text, once the domain agreed the person may change this offer."""
    if callback_data.value not in _FIELDS:
        raise DomainError("invalid_choice")
    offer = await service.offer_to_edit(actor.uow, actor.user, callback_data.id)
    await actor.state.set_state(OfferForm.edit)
    await actor.state.update_data({DATA: {"edit": offer.id, "field": callback_data.value}})
    questions = {
        "title": _("Please type the new title."),
        "address": _("Please type the new address."),
        "description": _("Please type the new description."),
    }
    await message.answer("✏️ " + questions[callback_data.value], reply_markup=cancel_only())


@BUTTONS.on(OfferAction.TRANSLATE)
async def translate_pressed(
    callback: CallbackQuery, callback_data: OfferCb, message: Message, actor: Actor
) -> None:
    """No language yet: the language buttons; a language: ask for the text in it."""
    offer = await service.offer_to_edit(actor.uow, actor.user, callback_data.id)
    if not callback_data.value:
        buttons = [
            offer_button(endonym(code), OfferAction.TRANSLATE, offer.id, code)
            for code in SUPPORTED_LANGUAGES
            if code != "nl"
        ]
        await message.answer("🌐 " + _("Which language?"), reply_markup=grid(buttons, 3))
        return
    language = version_language(callback_data.value)
    await actor.state.set_state(OfferForm.edit)
    await actor.state.update_data({DATA: {"edit": offer.id, "field": "version", "lang": language}})
    await message.answer(
        "✍️ "
        + _("Send the title in {language} on the first line, and the description below it.").format(
            language=endonym(language)
        ),
        reply_markup=cancel_only(),
    )


@BUTTONS.on(OfferAction.END)
async def end_pressed(
    callback: CallbackQuery, callback_data: OfferCb, message: Message, actor: Actor
) -> None:
    await service.end_offer(actor.uow, actor.user, callback_data.id, actor.now())
    await message.edit_reply_markup(reply_markup=None)
    await message.answer(
        "🗑 " + _("The offer is taken down. Pairs no longer see it."),
        reply_markup=keyboards.home_only(),
    )


@replied
async def edit_typed(message: Message, actor: Actor) -> None:
    """The new text of a saved offer (the domain checks again that it is theirs)."""
    draft = await draft_of(actor.state)
    offer_id, field = int(draft.get("edit") or 0), str(draft.get("field", ""))
    if field == "version":
        await service.add_version(
            actor.uow, actor.user, offer_id, str(draft.get("lang", "")), message.text, actor.now()
        )
    else:
        await service.edit_text(actor.uow, actor.user, offer_id, field, message.text, actor.now())
    await actor.state.set_state(None)
    await actor.state.update_data({DATA: {}})
    await message.answer("💾 " + _("Saved."))
    await show_offer(message, actor, offer_id)


# The form's buttons: each checks its step (an old keyboard is out of date).
@BUTTONS.on(OfferAction.PLACE)
async def municipality_pressed(
    callback: CallbackQuery, callback_data: OfferCb, message: Message, actor: Actor
) -> None:
    await municipality_picked(message, actor, callback_data.value)


@BUTTONS.on(OfferAction.KIND)
async def kind_pressed(
    callback: CallbackQuery, callback_data: OfferCb, message: Message, actor: Actor
) -> None:
    await kind_picked(message, actor, callback_data.value)


@BUTTONS.on(OfferAction.ONGOING)
async def ongoing_pressed(callback: CallbackQuery, message: Message, actor: Actor) -> None:
    await ongoing_picked(message, actor)


@BUTTONS.on(OfferAction.DATES)
async def dates_pressed(callback: CallbackQuery, message: Message, actor: Actor) -> None:
    await dates_picked(message, actor)


@BUTTONS.on(OfferAction.PRICE)
async def price_pressed(
    callback: CallbackQuery, callback_data: OfferCb, message: Message, actor: Actor
) -> None:
    await price_picked(message, actor, callback_data.value)


@BUTTONS.on(OfferAction.LEVEL)
async def level_pressed(
    callback: CallbackQuery, callback_data: OfferCb, message: Message, actor: Actor
) -> None:
    await level_picked(message, actor, callback_data.value)


@BUTTONS.on(OfferAction.SPOKEN)
async def spoken_pressed(
    callback: CallbackQuery, callback_data: OfferCb, message: Message, actor: Actor
) -> None:
    await spoken_toggled(message, actor, callback_data.value)


@BUTTONS.on(OfferAction.TIMES)
async def times_pressed(
    callback: CallbackQuery, callback_data: OfferCb, message: Message, actor: Actor
) -> None:
    await times_toggled(message, actor, callback_data.value)


@BUTTONS.on(OfferAction.NEXT)
async def next_step_pressed(callback: CallbackQuery, message: Message, actor: Actor) -> None:
    await next_pressed(message, actor)


@BUTTONS.on(OfferAction.SKIP)
async def skip_pressed(callback: CallbackQuery, message: Message, actor: Actor) -> None:
    await description_skipped(message, actor)


@BUTTONS.on(OfferAction.LANGUAGE)
async def language_pressed(
    callback: CallbackQuery, callback_data: OfferCb, message: Message, actor: Actor
) -> None:
    await language_picked(message, actor, callback_data.value)


@BUTTONS.on(OfferAction.SAVE)
async def save_pressed(callback: CallbackQuery, message: Message, actor: Actor) -> None:
    offer = await save(actor)
    await message.answer("💾 " + _("The offer is saved. Pairs nearby can see it now."))
    await show_offer(message, actor, offer.id)


@BUTTONS.on(OfferAction.CANCEL)
async def cancel_pressed(callback: CallbackQuery, message: Message, actor: Actor) -> None:
    await actor.state.set_state(None)
    await actor.state.update_data({DATA: {}})
    await message.answer(
        "✖ " + _("Cancelled. Nothing was saved."), reply_markup=keyboards.home_only()
    )


calendar = answered(calendar_pressed)


# --- the router -------------------------------------------------------------------------------


def create_router() -> Router:
    """The offers of partners and coordinators: the form and the offer buttons."""
    router = Router(name=__name__)
    router.message.filter(Publishes())
    router.callback_query.filter(Publishes())
    message = router.message.register
    for step, typed in (
        (OfferForm.title, title_typed),
        (OfferForm.address, address_typed),
        (OfferForm.description, description_typed),
        (OfferForm.version, version_typed),
    ):
        message(replied(typed), step, F.text, NOT_COMMAND, Acting())
        message(text_expected, step, NOT_COMMAND)
    message(edit_typed, OfferForm.edit, F.text, NOT_COMMAND, Acting())
    message(text_expected, OfferForm.edit, NOT_COMMAND)
    for step in OfferForm.__states__:
        message(buttons_expected, step, NOT_COMMAND)
    router.callback_query.register(
        calendar,
        PickCb.filter(F.ctx == CTX),
        Acting(),
        WithMessage(),
    )
    BUTTONS.register(router)
    return router
