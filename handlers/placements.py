"""Duo volunteering in the chat: a pair sees open placements and applies; a coordinator
confirms or declines from the notice; a host (or a coordinator) posts a placement with
buttons and two short typed answers; /log offers "volunteering at <host>".

The rules live in domain/placements.py; this module only translates. Entry points other
menus can show: `placements_buttons.volunteer_button()` (a pair) and `post_button()` (a
host or a coordinator); `show_placements(message, actor)` is the pair's screen.
"""

from __future__ import annotations

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from domain import hours as hour_service
from domain import placements as service
from domain.errors import DomainError
from domain.municipalities import by_nis
from handlers import keyboards
from handlers.actor import Acting, Actor
from handlers.button_table import ButtonTable
from handlers.common import q
from handlers.filters import WithMessage
from handlers.flow_answers import (
    NOT_COMMAND,
    answered,
    buttons_expected,
    form_closer,
    not_registered,
    not_registered_command,
    replied,
)
from handlers.hours_form import HoursForm, saved_text
from handlers.i18n import isolate
from handlers.placements_buttons import (
    NO_PLACE,
    PlcAction,
    PlcCb,
    apply_keyboard,
    duos_keyboard,
    hosts_keyboard,
    listed_keyboard,
    places_keyboard,
    preview_keyboard,
    stop_row,
)
from handlers.texts import municipality_label
from handlers.when_form import planned_start

DRAFT = "placement"  # the form's data key


class PlacementForm(StatesGroup):
    host = State()  # a coordinator picks the organisation
    what = State()  # typed
    place = State()  # buttons
    when = State()  # typed
    duos = State()  # buttons
    preview = State()


BUTTONS = ButtonTable(PlcCb, Acting(), WithMessage(), answering=answered)


def _details(listed: service.Listed, locale: str) -> str:
    placement = listed.placement
    lines = [
        "🤝 <b>" + q(listed.host.name, locale) + "</b>",
        q(placement.what, locale),
        "🕑 " + q(placement.when_text, locale),
    ]
    if placement.municipality:
        lines.append("📍 " + municipality_label(placement.municipality, locale))
    lines.append(
        _("Free places for duos: {count}").format(count=isolate(listed.places_left, locale))
    )
    return "\n".join(lines)


# --- a pair ----------------------------------------------------------------------------------


async def show_placements(message: Message, actor: Actor) -> None:
    """The open placements of the programme, one button each (a member of an active pair
    only)."""
    listed = await service.open_for(actor.uow, actor.user)
    if not listed:
        await message.answer(
            "🤝 " + _("No volunteering places are open right now. Please look again later."),
            reply_markup=keyboards.home_only(),
        )
        return
    await message.answer(
        "🤝 " + _("Volunteer together with an organisation nearby. Which one interests you?"),
        reply_markup=listed_keyboard(listed, actor.locale),
    )


@BUTTONS.on(PlcAction.LIST)
async def list_pressed(callback: CallbackQuery, message: Message, actor: Actor) -> None:
    await show_placements(message, actor)


@BUTTONS.on(PlcAction.SHOW)
async def show_pressed(
    callback: CallbackQuery, callback_data: PlcCb, message: Message, actor: Actor
) -> None:
    listed = await service.placement_for(actor.uow, actor.user, callback_data.id)
    await message.answer(
        _details(listed, actor.locale), reply_markup=apply_keyboard(listed.placement.id)
    )


@BUTTONS.on(PlcAction.APPLY)
async def apply_pressed(
    callback: CallbackQuery, callback_data: PlcCb, message: Message, actor: Actor
) -> None:
    await service.apply(actor.uow, actor.user, callback_data.id, actor.now())
    await message.edit_reply_markup(reply_markup=None)
    await message.answer(
        "📨 " + _("You applied together. A coordinator will confirm; your partner is told too."),
        reply_markup=keyboards.home_only(),
    )


# --- a coordinator decides ------------------------------------------------------------------


async def _decide(
    callback: CallbackQuery, callback_data: PlcCb, message: Message, actor: Actor, confirm: bool
) -> None:
    application = await service.decide(
        actor.uow, actor.user, callback_data.id, confirm, actor.now()
    )
    await message.edit_reply_markup(reply_markup=None)
    text = (
        _("Confirmed: pair #{pair} volunteers there. The pair and the host are told.")
        if confirm
        else _("Declined. The pair is told.")
    )
    await message.answer(
        ("✅ " if confirm else "✖ ") + text.format(pair=isolate(application.pair_id, actor.locale))
    )


