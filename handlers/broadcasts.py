"""Broadcasts (coordinators only): pick a segment, write the Dutch text, add versions in
other languages or skip them, preview, send; the confirmation message then shows the
live progress and becomes the delivery report. /broadcasts lists the past ones.

The same segment picker and preview announce a community event (handlers.events).
"""

from __future__ import annotations

from datetime import tzinfo
from typing import TYPE_CHECKING, Any

from aiogram import F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackQueryFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain import broadcasts as service
from domain import events as event_service
from domain.broadcasts import Delivery, Segment
from domain.clock import Clock
from domain.errors import DomainError
from domain.langid import SUPPORTED_LANGUAGES
from handlers import broadcast_screens as screens
from handlers.broadcast_buttons import (
    BcAction,
    BcCb,
    cancel_only,
    segment_keyboard,
)
from handlers.broadcast_texts import count_line, note_reserve, segment_label
from handlers.broadcast_texts import fallback_note as fallback_note  # re-exported
from handlers.broadcast_texts import progress_text as progress_text  # re-exported
from handlers.callbacks import COORDINATOR_CALLBACKS
from handlers.common import q
from handlers.community_errors import answered, community_error
from handlers.coordinator_buttons import COORDINATOR_COMMANDS, HOME_BUTTONS, IsCoordinator
from handlers.filters import WithMessage
from handlers.i18n import endonym

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.models import User
    from storage.uow import UnitOfWork


class BroadcastForm(StatesGroup):
    text = State()  # waiting for the Dutch text
    version = State()  # waiting for the text in data["bc"]["lang"]
    ready = State()  # the versions menu or the preview is on screen


COORDINATOR_COMMANDS.extend(["broadcast", "broadcasts"])
COORDINATOR_CALLBACKS.append(BcCb)
HOME_BUTTONS.append(
    lambda: InlineKeyboardButton(
        text="📣 " + _("Broadcast"), callback_data=BcCb(action=BcAction.NEW).pack()
    )
)

NOT_COMMAND = ~F.text.startswith("/")
# Entities a Telegram client adds for formatting; with none, the text is read as HTML.
FORMATTING = frozenset(
    {
        "bold", "italic", "underline", "strikethrough", "spoiler", "code", "pre",
        "text_link", "blockquote", "expandable_blockquote", "custom_emoji",
    }
)  # fmt: skip


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


async def start_for_segment(
    target: Message, state: FSMContext, uow: UnitOfWork, user: User, segment: Segment, locale: str
) -> None:
    await state.update_data(bc={"event": 0, "texts": {}})
    await _segment_chosen(target, state, uow, user, segment, locale, edit=False)


async def broadcast_command(message: Message, state: FSMContext) -> None:
    await start(message, state)


async def _segment_chosen(
    target: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    segment: Segment,
    locale: str,
    *,
    edit: bool,
) -> None:
    audience = await service.audience(uow, user, segment)
    if audience.total == 0:
        raise DomainError("segment_empty")
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
        await screens.preview(target, uow, user, form, locale)
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


def _html_of(message: Message) -> str | None:
    """The text as Telegram HTML: the client's formatting when it has any, else the text
    itself read as HTML (so <b>…</b> typed by hand works too)."""
    if message.text is None:
        return None
    if any(entity.type in FORMATTING for entity in message.entities or []):
        return message.html_text
    return message.text


async def dutch_text(
    message: Message, state: FSMContext, uow: UnitOfWork, user: User, i18n: I18n, locale: str
) -> None:
    try:
        text = service.check_text(_html_of(message), reserve=note_reserve(i18n))
    except DomainError as error:
        await message.answer(community_error(error.key, error.params, locale))
        return
    form = await _form(state)
    form["texts"] = {service.BASE_LANGUAGE: text}
    await state.update_data(bc=form)
    await state.set_state(BroadcastForm.ready)
    await screens.versions_menu(message, uow, user, form, locale)


async def version_text(
    message: Message, state: FSMContext, uow: UnitOfWork, user: User, locale: str
) -> None:
    form = await _form(state)
    language = str(form.get("lang") or "")
    try:
        if language not in SUPPORTED_LANGUAGES or language == service.BASE_LANGUAGE:
            raise DomainError("stale_button")
        text = service.check_text(_html_of(message))
    except DomainError as error:
        await message.answer(community_error(error.key, error.params, locale))
        return
    form["texts"] = {**form.get("texts", {}), language: text}
    form.pop("lang", None)
    await state.update_data(bc=form)
    await state.set_state(BroadcastForm.ready)
    await screens.versions_menu(message, uow, user, form, locale)


async def text_expected(message: Message, locale: str) -> None:
    await message.answer(community_error("text_empty", {}, locale))


async def buttons_expected(message: Message) -> None:
    await message.answer("👇 " + _("Please use the buttons above, or tap “Cancel”."))


