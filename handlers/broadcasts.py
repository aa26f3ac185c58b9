"""Broadcasts (coordinators only): pick a segment, write the Dutch text, add versions in
other languages or skip them, preview, send; the confirmation message then shows the
live progress and becomes the delivery report. /broadcasts lists the past ones.

The same segment picker and preview announce a community event (handlers.events).
"""

from __future__ import annotations

from datetime import datetime, timedelta, tzinfo
from typing import Any

from aiogram import F
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import I18n, ngettext
from aiogram.utils.i18n import gettext as _
from babel.dates import format_timedelta

from domain import broadcasts as service
from domain import events as event_service
from domain.broadcasts import Audience, Delivery, Segment
from domain.clock import Clock
from domain.errors import DomainError
from domain.langid import SUPPORTED_LANGUAGES
from handlers.callbacks import COORDINATOR_CALLBACKS
from handlers.common import message_of, q
from handlers.coordinator import COORDINATOR_COMMANDS, HOME_BUTTONS, IsCoordinator
from handlers.i18n import endonym, fmt_date, isolate
from handlers.routing import HandlerSet
from handlers.texts import error_text, municipality_label
from storage.models import User
from storage.uow import UnitOfWork


class BcCb(CallbackData, prefix="bc"):
    """Broadcast buttons: new, seg (kind, value), menu (kind: a submenu), back, lang (value:
    a language to add), preview, send, cancel, list."""

    action: str
    kind: str = ""
    value: str = ""


class BroadcastForm(StatesGroup):
    text = State()  # waiting for the Dutch text
    version = State()  # waiting for the text in data["bc"]["lang"]
    ready = State()  # the versions menu or the preview is on screen


COORDINATOR_COMMANDS.extend(["broadcast", "broadcasts"])
COORDINATOR_CALLBACKS.append(BcCb)
HOME_BUTTONS.append(
    lambda: InlineKeyboardButton(
        text="📣 " + _("Broadcast"), callback_data=BcCb(action="new").pack()
    )
)

router = HandlerSet(__name__)
router.message.filter(IsCoordinator())
router.callback_query.filter(IsCoordinator())

NOT_COMMAND = ~F.text.startswith("/")
# Entities a Telegram client adds for formatting; with none, the text is read as HTML.
FORMATTING = frozenset(
    {
        "bold", "italic", "underline", "strikethrough", "spoiler", "code", "pre",
        "text_link", "blockquote", "expandable_blockquote", "custom_emoji",
    }
)  # fmt: skip


# --- words -----------------------------------------------------------------------------------


def community_error(key: str, params: dict[str, Any], locale: str) -> str:
    """Domain errors of broadcasts and events in words (others as everywhere else)."""
    safe = {name: isolate(value, locale) for name, value in params.items()}
    if key == "text_format":
        return _(
            "I could not read the formatting near “{near}”. Use Telegram's formatting "
            "(bold, italic, links), and write {sign} as {code}."
        ).format(
            near=q(params.get("near", ""), locale), sign=q("<", locale), code=q("&lt;", locale)
        )
    if key == "text_too_long":
        return ngettext(
            "This text is too long: {length} character, at most {limit}.",
            "This text is too long: {length} characters, at most {limit}.",
            int(params.get("length", 0)),
        ).format(**safe)
    texts = {
        "text_empty": _("The message is empty. Please type the text."),
        "segment_empty": _("Nobody in this group can be reached. Please choose another group."),
        "event_title_empty": _("Please type a title."),
        "event_place_empty": _("Please type the place."),
        "event_text_too_long": _("This is too long (at most {limit} characters)."),
        "event_capacity": _("Please type a number of places from 1 to {limit}."),
        "event_in_past": _("This moment has passed. Please choose a later date and time."),
        "event_closed": _("This event has already started or is closed."),
    }
    if key in texts:
        return texts[key].format(**safe)
    return error_text(key, params, locale)


def fallback_note() -> str:
    """The line above the Dutch text for people whose language has no version."""
    return "📣 " + _("An announcement from your coordinator (in Dutch):")


def note_reserve(i18n: I18n) -> int:
    """Room the longest note takes above the Dutch text, in any language."""
    longest = 0
    for code in SUPPORTED_LANGUAGES:
        with i18n.use_locale(code):
            longest = max(longest, service.utf16_length(fallback_note() + "\n\n"))
    return longest


