"""The form for a new activity offer, for partners and coordinators: typed title,
address and description; everything else with buttons (municipality, activity, dates or
"ongoing", price, Dutch level, languages spoken, times), then versions in other
languages, then save."""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import gettext as _

from domain import offers as service
from domain.errors import DomainError
from domain.events import check_description, check_title, check_version
from domain.langid import SUPPORTED_LANGUAGES
from domain.municipalities import all_municipalities
from domain.profile import ACTIVITY_KINDS, AVAILABILITY, DUTCH_LEVELS
from handlers.actor import Actor
from handlers.i18n import endonym
from handlers.offers_buttons import OfferAction, cancel_only, cancel_row, grid, offer_button
from handlers.pickers import PickCb, PickKind, calendar_keyboard, parse_day, parse_month
from handlers.texts import (
    activity_label,
    availability_label,
    dutch_level_label,
    municipality_label,
)

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.models import ActivityOffer


class OfferForm(StatesGroup):
    title = State()
    municipality = State()
    address = State()
    kind = State()
    dates = State()
    starts = State()
    ends = State()
    price = State()
    level = State()
    spoken = State()
    times = State()
    description = State()
    versions = State()
    version = State()
    edit = State()  # typing a new title, address or description of a saved offer


CTX = "offer"
DATA = "of"
AMOUNTS = (2, 5, 10, 20)


async def draft_of(state: FSMContext) -> dict[str, Any]:
    data = (await state.get_data()).get(DATA)
    return dict(data) if isinstance(data, dict) else {}


async def keep(state: FSMContext, **values: object) -> dict[str, Any]:
    draft = {**await draft_of(state), **values}
    await state.update_data({DATA: draft})
    return draft


async def at_step(state: FSMContext, *steps: State) -> dict[str, Any]:
    """The draft, when the form is at one of `steps`; else the button is out of date."""
    if await state.get_state() not in {step.state for step in steps}:
        raise DomainError("stale_button")
    return await draft_of(state)


async def start_form(target: Message, actor: Actor, organisation_id: int = 0) -> None:
    """Open the form; a coordinator names the organisation it is for."""
    service.require_publisher(actor.user)
    if not service.is_partner(actor.user):
        await service.organisation_in_programme(actor.uow, actor.user, organisation_id)
    await actor.state.set_state(OfferForm.title)
    await actor.state.update_data(
        {DATA: {"org": organisation_id, "texts": {}, "spoken": ["nl"], "times": []}}
    )
    await target.answer(
        "💡 " + _("A new activity idea for the pairs. What is its title? Please type it."),
        reply_markup=cancel_only(),
    )


# --- the steps, in order ---------------------------------------------------------------------


async def title_typed(message: Message, actor: Actor) -> None:
    await keep(actor.state, title=check_title(message.text))
    await actor.state.set_state(OfferForm.municipality)
    buttons = [
        offer_button(municipality_label(m.nis, actor.locale), OfferAction.PLACE, value=m.nis)
        for m in all_municipalities()
    ]
    await message.answer(
        "🏙 " + _("In which municipality does it take place?"),
        reply_markup=grid(buttons, 2, cancel_row()),
    )


async def municipality_picked(message: Message, actor: Actor, code: str) -> None:
    await at_step(actor.state, OfferForm.municipality)
    await keep(actor.state, municipality=service.check_municipality(code))
    await actor.state.set_state(OfferForm.address)
    await message.edit_text(
        "📍 " + _("What is the address? Please type it."), reply_markup=cancel_only()
    )


async def address_typed(message: Message, actor: Actor) -> None:
    await keep(actor.state, address=service.check_address(message.text))
    await actor.state.set_state(OfferForm.kind)
    buttons = [
        offer_button(activity_label(kind), OfferAction.KIND, value=kind) for kind in ACTIVITY_KINDS
    ]
    await message.answer(
        "🎯 " + _("What kind of activity is it?"), reply_markup=grid(buttons, 2, cancel_row())
    )


async def kind_picked(message: Message, actor: Actor, kind: str) -> None:
    await at_step(actor.state, OfferForm.kind)
    await keep(actor.state, kind=service.check_kind(kind))
    await actor.state.set_state(OfferForm.dates)
    await message.edit_text(
        "📅 " + _("Is it ongoing, or does it run between two dates?"),
        reply_markup=grid(
            [
                offer_button("♾ " + _("Ongoing"), OfferAction.ONGOING),
                offer_button("📅 " + _("Choose the dates"), OfferAction.DATES),
            ],
            1,
            cancel_row(),
        ),
    )


async def ongoing_picked(message: Message, actor: Actor) -> None:
    await at_step(actor.state, OfferForm.dates)
    await keep(actor.state, starts=None, ends=None)
    await ask_price(message, actor)