async def _send(
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    locale: str,
) -> None:
    form = await _form(state)
    if await state.get_state() != BroadcastForm.ready.state or not form.get("segment"):
        raise DomainError("stale_button")
    segment = Segment.from_dict(form["segment"])
    event_id = int(form.get("event") or 0)
    chat_id, message_id, now = message.chat.id, message.message_id, clock.now()
    if event_id:
        broadcast = await event_service.announce(
            uow, user, event_id, segment, now, report_chat_id=chat_id, report_message_id=message_id
        )
    else:
        texts = form.get("texts") or {}
        broadcast = await service.send(
            uow, user, segment, texts, now, report_chat_id=chat_id, report_message_id=message_id
        )
    await state.set_state(None)
    await state.update_data(bc={})
    await message.edit_text(
        progress_text(Delivery(broadcast=broadcast, counts=service.DeliveryCounts()), None, locale)
    )


async def broadcasts_command(
    message: Message, uow: UnitOfWork, user: User, clock: Clock, tz: tzinfo, locale: str
) -> None:
    await screens.show_history(message, uow, user, clock, tz, locale)


# --- buttons: one handler per action ------------------------------------------------------


@answered
async def new_pressed(
    callback: CallbackQuery, message: Message, state: FSMContext, locale: str
) -> None:
    await start(message, state)


@answered
async def back_pressed(callback: CallbackQuery, message: Message, locale: str) -> None:
    await message.edit_reply_markup(reply_markup=segment_keyboard())


@answered
async def menu_pressed(
    callback: CallbackQuery,
    callback_data: BcCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    tz: tzinfo,
    locale: str,
) -> None:
    markup = await screens.submenu(uow, user, callback_data.kind, clock.now(), locale, tz)
    await message.edit_reply_markup(reply_markup=markup)


@answered
async def segment_pressed(
    callback: CallbackQuery,
    callback_data: BcCb,
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    locale: str,
) -> None:
    segment = Segment(callback_data.kind, callback_data.value)
    await _segment_chosen(message, state, uow, user, segment, locale, edit=True)


@answered
async def language_pressed(
    callback: CallbackQuery,
    callback_data: BcCb,
    message: Message,
    state: FSMContext,
    locale: str,
) -> None:
    value = callback_data.value
    if await state.get_state() != BroadcastForm.ready.state:
        raise DomainError("stale_button")
    if value not in SUPPORTED_LANGUAGES or value == service.BASE_LANGUAGE:
        raise DomainError("invalid_choice")
    form = await _form(state)
    form["lang"] = value
    await state.update_data(bc=form)
    await state.set_state(BroadcastForm.version)
    await message.answer(
        "✍️ " + _("Send the text in {language}.").format(language=endonym(value)),
        reply_markup=cancel_only(),
    )


@answered
async def preview_pressed(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    locale: str,
) -> None:
    if await state.get_state() != BroadcastForm.ready.state:
        raise DomainError("stale_button")
    await screens.preview(message, uow, user, await _form(state), locale)


@answered
async def send_pressed(
    callback: CallbackQuery,
    message: Message,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    locale: str,
) -> None:
    await _send(message, state, uow, user, clock, locale)


@answered
async def cancel_pressed(
    callback: CallbackQuery, message: Message, state: FSMContext, locale: str
) -> None:
    await state.set_state(None)
    await state.update_data(bc={})
    await message.answer("✖ " + _("Cancelled. Nothing was sent."))


@answered
async def list_pressed(
    callback: CallbackQuery,
    message: Message,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    tz: tzinfo,
    locale: str,
) -> None:
    await screens.show_history(message, uow, user, clock, tz, locale)


def create_router() -> Router:
    """The broadcasts router, for coordinators only: /broadcast, /broadcasts and the form."""
    router = Router(name=__name__)
    router.message.filter(IsCoordinator())
    router.callback_query.filter(IsCoordinator())
    router.message.register(broadcast_command, Command("broadcast"))
    router.message.register(broadcasts_command, Command("broadcasts"))
    router.message.register(dutch_text, BroadcastForm.text, F.text, NOT_COMMAND)
    router.message.register(version_text, BroadcastForm.version, F.text, NOT_COMMAND)
    router.message.register(text_expected, BroadcastForm.text, NOT_COMMAND)
    router.message.register(text_expected, BroadcastForm.version, NOT_COMMAND)
    router.message.register(buttons_expected, BroadcastForm.ready, NOT_COMMAND)

    def press(action: BcAction) -> CallbackQueryFilter:
        return BcCb.filter(F.action == action)

    on = router.callback_query.register
    on(new_pressed, press(BcAction.NEW), WithMessage())
    on(back_pressed, press(BcAction.BACK), WithMessage())
    on(menu_pressed, press(BcAction.MENU), WithMessage())
    on(segment_pressed, press(BcAction.SEGMENT), WithMessage())
    on(language_pressed, press(BcAction.LANGUAGE), WithMessage())
    on(preview_pressed, press(BcAction.PREVIEW), WithMessage())
    on(send_pressed, press(BcAction.SEND), WithMessage())
    on(cancel_pressed, press(BcAction.CANCEL), WithMessage())
    on(list_pressed, press(BcAction.LIST), WithMessage())
    return router
