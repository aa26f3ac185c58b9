"""Broadcasts (coordinators only): pick a segment, write the Dutch text, add versions in
other languages or skip them, preview, send; the confirmation message then shows the
live progress and becomes the delivery report. /broadcasts lists the past ones.

The same segment picker and preview announce a community event (handlers.events).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain import broadcasts as service
from domain import events as event_service
from domain.broadcasts import Delivery, Segment
from domain.errors import DomainError
from handlers import broadcast_screens as screens
from handlers.actor import Acting, Actor
from handlers.broadcast_buttons import (
    BcAction,
    BcCb,
    cancel_only,
    segment_keyboard,
)
from handlers.broadcast_texts import count_line, note_reserve, segment_label, version_language
from handlers.broadcast_texts import fallback_note as fallback_note  # re-exported
from handlers.broadcast_texts import progress_text as progress_text  # re-exported
from handlers.button_table import ButtonTable
from handlers.common import q
from handlers.community_errors import answered, replied, text_expected
from handlers.coordinator_buttons import IsCoordinator
from handlers.filters import WithMessage
from handlers.flow_answers import buttons_expected, form_cancelled, screen_button
from handlers.i18n import endonym

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    pass


class BroadcastForm(StatesGroup):
    text = State()  # waiting for the Dutch text
    version = State()  # waiting for the text in data["bc"]["lang"]
    ready = State()  # the versions menu or the preview is on screen


NOT_COMMAND = ~F.text.startswith("/")


# --- the flow ------------------------------------------------------------------------------


async def _form(state: FSMContext) -> dict[str, Any]:
    data = (await state.get_data()).get("bc")
    return dict(data) if isinstance(data, dict) else {}


async def start(
    target: Message, state: FSMContext, *, event_id: int = 0, segment: Segment | None = None
) -> None:
    """Open the form: a new broadcast, or the announcement of event `event_id`; with a
    `segment` already chosen (the people going to an event) straight to the text."""
    await state.set_state(None)
    await state.update_data(bc={"event": event_id, "texts": {}})
    if event_id:
        title = "🎉 " + _("Announce the event. Who should get the invitation?")
    else:
        title = "📣 " + _("New broadcast. Who should get it?")
    await target.answer(title, reply_markup=segment_keyboard())


async def start_for_segment(target: Message, actor: Actor, segment: Segment) -> None:
    await actor.state.update_data(bc={"event": 0, "texts": {}})
    await _segment_chosen(target, actor, segment, edit=False)


async def broadcast_command(message: Message, state: FSMContext) -> None:
    await start(message, state)


async def _segment_chosen(target: Message, actor: Actor, segment: Segment, *, edit: bool) -> None:
    audience = await service.audience(actor.uow, actor.user, segment)
    if audience.total == 0:
        raise DomainError("segment_empty")
    state, locale = actor.state, actor.locale
    form = await _form(state)
    form["segment"] = segment.as_dict()
    await state.update_data(bc=form)
    summary = "\n".join(
        [
            "<b>" + q(segment_label(segment.as_dict(), locale), locale) + "</b>",
            count_line(_("Recipients"), audience.total, locale),
            count_line(_("Skipped: had blocked the bot before"), audience.unreachable, locale),
        ]
    )
    if edit:
        await target.edit_text(summary)
    else:
        await target.answer(summary)
    if form.get("event"):
        await state.set_state(BroadcastForm.ready)
        await screens.preview(target, actor, form)
        return
    await state.set_state(BroadcastForm.text)
    await target.answer(
        "✍️ "
        + _(
            "Write the message in Dutch and send it. Bold, italic and links are kept. "
            "Next you can add versions in other languages."
        ),
        reply_markup=cancel_only(),
    )


def _typed(message: Message, *, reserve: int = 0) -> str:
    """The text as checked Telegram HTML: plain text (a "<" is a "<"), with the formatting
    the Telegram app sent as entities."""
    entities = [entity.model_dump(exclude_none=True) for entity in message.entities or []]
    return service.typed_text(message.text, entities, reserve=reserve)


async def _text_kept(message: Message, actor: Actor, form: dict[str, Any]) -> None:
    """A text of the broadcast is written: keep it and show the versions menu."""
    await actor.state.update_data(bc=form)
    await actor.state.set_state(BroadcastForm.ready)
    await screens.versions_menu(message, actor, form)


@replied
async def dutch_text(message: Message, actor: Actor, i18n: I18n) -> None:
    text = _typed(message, reserve=note_reserve(i18n))
    form = await _form(actor.state)
    form["texts"] = {service.BASE_LANGUAGE: text}
    await _text_kept(message, actor, form)


@replied
async def version_text(message: Message, actor: Actor) -> None:
    form = await _form(actor.state)
    language = version_language(form.get("lang"), "stale_button")
    text = _typed(message)
    form["texts"] = {**form.get("texts", {}), language: text}
    form.pop("lang", None)
    await _text_kept(message, actor, form)


async def broadcasts_command(message: Message, actor: Actor) -> None:
    await screens.show_history(message, actor)


# --- buttons: one handler per action ------------------------------------------------------

BUTTONS = ButtonTable(BcCb, Acting(), WithMessage(), answering=answered)


BUTTONS.on(BcAction.NEW)(screen_button(lambda message, actor: start(message, actor.state)))
BUTTONS.on(BcAction.BACK)(
    screen_button(
        lambda message, _actor: message.edit_reply_markup(reply_markup=segment_keyboard())
    )
)


@BUTTONS.on(BcAction.MENU)
async def menu_pressed(
    callback: CallbackQuery, callback_data: BcCb, message: Message, actor: Actor
) -> None:
    markup = await screens.submenu(actor, callback_data.kind)
    await message.edit_reply_markup(reply_markup=markup)


@BUTTONS.on(BcAction.SEGMENT)
async def segment_pressed(
    callback: CallbackQuery, callback_data: BcCb, message: Message, actor: Actor
) -> None:
    segment = Segment(callback_data.kind, callback_data.value)
    await _segment_chosen(message, actor, segment, edit=True)


@BUTTONS.on(BcAction.LANGUAGE)
async def language_pressed(
    callback: CallbackQuery, callback_data: BcCb, message: Message, actor: Actor
) -> None:
    if await actor.state.get_state() != BroadcastForm.ready.state:
        raise DomainError("stale_button")
    value = version_language(callback_data.value, "invalid_choice")
    form = await _form(actor.state)
    form["lang"] = value
    await actor.state.update_data(bc=form)
    await actor.state.set_state(BroadcastForm.version)
    await message.answer(
        "✍️ " + _("Send the text in {language}.").format(language=endonym(value)),
        reply_markup=cancel_only(),
    )


@BUTTONS.on(BcAction.PREVIEW)
async def preview_pressed(callback: CallbackQuery, message: Message, actor: Actor) -> None:
    if await actor.state.get_state() != BroadcastForm.ready.state:
        raise DomainError("stale_button")
    await screens.preview(message, actor, await _form(actor.state))


@BUTTONS.on(BcAction.SEND)
async def send_pressed(callback: CallbackQuery, message: Message, actor: Actor) -> None:
    form = await _form(actor.state)
    if await actor.state.get_state() != BroadcastForm.ready.state or not form.get("segment"):
        raise DomainError("stale_button")
    segment = Segment.from_dict(form["segment"])
    event_id = int(form.get("event") or 0)
    chat_id, message_id, now = message.chat.id, message.message_id, actor.now()
    if event_id:
        broadcast = await event_service.announce(
            actor.uow, actor.user, event_id, segment, now,
            report_chat_id=chat_id, report_message_id=message_id,
        )  # fmt: skip
    else:
        texts = form.get("texts") or {}
        broadcast = await service.send(
            actor.uow, actor.user, segment, texts, now,
            report_chat_id=chat_id, report_message_id=message_id,
        )  # fmt: skip
    await actor.state.set_state(None)
    await actor.state.update_data(bc={})
    await message.edit_text(
        progress_text(
            Delivery(broadcast=broadcast, counts=service.DeliveryCounts()), None, actor.locale
        )
    )


BUTTONS.on(BcAction.CANCEL)(form_cancelled(lambda: "✖ " + _("Cancelled. Nothing was sent."), "bc"))


BUTTONS.on(BcAction.LIST)(screen_button(screens.show_history))


def create_router() -> Router:
    """The broadcasts router, for coordinators only: /broadcast, /broadcasts and the form."""
    router = Router(name=__name__)
    router.message.filter(IsCoordinator())
    router.callback_query.filter(IsCoordinator())
    router.message.register(broadcast_command, Command("broadcast"))
    router.message.register(broadcasts_command, Command("broadcasts"), Acting())
    router.message.register(dutch_text, BroadcastForm.text, F.text, NOT_COMMAND, Acting())
    router.message.register(version_text, BroadcastForm.version, F.text, NOT_COMMAND, Acting())
    router.message.register(text_expected, BroadcastForm.text, NOT_COMMAND)
    router.message.register(text_expected, BroadcastForm.version, NOT_COMMAND)
    router.message.register(buttons_expected, BroadcastForm.ready, NOT_COMMAND)
    BUTTONS.register(router)
    return router
