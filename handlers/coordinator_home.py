"""The coordinator's home screen, the waiting list and a person's file."""

from __future__ import annotations

from datetime import tzinfo

from aiogram import Router
from aiogram.filters import CommandStart
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _
from aiogram.utils.i18n import ngettext

from domain import coordination, notes, pairs, programmes, recruitment, staff
from domain.clock import Clock
from handlers.admin_buttons import admin_button, switch_button
from handlers.common import q
from handlers.coordinator_buttons import (
    CoordAction,
    CoordCb,
    coordinator_router,
    home_keyboard,
    person_pairs_keyboard,
    waiting_keyboard,
    with_rows,
)
from handlers.i18n import endonym, fmt_date, isolate
from handlers.onboarding import summary_text
from handlers.texts import municipality_label, role_name, status_label
from storage.models import User
from storage.uow import UnitOfWork

PAGE = 10


async def show_home(
    target: Message, uow: UnitOfWork, user: User, clock: Clock, tz: tzinfo, locale: str
) -> None:
    """The figures a coordinator starts from: who waits, how long, which pairs rarely meet."""
    view = await coordination.summary(uow, user, clock.now(), tz)
    lines = ["<b>" + _("Coordination") + "</b>", ""]
    # Someone who may work in several programmes sees which one and can switch; with one
    # programme (a fresh install) nobody needs to know the concept exists.
    allowed = await programmes.switchable(uow, user)
    extra = []
    if len(allowed) > 1:
        current = next(p for p in allowed if p.id == user.programme_id)
        lines[0] += " · " + q(current.name, locale)
        extra.append(switch_button(current))
    if staff.is_admin(user):
        extra.append(admin_button())
    if not view.waiting:
        lines.append(_("Nobody is waiting. 🎉"))
    else:
        lines.append(
            ngettext(
                "{count} newcomer is waiting for a buddy.",
                "{count} newcomers are waiting for a buddy.",
                view.waiting,
            ).format(count=isolate(view.waiting, locale))
        )
        lines.append(
            ngettext(
                "The longest wait: {count} day.",
                "The longest wait: {count} days.",
                view.longest_wait_days,
            ).format(count=isolate(view.longest_wait_days, locale))
        )
        languages = ", ".join(
            f"{endonym(code)} {isolate(n, locale)}" for code, n in view.by_language
        )
        places = ", ".join(
            f"{municipality_label(code, locale) if code != '?' else '?'} {isolate(n, locale)}"
            for code, n in view.by_municipality
        )
        lines.append(_("By language: {list}").format(list=languages))
        lines.append(_("By municipality: {list}").format(list=places))
    if view.rarely_meeting:
        lines.append("")
        lines.append(
            ngettext(
                "{count} pair met fewer than 2 times this month: {pairs}",
                "{count} pairs met fewer than 2 times this month: {pairs}",
                view.rarely_meeting,
            ).format(
                count=isolate(view.rarely_meeting, locale),
                pairs=", ".join(f"#{pair_id}" for pair_id in view.rarely_meeting_ids),
            )
        )
    lines.append("")
    lines.append(
        ngettext(
            "{count} buddy has free places ({places} in total).",
            "{count} buddies have free places ({places} in total).",
            view.free_buddies,
        ).format(count=isolate(view.free_buddies, locale), places=isolate(view.free_places, locale))
    )
    coming = await recruitment.places_forecast(
        uow, user, view.waiting, view.free_places, clock.now()
    )
    if coming is not None:
        lines.append(forecast_text(coming, locale))
    await target.answer("\n".join(lines), reply_markup=with_rows(home_keyboard(), extra))


def forecast_text(coming: recruitment.Forecast, locale: str) -> str:
    """Free places short of the waiting list: how long at the recent pace."""
    short = ngettext(
        "⚠️ {count} place short for the waiting list.",
        "⚠️ {count} places short for the waiting list.",
        coming.short,
    ).format(count=isolate(coming.short, locale))
    if coming.weeks is None:
        return (
            short
            + " "
            + _("No place came free in {count} weeks: recruit buddies.").format(
                count=isolate(recruitment.PACE_WEEKS, locale)
            )
        )
    return (
        short
        + " "
        + ngettext(
            "At the recent pace the list is served in about {count} week.",
            "At the recent pace the list is served in about {count} weeks.",
            coming.weeks,
        ).format(count=isolate(coming.weeks, locale))
    )


async def show_waiting(
    target: Message,
    uow: UnitOfWork,
    user: User,
    clock: Clock,
    locale: str,
    callback_data: CoordCb | None = None,
) -> None:
    """One page of the waiting list (the first, or the one a button names), longest wait
    first, each person a button."""
    view = await coordination.waiting_page(
        uow, user, callback_data.id if callback_data else 0, clock.now(), PAGE
    )
    if not view.rows:
        await target.answer(_("Nobody is waiting. 🎉"))
        return
    lines = ["<b>" + _("Waiting list") + "</b> (" + f"{view.page + 1}/{view.pages}" + ")", ""]
    numbered = list(enumerate(view.rows, start=view.first_number))
    for number, (row, waited) in numbered:
        days = ngettext("{count} day", "{count} days", waited).format(count=isolate(waited, locale))
        where = municipality_label(row.municipality, locale) if row.municipality else "?"
        lines.append(
            f"{number}. {q(row.first_name or '?', locale)} · {endonym(row.contact_language)}"
            f" · {where} · {days}"
        )
    keyboard = waiting_keyboard(
        [(number, row.person_id, row.first_name) for number, (row, _days) in numbered],
        view.page,
        view.pages,
    )
    await target.answer("\n".join(lines), reply_markup=keyboard)


async def show_person(
    message: Message, callback_data: CoordCb, uow: UnitOfWork, user: User, tz: tzinfo, locale: str
) -> None:
    """A person's file: their profile, status, waiting date and the last notes."""
    person = await staff.person_in_programme(uow, user, callback_data.id)
    person_notes = await notes.notes(uow, user, person.id)
    title = "👤 " + _("Profile of {name}").format(name=q(person.first_name or "?", locale))
    lines = [summary_text(person, locale, title), ""]
    lines.append(
        _("Role: {role} · status: {status}").format(
            role=role_name(person.role), status=status_label(person.status)
        )
    )
    lines.append(_("Language: {language}").format(language=endonym(person.contact_language)))
    if person.waiting_since and person.status == "waiting":
        lines.append(
            _("Waiting since {date}").format(date=fmt_date(person.waiting_since, locale, tz))
        )
    if not person.reachable:
        lines.append("⚠️ " + _("This person blocked the bot."))
    if person_notes:
        lines.append("")
        lines.append("<b>" + _("Notes") + "</b>")
        for note in person_notes[-5:]:
            lines.append(
                f"• {fmt_date(note.created_at, locale, tz, 'short')}: {q(note.text, locale)}"
            )
    in_pairs = [pair.id for pair in await pairs.pairs_of(uow, person)]
    await message.answer(
        "\n".join(lines), reply_markup=person_pairs_keyboard(person, user, in_pairs)
    )


def create_router() -> Router:
    """Home, waiting list and person file, for coordinators only."""
    router = coordinator_router(
        __name__,
        commands={"coord": show_home, "waiting": show_waiting},
        buttons={
            CoordAction.HOME: show_home,
            CoordAction.WAITING: show_waiting,
            CoordAction.PERSON: show_person,
        },
    )
    router.message.register(show_home, CommandStart())
    return router