@BUTTONS.on(PlcAction.CONFIRM)
async def confirm_pressed(
    callback: CallbackQuery, callback_data: PlcCb, message: Message, actor: Actor
) -> None:
    await _decide(callback, callback_data, message, actor, confirm=True)


@BUTTONS.on(PlcAction.DECLINE)
async def decline_pressed(
    callback: CallbackQuery, callback_data: PlcCb, message: Message, actor: Actor
) -> None:
    await _decide(callback, callback_data, message, actor, confirm=False)


# --- posting a placement ----------------------------------------------------------------------


async def start_posting(message: Message, actor: Actor) -> None:
    """A host posts for their organisation; a coordinator first picks one."""
    hosts = await service.hosts_for(actor.uow, actor.user)
    if not hosts:
        await message.answer(_("There is no partner organisation yet to post for."))
        return
    await actor.state.update_data({DRAFT: {}})
    if len(hosts) == 1 and service.is_host_staff(actor.user):
        await _ask_what(message, actor, hosts[0].id)
        return
    await actor.state.set_state(PlacementForm.host)
    await message.answer(
        "🙋 " + _("For which organisation?"),
        reply_markup=hosts_keyboard([(host.id, host.name) for host in hosts], actor.locale),
    )


async def _draft(actor: Actor, step: State) -> dict[str, object]:
    """The form's data, when the person is at `step` of it; else the button is old."""
    data = (await actor.state.get_data()).get(DRAFT)
    if await actor.state.get_state() != step.state or not isinstance(data, dict):
        raise DomainError("stale_button")
    return dict(data)


async def _keep(actor: Actor, draft: dict[str, object], step: State) -> None:
    await actor.state.update_data({DRAFT: draft})
    await actor.state.set_state(step)


async def _ask_what(message: Message, actor: Actor, organisation_id: int) -> None:
    await _keep(actor, {"organisation_id": organisation_id}, PlacementForm.what)
    await message.answer(
        "✏️ "
        + _("What will the volunteers do? Type it in a few words, e.g. “help at the food bank”."),
        reply_markup=_stop_markup(),
    )


def _stop_markup() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[stop_row()])


@replied
async def post_command(message: Message, actor: Actor) -> None:
    await start_posting(message, actor)


@BUTTONS.on(PlcAction.NEW)
async def new_pressed(callback: CallbackQuery, message: Message, actor: Actor) -> None:
    await start_posting(message, actor)


@BUTTONS.on(PlcAction.HOST)
async def host_pressed(
    callback: CallbackQuery, callback_data: PlcCb, message: Message, actor: Actor
) -> None:
    await _draft(actor, PlacementForm.host)
    hosts = {host.id for host in await service.hosts_for(actor.uow, actor.user)}
    if callback_data.id not in hosts:
        raise DomainError("not_found")
    await message.edit_reply_markup(reply_markup=None)
    await _ask_what(message, actor, callback_data.id)


@replied
async def what_typed(message: Message, actor: Actor) -> None:
    draft = await _draft(actor, PlacementForm.what)
    draft["what"] = service.check_text(message.text, service.WHAT_MAX, "placement_what_empty")
    await _keep(actor, draft, PlacementForm.place)
    await message.answer("📍 " + _("Where?"), reply_markup=places_keyboard(actor.locale))


@BUTTONS.on(PlcAction.PLACE)
async def place_pressed(
    callback: CallbackQuery, callback_data: PlcCb, message: Message, actor: Actor
) -> None:
    draft = await _draft(actor, PlacementForm.place)
    code = None if callback_data.id == NO_PLACE else str(callback_data.id)
    if code is not None and by_nis(code) is None:
        raise DomainError("invalid_choice")
    draft["municipality"] = code
    await _keep(actor, draft, PlacementForm.when)
    await message.edit_text(
        "🕑 " + _("When? Type it in a few words, e.g. “Saturday mornings, March to June”."),
        reply_markup=_stop_markup(),
    )