async def ask_day(message: Message, actor: Actor, step: State, month: date | None) -> None:
    """The calendar of the "from" or the "until" step."""
    today = actor.now().astimezone(actor.tz).date()
    draft = await draft_of(actor.state)
    first = date.fromisoformat(draft["starts"]) if step is OfferForm.ends else today
    question = _("From which day?") if step is OfferForm.starts else _("Until which day?")
    await actor.state.set_state(step)
    await message.edit_text(
        "📅 " + question,
        reply_markup=calendar_keyboard(
            month or first.replace(day=1),
            locale=actor.locale,
            ctx=CTX,
            min_day=first,
            max_day=today + service.PLAN_AHEAD - timedelta(days=1),
            extra_rows=[cancel_row()],
        ),
    )


async def dates_picked(message: Message, actor: Actor) -> None:
    await at_step(actor.state, OfferForm.dates)
    await ask_day(message, actor, OfferForm.starts, None)


async def calendar_pressed(
    callback: CallbackQuery, callback_data: PickCb, message: Message, actor: Actor
) -> None:
    """A press on the "from" or "until" calendar: another month, or a day."""
    if callback_data.kind == PickKind.NOOP:
        return  # a header or a day out of range: only answered
    current = await actor.state.get_state()
    draft = await at_step(actor.state, OfferForm.starts, OfferForm.ends)
    step = OfferForm.starts if current == OfferForm.starts.state else OfferForm.ends
    if callback_data.kind == PickKind.MONTH:
        month = parse_month(callback_data.value)
        if month is None:
            raise DomainError("invalid_choice")
        await ask_day(message, actor, step, month)
        return
    day = parse_day(callback_data.value) if callback_data.kind == PickKind.DAY else None
    if day is None:
        raise DomainError("invalid_choice")
    today = actor.now().astimezone(actor.tz).date()
    if step is OfferForm.starts:
        service.check_dates(day, None, today)
        await keep(actor.state, starts=day.isoformat())
        await ask_day(message, actor, OfferForm.ends, None)
        return
    starts = date.fromisoformat(draft["starts"])
    service.check_dates(starts, day, today)
    await keep(actor.state, ends=day.isoformat())
    await ask_price(message, actor)


async def ask_price(message: Message, actor: Actor) -> None:
    await actor.state.set_state(OfferForm.price)
    buttons = [
        offer_button("🆓 " + _("Free"), OfferAction.PRICE, value="free"),
        offer_button("🏷 " + _("Reduced price"), OfferAction.PRICE, value="reduced"),
        *(offer_button(f"€ {amount}", OfferAction.PRICE, value=str(amount)) for amount in AMOUNTS),
    ]
    await message.edit_text(
        "💶 " + _("What does it cost?"), reply_markup=grid(buttons, 2, cancel_row())
    )


async def price_picked(message: Message, actor: Actor, value: str) -> None:
    await at_step(actor.state, OfferForm.price)
    if value.isdigit():
        price, euros = service.check_price("amount", int(value))
    else:
        price, euros = service.check_price(value, None)
    await keep(actor.state, price=price, euros=euros)
    await actor.state.set_state(OfferForm.level)
    labels = {
        "none": _("No Dutch needed"),
        "beginner": _("A little Dutch"),
        "conversation": _("Conversation"),
        "fluent": _("Fluent"),
    }
    buttons = [
        offer_button(labels.get(level, dutch_level_label(level)), OfferAction.LEVEL, value=level)
        for level in DUTCH_LEVELS
    ]
    await message.edit_text(
        "🗣 " + _("How much Dutch does someone need to join?"),
        reply_markup=grid(buttons, 2, cancel_row()),
    )


async def level_picked(message: Message, actor: Actor, level: str) -> None:
    await at_step(actor.state, OfferForm.level)
    if level not in DUTCH_LEVELS:
        raise DomainError("invalid_choice")
    await keep(actor.state, level=level)
    await actor.state.set_state(OfferForm.spoken)
    await show_spoken(message, actor)


async def show_spoken(message: Message, actor: Actor) -> None:
    ticked = (await draft_of(actor.state)).get("spoken", [])
    buttons = [
        offer_button(
            ("✅ " if code in ticked else "") + endonym(code), OfferAction.SPOKEN, value=code
        )
        for code in SUPPORTED_LANGUAGES
    ]
    await message.edit_text(
        "🌐 " + _("Which languages are spoken there? Tap all that apply, then “Next”."),
        reply_markup=grid(
            buttons, 3, [offer_button("➡️ " + _("Next"), OfferAction.NEXT)], cancel_row()
        ),
    )


async def spoken_toggled(message: Message, actor: Actor, code: str) -> None:
    draft = await at_step(actor.state, OfferForm.spoken)
    if code not in SUPPORTED_LANGUAGES:
        raise DomainError("invalid_choice")
    spoken = list(draft.get("spoken", []))
    spoken = [c for c in spoken if c != code] if code in spoken else [*spoken, code]
    await keep(actor.state, spoken=spoken)
    await show_spoken(message, actor)


