"""How the people's and coordinators' flows (meetups, hours, events, broadcasts) answer.

A button press is always answered: a DomainError its handler raises becomes an alert in
the person's words, otherwise the press is answered silently once the handler is done
(one wrapper instead of a try/except in every handler). The button handlers several areas
build the same way (act on an item, show a screen, leave a form) and the replies every form
gives ("use the buttons", "send /start first") live here once.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime, tzinfo
from functools import wraps
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from aiogram import Bot, F, Router
from aiogram.filters import Command
from aiogram.filters.callback_data import CallbackData
from aiogram.fsm.state import StatesGroup
from aiogram.types import CallbackQuery, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _

from domain.errors import DomainError
from domain.pairs import pair_of
from handlers.actor import Actor
from handlers.keyboards import help_newcomer, home_only, main_menu
from handlers.texts import error_text

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.models import User
    from storage.uow import UnitOfWork

ButtonHandler = Callable[..., Awaitable[None]]
# A domain error in words: (key, params, locale) -> text.
ErrorWords = Callable[[str, dict[str, Any], str], str]
Result = TypeVar("Result")
Decorator = Callable[[ButtonHandler], ButtonHandler]
NOT_COMMAND = ~F.text.startswith("/")


def _refusals_turned(
    words: ErrorWords,
    refuse: Callable[[Any, str], Awaitable[object]],
    done: Callable[[Any], Awaitable[object]] | None,
) -> Decorator:
    """A decorator: a DomainError the handler raises becomes `refuse(event, text in
    words)`; otherwise `done(event)` (if any) once the handler is done.

    The handler must take `locale` or `actor`; aiogram reads the wrapped signature for
    injection, so the wrapper sees only what the handler takes.
    """

    def decorate(handler: ButtonHandler) -> ButtonHandler:
        @wraps(handler)
        async def run(event: Any, /, **data: Any) -> None:
            try:
                await handler(event, **data)
            except DomainError as error:
                await refuse(event, words(error.key, error.params, _locale_of(data)))
                return
            if done is not None:
                await done(event)

        return run

    return decorate


def answered_with(words: ErrorWords) -> Decorator:
    """For button handlers: a refusal as an alert in `words`, anything else answered
    silently once the handler is done."""

    def alert(callback: CallbackQuery, text: str) -> Awaitable[object]:
        return callback.answer(text, show_alert=True)

    return _refusals_turned(words, alert, lambda callback: callback.answer())


def replied_with(words: ErrorWords) -> Decorator:
    """For message handlers (commands, typed answers): a refusal as a message in `words`."""
    return _refusals_turned(words, lambda message, text: message.answer(text), None)


def _locale_of(data: dict[str, Any]) -> str:
    actor = data.get("actor")
    return actor.locale if isinstance(actor, Actor) else str(data["locale"])


# The meetups and hours areas: their refusals in the everyday words.
answered = answered_with(error_text)
replied = replied_with(error_text)


class ItemButton(Protocol):
    """Callback data naming one item (a meetup, an hour entry) by its id."""

    @property
    def id(self) -> int: ...


def item_action(
    act: Callable[[UnitOfWork, User, int, datetime], Awaitable[Result]],
    reply: Callable[[Result, str, tzinfo], str],
    *,
    clear_buttons: bool = True,
    then: Callable[[], InlineKeyboardMarkup] = home_only,
) -> ButtonHandler:
    """A button that does one thing to its item: `act(uow, user, id, now)`, then (unless
    told otherwise) takes the buttons off the message and answers `reply(result, locale,
    tz)` under it, with the way on (`then()`: the menu). For a `ButtonTable` that answers
    the press."""

    async def pressed(
        callback: CallbackQuery, callback_data: ItemButton, message: Message, actor: Actor
    ) -> None:
        result = await act(actor.uow, actor.user, callback_data.id, actor.now())
        if clear_buttons:
            await message.edit_reply_markup(reply_markup=None)
        await message.answer(reply(result, actor.locale, actor.tz), reply_markup=then())

    return pressed


def form_closer(
    reply: Callable[[], str],
    *data_keys: str,
    then: Callable[[], InlineKeyboardMarkup] = home_only,
) -> ButtonHandler:
    """The "Cancel" button of a person's form: leave the form, forget its `data_keys`, and
    say `reply()` in place of the form's message, with the way on (`then()`: the menu).
    For a `ButtonTable` that answers."""

    async def stop(callback: CallbackQuery, message: Message, actor: Actor) -> None:
        await actor.state.set_state(None)
        await actor.state.update_data({key: None for key in data_keys})
        await message.edit_text(reply(), reply_markup=then())

    return stop


# A screen a button shows under or in place of its message.
Screen = Callable[[Message, Actor], Awaitable[object]]


def screen_button(screen: Screen) -> ButtonHandler:
    """A button that only shows `screen(message, actor)`. For a `ButtonTable` that answers
    the press."""

    async def pressed(callback: CallbackQuery, message: Message, actor: Actor) -> None:
        await screen(message, actor)

    return pressed


def form_cancelled(reply: Callable[[], str], data_key: str) -> ButtonHandler:
    """The "Cancel" button of a coordinator's form: leave the form, empty its `data_key`,
    and say `reply()` under the form's message. For a `ButtonTable` that answers."""

    async def cancel_pressed(callback: CallbackQuery, message: Message, actor: Actor) -> None:
        await actor.state.set_state(None)
        await actor.state.update_data({data_key: {}})
        await message.answer(reply())

    return cancel_pressed


