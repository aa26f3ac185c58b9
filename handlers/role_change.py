""" "Become a buddy" (domain/role_change.py) in the chat: the newcomer's menu entry, the short
question that doubles as their confirmation (how many newcomers at a time, or not now),
the request as it reaches the coordinators with two buttons, and the answer back to the
person in their own language.

A coordinator's button pressed by anyone else is refused ("only for coordinators") and
audited without what it carried; a request decided already, or of another programme,
changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aiogram import F, Router
from aiogram.types import CallbackQuery, InlineKeyboardButton, InlineKeyboardMarkup, Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from delivery.outbox import Rendered
from domain import privacy as privacy_service
from domain import role_change as service
from domain.clock import Clock
from domain.errors import DomainError
from domain.notices import Notice
from domain.staff import OtherProgramme
from handlers.callbacks import MenuAction, MenuCb
from handlers.common import q
from handlers.coordinator_buttons import CoordAction, IsCoordinator, button, home_button
from handlers.filters import Registered, WithMessage
from handlers.inbox_buttons import menu_button, reach_buttons
from handlers.notice_registry import notice
from handlers.role_change_buttons import (
    BecomeAction,
    BecomeCb,
    RoleAction,
    RoleCb,
    capacity_keyboard,
    decision_row,
)
from handlers.texts import error_text

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.models import User
    from storage.uow import UnitOfWork


def _refusal(key: str, locale: str) -> str:
    """The sentence for this area's refusals; the shared ones for the rest."""
    texts = {
        "role_change_not_eligible": _(
            "You can become a buddy once your trajectory is completed, or after some time "
            "in the programme."
        ),
        "role_change_pending": _("You already asked. A coordinator will answer you here."),
        "role_change_decided": _("This request was already answered."),
        "role_change_not_now": _(
            "This person cannot become a buddy now (they may be in a buddy pair). "
            "Nothing was changed."
        ),
    }
    return texts.get(key) or error_text(key, {}, locale)


def _menu() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(inline_keyboard=[[menu_button()]])


# --- the person ---------------------------------------------------------------------------


async def asked(
    callback: CallbackQuery,
    message: Message,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    locale: str,
) -> None:
    """ "🤝 Become a buddy": what it means, and one tap to confirm with a capacity."""
    try:
        await service.check_may_ask(uow, user, clock.now())
    except DomainError as error:
        await callback.answer(_refusal(error.key, locale), show_alert=True)
        return
    await callback.answer()
    text = "\n\n".join(
        [
            "🤝 <b>" + _("Become a buddy") + "</b>",
            _(
                "As a buddy you help a newcomer find their way here, as someone helped you. "
                "Your pairs and hours so far stay yours."
            ),
            _("A coordinator confirms it. How many newcomers could you accompany at a time?"),
        ]
    )
    await message.answer(text, reply_markup=capacity_keyboard())


async def sent(
    callback: CallbackQuery,
    message: Message,
    callback_data: BecomeCb,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    locale: str,
) -> None:
    """The request goes to the coordinators; the answer is sent after the update's
    commit (bot.middlewares.DatabaseMiddleware), so "sent" is never said too early."""
    try:
        await service.ask(uow, user, str(callback_data.capacity), clock.now())
    except DomainError as error:
        await callback.answer(_refusal(error.key, locale), show_alert=True)
        return
    await callback.answer()
    await message.edit_text(
        "📨 " + _("Thank you! Your request went to the coordinators. They will answer you here."),
        reply_markup=_menu(),
    )


async def later(callback: CallbackQuery, message: Message) -> None:
    await callback.answer()
    await message.edit_text(
        _("All right. The button stays in your menu for when you are ready."),
        reply_markup=_menu(),
    )


# --- the coordinators ---------------------------------------------------------------------


async def decided(
    callback: CallbackQuery,
    message: Message,
    callback_data: RoleCb,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    locale: str,
) -> None:
    """Confirm or decline a request: the person is told, the request's message says what
    was done. Another programme's request goes to the admin area's error handler."""
    confirm = callback_data.action == RoleAction.CONFIRM
    try:
        _request, person = await service.decide(uow, user, callback_data.id, confirm, clock.now())
    except OtherProgramme:
        raise
    except DomainError as error:
        await callback.answer(_refusal(error.key, locale), show_alert=True)
        return
    await callback.answer()
    name = q(person.first_name or "?", locale)
    if confirm:
        text = "✅ " + _("{name} is a buddy now, and was told.").format(name=name)
    else:
        text = "✖ " + _("You declined. {name} was told kindly.").format(name=name)
    await message.edit_text(
        text,
        reply_markup=InlineKeyboardMarkup(
            inline_keyboard=[
                [button("👤 " + (person.first_name or "?"), CoordAction.PERSON, person.id)],
                [home_button()],
            ]
        ),
    )