def segment_label(segment: dict[str, Any], locale: str) -> str:
    kind, value = segment.get("kind"), str(segment.get("value", ""))
    match kind:
        case "all":
            return _("Everyone")
        case "newcomers":
            return _("All newcomers")
        case "buddies":
            return _("All buddies")
        case "waiting":
            return _("Newcomers on the waiting list")
        case "language":
            return _("Contact language: {language}").format(language=endonym(value))
        case "municipality":
            return _("Municipality: {name}").format(name=municipality_label(value, locale))
        case "below_hours":
            return ngettext(
                "Pairs with less than {count} confirmed hour",
                "Pairs with less than {count} confirmed hours",
                int(value or 0),
            ).format(count=isolate(value, locale))
        case "event":
            return _("People going to event {number}").format(number=isolate(value, locale))
    return "?"


def _count_line(label: str, count: int, locale: str) -> str:
    return f"{label}: {isolate(count, locale)}"


def audience_lines(audience: Audience, texts: dict[str, Any], locale: str) -> list[str]:
    """Recipients per language and what each language gets."""
    lines = [
        _count_line(_("Recipients"), audience.total, locale),
        _count_line(_("Skipped: had blocked the bot before"), audience.unreachable, locale),
        "",
    ]
    for code, count in sorted(audience.by_language.items(), key=lambda item: -item[1]):
        if code == service.BASE_LANGUAGE:
            what = _("the Dutch text")
        elif code in texts:
            what = _("their own version")
        else:
            what = _("the Dutch text with a note")
        lines.append(f"• {endonym(code)} {isolate(count, locale)}: {what}")
    return lines


def _seconds(seconds: float, locale: str) -> str:
    return format_timedelta(timedelta(seconds=max(1, round(seconds))), locale=locale, threshold=1.5)


def progress_text(delivery: Delivery, seconds_left: float | None, locale: str) -> str:
    """The coordinator's message while a broadcast goes out, then its report."""
    counts, broadcast = delivery.counts, delivery.broadcast
    total = broadcast.total
    lines = [
        "📣 <b>" + (_("Delivery report") if delivery.finished else _("Sending…")) + "</b>",
        q(segment_label(broadcast.segment, locale), locale),
        "",
    ]
    if not delivery.finished:
        lines.append(
            _("{done} of {total} done").format(
                done=isolate(counts.done, locale), total=isolate(total, locale)
            )
        )
    lines += [
        "✅ " + _count_line(_("Sent"), counts.sent, locale),
        "🚫 " + _count_line(_("Blocked the bot while sending"), counts.blocked, locale),
        "⚠️ " + _count_line(_("Failed"), counts.failed, locale),
    ]
    if counts.cancelled:
        lines.append("✖ " + _count_line(_("Not sent"), counts.cancelled, locale))
    if delivery.left_out:
        lines.append(
            "➖ " + _count_line(_("Skipped: had blocked the bot before"), delivery.left_out, locale)
        )
    if counts.held:
        lines.append(
            "🌙 " + _count_line(_("Waiting for the end of quiet hours"), counts.held, locale)
        )
    if not delivery.finished and seconds_left is not None and counts.queued:
        lines.append(
            "⏱ "
            + _("About {time} left").format(time=isolate(_seconds(seconds_left, locale), locale))
        )
    return "\n".join(lines)


# --- keyboards ---------------------------------------------------------------------------------


def _button(text: str, action: str, kind: str = "", value: str = "") -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text=text, callback_data=BcCb(action=action, kind=kind, value=value).pack()
    )


def _rows(buttons: list[InlineKeyboardButton], size: int) -> list[list[InlineKeyboardButton]]:
    return [buttons[i : i + size] for i in range(0, len(buttons), size)]


def _cancel_row() -> list[InlineKeyboardButton]:
    return [_button("✖ " + _("Cancel"), "cancel")]


def segment_keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        inline_keyboard=[
            [_button(_("Everyone"), "seg", "all"), _button(_("All newcomers"), "seg", "newcomers")],
            [
                _button(_("All buddies"), "seg", "buddies"),
                _button(_("Waiting list"), "seg", "waiting"),
            ],
            [
                _button("🌐 " + _("A contact language"), "menu", "language"),
                _button("📍 " + _("A municipality"), "menu", "municipality"),
            ],
            [
                _button("⏱ " + _("Pairs with few hours"), "menu", "below_hours"),
                _button("🎉 " + _("Going to an event"), "menu", "event"),
            ],
            [_button("📋 " + _("Past broadcasts"), "list"), *_cancel_row()],
        ]
    )


