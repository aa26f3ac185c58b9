"""The newcomer's proof of participation in the chat: the button under /progress and under
the "your proof is ready" message sends the PDF (issued on first use, the latest one
afterwards).

The button names the pair; `domain.certificates.proof_for` refuses and audits anyone but
its newcomer, and a press from someone the bot does not know is refused and audited here.
The PDF is made in a worker thread (`asyncio.to_thread`), never on the event loop.
"""

from __future__ import annotations

import asyncio
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from aiogram import Router
from aiogram.filters.callback_data import CallbackData
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from delivery.outbox import Rendered
from domain import certificates as service
from domain import privacy as privacy_service
from domain.notices import Notice
from handlers import proof_pdf
from handlers.actor import Acting, Actor
from handlers.button_table import ButtonTable
from handlers.filters import WithMessage
from handlers.flow_answers import answered_with
from handlers.i18n import fmt_number, isolate
from handlers.inbox_buttons import menu_button
from handlers.notice_registry import notice
from handlers.texts import error_text

if TYPE_CHECKING:  # annotations only: handlers reach storage through the domain
    from storage.models import User
    from storage.uow import UnitOfWork


class ProofAction(StrEnum):
    GET = "get"  # id: pair


class ProofCb(CallbackData, prefix="proof"):
    action: ProofAction
    id: int = 0


def proof_button(pair_id: int) -> InlineKeyboardButton:
    return InlineKeyboardButton(
        text="📄 " + _("Proof of participation"),
        callback_data=ProofCb(action=ProofAction.GET, id=pair_id).pack(),
    )


def proof_markup(pair_id: int, *, home: bool = False) -> InlineKeyboardMarkup:
    """The proof's button; with `home`, the way back to the menu under it."""
    rows = [[proof_button(pair_id)]]
    if home:
        rows.append([menu_button()])
    return InlineKeyboardMarkup(inline_keyboard=rows)


def proof_error(key: str, params: dict[str, Any], locale: str) -> str:
    """Refusals about a proof of participation in words (others as everywhere else)."""
    texts = {
        "not_your_proof": _("This proof of participation is not yours."),
        "proof_not_yet": _(
            "The proof of participation comes once the pair has {hours} confirmed hours."
        ),
    }
    if key in texts:
        safe = {name: isolate(value, locale) for name, value in params.items()}
        return texts[key].format(**safe)
    return error_text(key, params, locale)


answered = answered_with(proof_error)


def hours_of(minutes: int, locale: str) -> str:
    return fmt_number(minutes / 60, locale)


def filename(sheet: service.ProofSheet) -> str:
    # Dutch, the programme's language, as the first pages are.
    return f"deelnamebewijs-{service.grouped(sheet.code)}.pdf"


async def send_proof(
    message: Message,
    sheet: service.ProofSheet,
    i18n: I18n,
    caption: str,
    reply_markup: InlineKeyboardMarkup | None = None,
) -> None:
    """The proof's PDF as a document under `message`, made in a worker thread."""
    content = await asyncio.to_thread(proof_pdf.render, sheet, i18n)
    await message.answer_document(
        BufferedInputFile(content, filename=filename(sheet)),
        caption=caption,
        reply_markup=reply_markup,
    )


BUTTONS = ButtonTable(ProofCb, Acting(), WithMessage(), answering=answered)


@BUTTONS.on(ProofAction.GET)
async def get_proof(
    callback: CallbackQuery, callback_data: ProofCb, message: Message, actor: Actor, i18n: I18n
) -> None:
    """The newcomer's proof of their pair: issued now if it is the first."""
    sheet = await service.proof_for(actor.uow, actor.user, callback_data.id, actor.now())
    await send_proof(
        message,
        sheet,
        i18n,
        "📄 "
        + _(
            "Your proof of participation (hours together: {hours}). You can show it to the "
            "integration agency."
        ).format(hours=hours_of(sheet.minutes, actor.locale)),
    )


async def not_acting(
    callback: CallbackQuery, uow: UnitOfWork, locale: str, user: User | None = None
) -> None:
    """A proof button from someone the bot does not know (refused and audited), or on a
    message the bot can no longer answer under."""
    if user is None:
        privacy_service.audit_refusal(
            uow, service.REFUSED, None, callback.from_user.id, attempt=ProofCb.__prefix__
        )
        await callback.answer(error_text("not_registered", {}, locale), show_alert=True)
        return
    await callback.answer(error_text("stale_button", {}, locale), show_alert=True)


@notice(Notice.CERTIFICATE_READY)
def certificate_ready(params: dict[str, Any], locale: str) -> Rendered:
    text = "📄 " + _(
        "Your proof of participation is ready (hours together: {hours}). Tap the button "
        "to get it as a PDF file."
    ).format(hours=hours_of(int(params.get("minutes", 0)), locale))
    return Rendered(text=text, reply_markup=proof_markup(int(params["pair_id"])))


def create_router() -> Router:
    """The proof button, for the newcomer it belongs to; anyone else is refused."""
    router = Router(name=__name__)
    BUTTONS.register(router)
    router.callback_query.register(not_acting, ProofCb.filter())
    return router