async def refused(
    callback: CallbackQuery, uow: UnitOfWork, locale: str, user: User | None = None
) -> None:
    """A coordinator's button from anyone else: refused and audited, nothing changes."""
    privacy_service.audit_refusal(
        uow, "refused.coordinator_only", user, callback.from_user.id, attempt=RoleCb.__prefix__
    )
    await callback.answer(error_text("coordinators_only", {}, locale), show_alert=True)


# --- pushed messages ----------------------------------------------------------------------


@notice(Notice.COORDINATOR_ROLE_CHANGE_REQUEST)
def request_to_coordinators(params: dict[str, Any], locale: str) -> Rendered:
    name = q(params.get("name") or "?", locale)
    if params.get("grounds") == service.COMPLETED:
        grounds = _("They completed their trajectory.")
    else:
        months = int(params.get("months") or 0)
        grounds = ngettext(
            "They joined the programme {count} month ago.",
            "They joined the programme {count} months ago.",
            months,
        ).format(count=q(months, locale))
    capacity = int(params.get("capacity") or 1)
    places = ngettext(
        "They could accompany {count} newcomer at a time.",
        "They could accompany {count} newcomers at a time.",
        capacity,
    ).format(count=q(capacity, locale))
    text = " ".join(
        ["🤝 " + _("{name} asks to become a buddy.").format(name=name), grounds, places]
    )
    person_id = int(params.get("person_id") or 0)
    rows = [decision_row(int(params.get("request_id") or 0))]
    if person_id:
        rows.append([button("👤 " + (params.get("name") or "?"), CoordAction.PERSON, person_id)])
    rows.append([home_button()])
    return Rendered(text=text, reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


@notice(Notice.ROLE_CHANGE_CONFIRMED)
def confirmed(params: dict[str, Any], locale: str) -> Rendered:
    name = q(params.get("name") or "", locale)
    text = "\n\n".join(
        [
            "🤝 " + _("Welcome as a buddy, {name}! A coordinator confirmed it.").format(name=name),
            _(
                "Your earlier pair, your hours and your proof stay yours. We will introduce "
                "you to a newcomer who fits you."
            ),
        ]
    )
    rows: list[list[InlineKeyboardButton]] = []
    if params.get("missing"):
        rows.append(
            [
                InlineKeyboardButton(
                    text="▶️ " + _("Continue"),
                    callback_data=MenuCb(action=MenuAction.RESUME).pack(),
                )
            ]
        )
    rows.append([menu_button()])
    return Rendered(text=text, reply_markup=InlineKeyboardMarkup(inline_keyboard=rows))


@notice(Notice.ROLE_CHANGE_DECLINED)
def declined(params: dict[str, Any], locale: str) -> Rendered:
    name = q(params.get("name") or "", locale)
    text = "\n\n".join(
        [
            _("Thank you for offering to be a buddy, {name}!").format(name=name),
            _(
                "A coordinator thinks it is not the right moment yet. You can write to them "
                "to talk about it."
            ),
        ]
    )
    return Rendered(
        text=text,
        reply_markup=InlineKeyboardMarkup(inline_keyboard=[*reach_buttons(), [menu_button()]]),
    )


def create_router() -> Router:
    """The person's buttons (behind a confirmed profile) and the coordinators' (behind
    IsCoordinator), then the refusal of the coordinators' buttons to anyone else."""
    router = Router(name=__name__)
    member = (Registered(profile_done=True), WithMessage())
    router.callback_query.register(asked, BecomeCb.filter(F.action == BecomeAction.ASK), *member)
    router.callback_query.register(sent, BecomeCb.filter(F.action == BecomeAction.SEND), *member)
    router.callback_query.register(later, BecomeCb.filter(F.action == BecomeAction.LATER), *member)
    router.callback_query.register(decided, RoleCb.filter(), IsCoordinator(), WithMessage())
    router.callback_query.register(refused, RoleCb.filter())
    return router