async def submenu(
    uow: UnitOfWork, user: User, kind: str, now: datetime, locale: str, tz: tzinfo
) -> InlineKeyboardMarkup:
    buttons: list[InlineKeyboardButton] = []
    if kind in ("language", "municipality"):
        for value, count in (await service.choices(uow, user, kind)).items():
            label = endonym(value) if kind == "language" else municipality_label(value, locale)
            buttons.append(_button(f"{label} ({count})", "seg", kind, value))
    elif kind == "below_hours":
        for hours in service.HOUR_CHOICES:
            buttons.append(_button(f"< {hours}", "seg", kind, str(hours)))
    elif kind == "event":
        for event, tally in await event_service.upcoming(uow, user, now):
            going = tally.get("going", 0)
            label = f"{fmt_date(event.starts_at, locale, tz, 'short')} {event.title} ({going})"
            buttons.append(_button(label[:60], "seg", kind, str(event.id)))
    else:
        raise DomainError("invalid_choice")
    rows = _rows(buttons, 1 if kind == "event" else 2)
    rows.append([_button("⬅️ " + _("Back"), "back"), *_cancel_row()])
    return InlineKeyboardMarkup(inline_keyboard=rows)


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


@router.message(Command("broadcast"))
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
            _count_line(_("Recipients"), audience.total, locale),
            _count_line(_("Skipped: had blocked the bot before"), audience.unreachable, locale),
        ]
    )
    if edit:
        await target.edit_text(summary)
    else:
        await target.answer(summary)
    if form.get("event"):
        await state.set_state(BroadcastForm.ready)
        await _preview(target, uow, user, form, locale)
        return
    await state.set_state(BroadcastForm.text)
    await target.answer(
        "✍️ "
        + _(
            "Write the message in Dutch and send it. Bold, italic and links are kept. "
            "Next you can add versions in other languages."
        ),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[_cancel_row()]),
    )


def _html_of(message: Message) -> str | None:
    """The text as Telegram HTML: the client's formatting when it has any, else the text
    itself read as HTML (so <b>…</b> typed by hand works too)."""
    if message.text is None:
        return None
    if any(entity.type in FORMATTING for entity in message.entities or []):
        return message.html_text
    return message.text


@router.message(BroadcastForm.text, F.text, NOT_COMMAND)
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
    await _versions_menu(message, uow, user, form, locale)


@router.message(BroadcastForm.version, F.text, NOT_COMMAND)
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
    await _versions_menu(message, uow, user, form, locale)


@router.message(BroadcastForm.text, NOT_COMMAND)
@router.message(BroadcastForm.version, NOT_COMMAND)
async def text_expected(message: Message, locale: str) -> None:
    await message.answer(community_error("text_empty", {}, locale))


@router.message(BroadcastForm.ready, NOT_COMMAND)
async def buttons_expected(message: Message) -> None:
    await message.answer("👇 " + _("Please use the buttons above, or tap “Cancel”."))


async def _audience_of(uow: UnitOfWork, user: User, form: dict[str, Any]) -> Audience:
    segment = form.get("segment")
    if not isinstance(segment, dict):
        raise DomainError("stale_button")
    return await service.audience(uow, user, Segment.from_dict(segment))


async def _versions_menu(
    target: Message, uow: UnitOfWork, user: User, form: dict[str, Any], locale: str
) -> None:
    audience = await _audience_of(uow, user, form)
    texts = form.get("texts", {})
    buttons = []
    for code, count in sorted(audience.by_language.items(), key=lambda item: -item[1]):
        if code == service.BASE_LANGUAGE:
            continue
        mark = "✅ " if code in texts else "➕ "
        buttons.append(_button(f"{mark}{endonym(code)} ({count})", "lang", value=code))
    rows = _rows(buttons, 2)
    rows.append([_button("👁 " + _("Preview"), "preview"), *_cancel_row()])
    await target.answer(
        "🌐 "
        + _(
            "Add a version in another language? Tap a language and send its text, or go "
            "to the preview. People without a version of their own get the Dutch text "
            "with a short note in their language."
        ),
        reply_markup=InlineKeyboardMarkup(inline_keyboard=rows),
    )