async def buttons_expected(message: Message) -> None:
    """Typed text where a form step waits for a button."""
    await message.answer("👇 " + _("Please use the buttons above, or tap “Cancel”."))


async def not_registered_command(message: Message, locale: str) -> None:
    """A person's command from someone who has not started (or not finished) yet: the way
    to begin, or to go on where they stopped."""
    await message.answer(error_text("not_registered", {}, locale), reply_markup=help_newcomer())


async def not_registered(
    callback: CallbackQuery, bot: Bot, uow: UnitOfWork, locale: str, user: User | None = None
) -> None:
    """Buttons pressed by someone the bot does not know, or on a message it cannot use
    (too old, or gone): said in an alert, then a fresh way on in the chat (the member's
    menu, or the way to begin)."""
    if user is not None and user.profile_done_at is not None:
        await stale_button_menu(callback, bot, uow, user, locale)
        return
    text = error_text("not_registered", {}, locale)
    await callback.answer(text, show_alert=True)
    await bot.send_message(callback.from_user.id, text, reply_markup=help_newcomer())


async def stale_button_menu(
    callback: CallbackQuery, bot: Bot, uow: UnitOfWork, user: User, locale: str
) -> None:
    """A member pressed an out-of-date button: say so, and show the menu again. The menu
    goes to the chat, since the old message may be too old for the bot to touch."""
    stale = error_text("stale_button", {}, locale)
    await callback.answer(stale, show_alert=True)
    has_pair = await pair_of(uow, user) is not None
    await bot.send_message(
        callback.from_user.id,
        "🔄 " + stale + "\n\n" + _("What would you like to do?"),
        reply_markup=main_menu(has_pair=has_pair),
    )


def register_fallbacks(
    router: Router,
    *,
    commands: tuple[str, ...],
    form: type[StatesGroup],
    callback_data: type[CallbackData],
) -> None:
    """What a person's area answers when none of its handlers applies: its `commands` from
    someone who has not started, typed text where a step of its `form` waits for a button,
    and its buttons pressed by someone unknown (or on a message the bot cannot edit).
    Register after the area's own handlers."""
    router.message.register(not_registered_command, Command(*commands))
    for step in form.__states__:
        router.message.register(buttons_expected, step, NOT_COMMAND)
    router.callback_query.register(not_registered, callback_data.filter())