@replied
async def when_typed(message: Message, actor: Actor) -> None:
    draft = await _draft(actor, PlacementForm.when)
    draft["when"] = service.check_text(message.text, service.WHEN_MAX, "placement_when_empty")
    await _keep(actor, draft, PlacementForm.duos)
    await message.answer("👥 " + _("How many duos can come?"), reply_markup=duos_keyboard())


def _preview_draft(draft: dict[str, object]) -> service.Draft:
    municipality = draft.get("municipality")
    return service.Draft(
        organisation_id=int(str(draft["organisation_id"])),
        what=str(draft["what"]),
        when_text=str(draft["when"]),
        duos=int(str(draft["duos"])),
        municipality=str(municipality) if municipality else None,
    )


@BUTTONS.on(PlcAction.DUOS)
async def duos_pressed(
    callback: CallbackQuery, callback_data: PlcCb, message: Message, actor: Actor
) -> None:
    draft = await _draft(actor, PlacementForm.duos)
    draft["duos"] = service.check_duos(callback_data.id)
    await _keep(actor, draft, PlacementForm.preview)
    shown = _preview_draft(draft)
    lines = [
        "👀 " + _("Publish this placement?"),
        q(shown.what, actor.locale),
        "🕑 " + q(shown.when_text, actor.locale),
    ]
    if shown.municipality:
        lines.append("📍 " + municipality_label(shown.municipality, actor.locale))
    lines.append(_("Free places for duos: {count}").format(count=isolate(shown.duos, actor.locale)))
    await message.edit_text("\n".join(lines), reply_markup=preview_keyboard())


@BUTTONS.on(PlcAction.POST)
async def post_pressed(callback: CallbackQuery, message: Message, actor: Actor) -> None:
    draft = await _draft(actor, PlacementForm.preview)
    listed = await service.post(actor.uow, actor.user, _preview_draft(draft), actor.now())
    await actor.state.set_state(None)
    await actor.state.update_data({DRAFT: None})
    await message.edit_text(
        "📢 "
        + _("Published. Pairs can apply now; a coordinator confirms each duo.")
        + "\n\n"
        + _details(listed, actor.locale),
        reply_markup=keyboards.home_only(),
    )


BUTTONS.on(PlcAction.STOP)(form_closer(lambda: _("Okay, nothing was published."), DRAFT))


async def text_expected(message: Message) -> None:
    """Something else than text where the form waits for typed words (a voice note, a
    photo): said, never dropped."""
    await message.answer("✏️ " + _("Please type it in a few words, or tap “Cancel”."))


# --- /log: hours with a host -------------------------------------------------------------------


@BUTTONS.on(PlcAction.LOG)
async def log_with_host(
    callback: CallbackQuery, callback_data: PlcCb, message: Message, actor: Actor
) -> None:
    """The /log form's last step: the hours were volunteering with this host."""
    data = (await actor.state.get_data()).get("log")
    if await actor.state.get_state() != HoursForm.kind.state or not isinstance(data, dict):
        raise DomainError("stale_button")
    entry = await hour_service.log(
        actor.uow,
        actor.user,
        started_at=planned_start(data, actor.tz),
        minutes=int(data["minutes"]),
        kind=service.VOLUNTEERING,
        now=actor.now(),
        organisation_id=callback_data.id,
    )
    await actor.state.set_state(None)
    await actor.state.update_data(log=None)
    await message.edit_text(
        saved_text(entry.minutes, actor.locale), reply_markup=keyboards.home_only()
    )


def create_router() -> Router:
    """Duo volunteering: the buttons, /placements for hosts and coordinators, the typed
    steps of the posting form."""
    router = Router(name=__name__)
    router.message.register(post_command, Command("placements"), Acting())
    on_text = router.message.register
    on_text(what_typed, PlacementForm.what, F.text, NOT_COMMAND, Acting())
    on_text(when_typed, PlacementForm.when, F.text, NOT_COMMAND, Acting())
    for step in (PlacementForm.what, PlacementForm.when):
        on_text(text_expected, step, ~F.text)
    for step in (
        PlacementForm.host,
        PlacementForm.place,
        PlacementForm.duos,
        PlacementForm.preview,
    ):
        on_text(buttons_expected, step, NOT_COMMAND)
    BUTTONS.register(router)
    # Someone the bot does not know (or a message it can no longer edit): answered too.
    router.message.register(not_registered_command, Command("placements"))
    router.callback_query.register(not_registered, PlcCb.filter())
    return router
