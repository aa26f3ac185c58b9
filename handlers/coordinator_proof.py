"""Proofs of participation for coordinators: `/verify CODE` checks one, and the pair
file's "📄 Proof of participation" button issues a new one for the pair's newcomer (who
is told) and hands the coordinator the PDF, to print for someone without the bot.

Only coordinators reach this router; anyone else's /verify gets the refusal router's
"only for coordinators", audited. The rules and the audit are in
`domain.certificates`.
"""

from __future__ import annotations

from datetime import tzinfo

from aiogram import F, Router
from aiogram.filters import CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.i18n import I18n
from aiogram.utils.i18n import gettext as _

from domain import certificates as service
from domain.clock import Clock
from handlers.common import q
from handlers.coordinator_buttons import (
    CoordAction,
    CoordCb,
    coordinator_router,
    file_nav_row,
    markup,
)
from handlers.i18n import fmt_date, isolate
from handlers.proof import answered, hours_of, send_proof
from storage.models import User
from storage.uow import UnitOfWork

EXAMPLE = "/verify ABCDE-23456"


def verification_text(found: service.Verification | None, locale: str, tz: tzinfo) -> str:
    if found is None:
        return "❌ " + _(
            "This code is not valid in your programme. Check it letter by letter, or ask "
            "to see the PDF."
        )
    return "\n".join(
        [
            "✅ <b>" + _("Valid proof of participation") + "</b>",
            f"👤 {q(found.first_name, locale)} · {q(found.programme, locale)}",
            "⏱ " + _("Hours together: {hours}").format(hours=hours_of(found.minutes, locale)),
            "📆 "
            + _("Issued on {date}").format(
                date=isolate(fmt_date(found.issued_at, locale, tz), locale)
            ),
        ]
    )


async def verify_command(
    message: Message,
    command: CommandObject,
    uow: UnitOfWork,
    user: User,
    tz: tzinfo,
    locale: str,
) -> None:
    """/verify CODE: what the proof with this code says, or that it is not valid."""
    typed = (command.args or "").strip()
    if not typed:
        await message.answer(
            _("Send the code after the command, for example: {example}").format(
                example=isolate(EXAMPLE, locale)
            )
        )
        return
    found = await service.verify(uow, user, typed)
    await message.answer(verification_text(found, locale, tz))


async def issue_proof(
    callback: CallbackQuery,
    callback_data: CoordCb,
    message: Message,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    i18n: I18n,
    locale: str,
) -> None:
    """A new proof for the newcomer of the pair (its hours as they are now)."""
    sheet = await service.reissue(uow, user, callback_data.id, clock.now())
    caption = "📄 " + _(
        "New proof of participation for {name} (hours together: {hours}, code {code}). "
        "They were told."
    ).format(
        name=q(sheet.first_name, locale),
        hours=hours_of(sheet.minutes, locale),
        code=isolate(service.grouped(sheet.code), locale),
    )
    await send_proof(
        message, sheet, i18n, caption, reply_markup=markup(file_nav_row(callback_data.id))
    )


def create_router() -> Router:
    """/verify and the pair file's proof button, for coordinators only."""
    router = coordinator_router(__name__, commands={"verify": verify_command}, buttons={})
    # Registered here rather than as a screen: a refusal (not eligible yet) is an alert.
    router.callback_query.register(
        answered(issue_proof), CoordCb.filter(F.action == CoordAction.PROOF)
    )
    return router