async def show_times(message: Message, actor: Actor) -> None:
    ticked = (await draft_of(actor.state)).get("times", [])
    buttons = [
        offer_button(
            ("✅ " if slot in ticked else "") + availability_label(slot),
            OfferAction.TIMES,
            value=slot,
        )
        for slot in AVAILABILITY
    ]
    await message.edit_text(
        "🕑 " + _("When does it take place? Tap all that apply, or just “Next” for any time."),
        reply_markup=grid(
            buttons, 1, [offer_button("➡️ " + _("Next"), OfferAction.NEXT)], cancel_row()
        ),
    )


async def times_toggled(message: Message, actor: Actor, slot: str) -> None:
    draft = await at_step(actor.state, OfferForm.times)
    service.times_mask([slot])
    times = list(draft.get("times", []))
    times = [s for s in times if s != slot] if slot in times else [*times, slot]
    await keep(actor.state, times=times)
    await show_times(message, actor)


async def next_pressed(message: Message, actor: Actor) -> None:
    """ "Next" under the languages (then the times) and under the times (then the
    description)."""
    draft = await at_step(actor.state, OfferForm.spoken, OfferForm.times)
    if await actor.state.get_state() == OfferForm.spoken.state:
        if not draft.get("spoken"):
            raise DomainError("need_one")
        await actor.state.set_state(OfferForm.times)
        await show_times(message, actor)
        return
    await actor.state.set_state(OfferForm.description)
    await message.edit_text(
        "📝 " + _("A short description (what, for whom, what to bring), or tap “Skip”."),
        reply_markup=grid([offer_button("⏭ " + _("Skip"), OfferAction.SKIP)], 1, cancel_row()),
    )


async def description_typed(message: Message, actor: Actor) -> None:
    await keep(actor.state, description=check_description(message.text))
    await versions_menu(message, actor)


async def description_skipped(message: Message, actor: Actor) -> None:
    await at_step(actor.state, OfferForm.description)
    await keep(actor.state, description="")
    await versions_menu(message, actor)


async def versions_menu(target: Message, actor: Actor) -> None:
    await actor.state.set_state(OfferForm.versions)
    draft = await draft_of(actor.state)
    buttons = [
        offer_button(
            ("✅ " if code in draft.get("texts", {}) else "➕ ") + endonym(code),
            OfferAction.LANGUAGE,
            value=code,
        )
        for code in SUPPORTED_LANGUAGES
        if code != "nl"
    ]
    await target.answer(
        "🌐 "
        + _(
            "Add the title and description in another language? Tap a language, or save. "
            "People without a version of their own get the Dutch one."
        ),
        reply_markup=grid(
            buttons, 3, [offer_button("💾 " + _("Save the offer"), OfferAction.SAVE)], cancel_row()
        ),
    )


def version_language(code: str) -> str:
    if code not in SUPPORTED_LANGUAGES or code == "nl":
        raise DomainError("invalid_choice")
    return code


async def language_picked(message: Message, actor: Actor, code: str) -> None:
    await at_step(actor.state, OfferForm.versions)
    await keep(actor.state, lang=version_language(code))
    await actor.state.set_state(OfferForm.version)
    await message.answer(
        "✍️ "
        + _("Send the title in {language} on the first line, and the description below it.").format(
            language=endonym(code)
        ),
        reply_markup=cancel_only(),
    )


async def version_typed(message: Message, actor: Actor) -> None:
    draft = await draft_of(actor.state)
    language = version_language(str(draft.get("lang", "")))
    version = check_version(message.text)
    await keep(actor.state, texts={**draft.get("texts", {}), language: version}, lang=None)
    await versions_menu(message, actor)


async def save(actor: Actor) -> ActivityOffer:
    """The offer of the finished form, created; the form is closed."""
    draft = await at_step(actor.state, OfferForm.versions)
    try:
        data = service.OfferDraft(
            title=str(draft["title"]),
            municipality=str(draft["municipality"]),
            address=str(draft["address"]),
            activity_kind=str(draft["kind"]),
            starts_on=date.fromisoformat(draft["starts"]) if draft.get("starts") else None,
            ends_on=date.fromisoformat(draft["ends"]) if draft.get("ends") else None,
            price=str(draft["price"]),
            price_euros=draft.get("euros"),
            dutch_level=str(draft["level"]),
            languages=list(draft.get("spoken") or []),
            times=list(draft.get("times") or []),
            description=str(draft.get("description", "")),
            texts=dict(draft.get("texts") or {}),
        )
    except (KeyError, ValueError):
        raise DomainError("stale_button") from None
    offer = await service.create_offer(
        actor.uow, actor.user, data, actor.now(), organisation_id=int(draft.get("org") or 0)
    )
    await actor.state.set_state(None)
    await actor.state.update_data({DATA: {}})
    return offer