async def _preview(
    target: Message, uow: UnitOfWork, user: User, form: dict[str, Any], locale: str
) -> None:
    audience = await _audience_of(uow, user, form)
    event_id = int(form.get("event") or 0)
    if event_id:
        event = await event_service.event_in_programme(uow, user, event_id)
        texts: dict[str, Any] = event_service.versions(event)
        head = "🎉 <b>" + _("Invitation to: {title}").format(title=q(event.title, locale)) + "</b>"
    else:
        texts = dict(form.get("texts") or {})
        if service.BASE_LANGUAGE not in texts:
            raise DomainError("stale_button")
        await target.answer(texts[service.BASE_LANGUAGE])  # exactly as recipients see it
        head = "👁 <b>" + _("Preview") + "</b>"
    segment = form.get("segment") or {}
    lines = [head, q(segment_label(segment, locale), locale), ""]
    lines += audience_lines(audience, texts, locale)
    send_label = ngettext(
        "✅ Send to {count} person", "✅ Send to {count} people", audience.total
    ).format(count=isolate(audience.total, locale))
    await target.answer(
        "\n".join(lines),
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[[_button(send_label, "send")], _cancel_row()]
        ),
    )


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


async def show_history(
    target: Message, uow: UnitOfWork, user: User, clock: Clock, tz: tzinfo, locale: str
) -> None:
    deliveries = await service.history(uow, user, clock.now())
    if not deliveries:
        await target.answer(_("No broadcasts yet. Start one with /broadcast."))
        return
    lines = ["📣 <b>" + _("Broadcasts") + "</b>"]
    for delivery in deliveries:
        broadcast, counts = delivery.broadcast, delivery.counts
        state = "✅" if delivery.finished else "⏳"
        lines.append("")
        when = fmt_date(broadcast.created_at, locale, tz, "medium")
        label = q(segment_label(broadcast.segment, locale), locale)
        lines.append(f"{state} <b>#{broadcast.id}</b> · {when} · {label}")
        parts = [
            _count_line(_("Sent"), counts.sent, locale),
            _count_line(_("Blocked the bot while sending"), counts.blocked, locale),
            _count_line(_("Failed"), counts.failed, locale),
            _count_line(_("Skipped: had blocked the bot before"), delivery.left_out, locale),
        ]
        if counts.open:
            parts.append(_count_line(_("Still to send"), counts.open, locale))
        lines.append(" · ".join(parts))
    await target.answer("\n".join(lines))


@router.message(Command("broadcasts"))
async def broadcasts_command(
    message: Message, uow: UnitOfWork, user: User, clock: Clock, tz: tzinfo, locale: str
) -> None:
    await show_history(message, uow, user, clock, tz, locale)


@router.callback_query(BcCb.filter())
async def pressed(
    callback: CallbackQuery,
    callback_data: BcCb,
    state: FSMContext,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    tz: tzinfo,
    locale: str,
) -> None:
    message = message_of(callback)
    if message is None:
        await callback.answer()
        return
    action, kind, value = callback_data.action, callback_data.kind, callback_data.value
    try:
        match action:
            case "new":
                await start(message, state)
            case "back":
                await message.edit_reply_markup(reply_markup=segment_keyboard())
            case "menu":
                markup = await submenu(uow, user, kind, clock.now(), locale, tz)
                await message.edit_reply_markup(reply_markup=markup)
            case "seg":
                await _segment_chosen(
                    message, state, uow, user, Segment(kind, value), locale, edit=True
                )
            case "lang":
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
                    reply_markup=InlineKeyboardMarkup(inline_keyboard=[_cancel_row()]),
                )
            case "preview":
                if await state.get_state() != BroadcastForm.ready.state:
                    raise DomainError("stale_button")
                await _preview(message, uow, user, await _form(state), locale)
            case "send":
                await _send(message, state, uow, user, clock, locale)
            case "cancel":
                await state.set_state(None)
                await state.update_data(bc={})
                await message.answer("✖ " + _("Cancelled. Nothing was sent."))
            case "list":
                await show_history(message, uow, user, clock, tz, locale)
            case _:
                raise DomainError("invalid_choice")
    except DomainError as error:
        await callback.answer(community_error(error.key, error.params, locale), show_alert=True)
        return
    await callback.answer()
