"""Import aiogram's Telegram types without building every validator at import.

aiogram declares its ~300 types with pydantic's ``defer_build=True`` but then calls
``model_rebuild`` on each of them at the end of ``aiogram/types/__init__.py`` (to resolve
forward references), which builds every validator at once, each with its own copy of
every nested type: about 105 MB of the bot's resident memory and most of its start-up CPU
(measured: ``import aiogram.types`` 165 MB, 59 MB without that loop).

`import_types_lazily` imports them with that loop turned into a note of the namespace it
passes, and gives each type that namespace, so pydantic builds a type's validator the
first time it is used, resolving the same forward references. `Update` (which nests
every type an update can carry) and the methods every screen uses (`AT_START`) are built
right away, at start, so no update pays for them on the event loop.
Imported first by `bot/__init__.py`; when aiogram's types are already imported (a test
that imported them first), it does nothing.
"""

from __future__ import annotations

import inspect
import sys
from copy import deepcopy
from typing import Any

import pydantic


def import_types_lazily() -> None:
    """Import `aiogram.types` with validators built on first use (see the module doc)."""
    if "aiogram.types" in sys.modules:
        copy_keyboards_shallowly()  # the fixes below hold for eagerly built types too
        bind_bot_once()
        _build_at_start(rebuild=False)
        return
    original = pydantic.BaseModel.__dict__["model_rebuild"]
    noted: dict[type[Any], dict[str, Any]] = {}

    def note(cls: type[Any], **options: Any) -> bool | None:
        namespace = options.get("_types_namespace")
        if namespace is not None and cls.__module__.startswith("aiogram.types"):
            noted[cls] = namespace
            return None
        return original.__func__(cls, **options)  # type: ignore[no-any-return]

    pydantic.BaseModel.model_rebuild = classmethod(note)  # type: ignore[method-assign,assignment]
    try:
        import aiogram.types
    finally:
        pydantic.BaseModel.model_rebuild = original  # type: ignore[method-assign]
    import aiogram  # noqa: F401  (its methods, SendMessage..., name the types too)

    namespace = next(iter(noted.values()), {})
    # Types named only under TYPE_CHECKING in aiogram's modules are what the forward
    # references need: put them into those modules' globals, where pydantic looks when it
    # builds a class later (also classes made later, such as `Response[Message]`).
    for name, module in list(sys.modules.items()):
        if name.startswith(("aiogram.types", "aiogram.methods", "aiogram.client")):
            for key, value in namespace.items():
                module.__dict__.setdefault(key, value)
    for cls in _subclasses(pydantic.BaseModel):
        if cls.__module__.startswith("aiogram.") and not cls.__pydantic_complete__:
            # What model_rebuild(_types_namespace=...) would use: aiogram's types, then
            # the class's own module namespace on top.
            own = cls.__dict__.get("__pydantic_parent_namespace__") or {}
            cls.__pydantic_parent_namespace__ = {**namespace, **own}
    _build_at_start()
    copy_keyboards_shallowly()
    bind_bot_once()


# What every bot answers with, built at start rather than on the event loop mid-update
# (each build takes a few hundred milliseconds on a busy machine): the update itself, the
# methods the handlers call on every screen, and the responses they get back.
AT_START = (
    "SendMessage", "EditMessageText", "EditMessageReplyMarkup", "AnswerCallbackQuery",
    "DeleteMessage", "SendChatAction", "SendDocument", "SendPhoto", "SendVoice",
    "GetUpdates", "GetMe", "SetMyCommands",
)  # fmt: skip


# The `Response[...]` classes built at start. pydantic keeps a parametrised generic only
# in a weak cache, so without a reference here the garbage collector drops it and the next
# answer of that kind rebuilds it (tens of milliseconds, on the event loop, mid-update):
# measured 15 rebuilds per 600 updates, 0.9 s of the bot's CPU in a burst.
_RESPONSES: list[type[Any]] = []


def _build_at_start(*, rebuild: bool = True) -> None:
    import aiogram.methods
    from aiogram.methods.base import Response

    if rebuild:
        aiogram.types.Update.model_rebuild()
    for name in AT_START:
        method = getattr(aiogram.methods, name)
        if rebuild:
            method.model_rebuild()
        response = Response[method.__returning__]  # type: ignore[name-defined]
        if rebuild:
            response.model_rebuild()
        if response not in _RESPONSES:
            _RESPONSES.append(response)


def copy_keyboards_shallowly() -> None:
    """aiogram's keyboard builder deep-copies its whole markup each time a button is added
    and again for the markup (`KeyboardBuilder.export`): quadratic pydantic deep copies,
    2.7 ms for the 12-language picker. An inline button holds only strings and frozen
    objects, so a copy of each button is the same as a deep copy; other buttons (a reply
    keyboard's poll type is mutable) are still deep-copied."""
    from aiogram.types import InlineKeyboardButton
    from aiogram.utils.keyboard import KeyboardBuilder

    def export(self: KeyboardBuilder[Any]) -> list[list[Any]]:
        return [
            [
                button.model_copy() if type(button) is InlineKeyboardButton else deepcopy(button)
                for button in row
            ]
            for row in self._markup
        ]

    export.__doc__ = KeyboardBuilder.export.__doc__
    KeyboardBuilder.export = export  # type: ignore[method-assign]


def bind_bot_once() -> None:
    """Every aiogram object (a message, its chat, each button; 15-50 per update) ends its
    validation in `model_post_init`, which binds it to the bot. pydantic wraps that method
    again in each subclass that inherits a private attribute, so an object ran it through
    one wrapper per level of its class tree, initialising its private attributes each
    time. Here each class gets the one-level version: the same two steps, once."""
    from aiogram.client.context_controller import BotContextController
    from pydantic._internal._model_construction import init_private_attributes

    own = inspect.unwrap(BotContextController.model_post_init)

    def model_post_init(self: BotContextController, context: Any, /) -> None:
        init_private_attributes(self, context)
        own(self, context)

    for cls in _subclasses(BotContextController):
        inherited = cls.__dict__.get("model_post_init")
        # Only pydantic's wrappers around aiogram's own method are replaced.
        if inherited is not None and inspect.unwrap(inherited) is own:
            cls.model_post_init = model_post_init  # type: ignore[method-assign]


def _subclasses(root: type[Any]) -> list[type[Any]]:
    found, todo = [], [root]
    while todo:
        for sub in todo.pop().__subclasses__():
            found.append(sub)
            todo.append(sub)
    return found
