"""Coordinators' notes on a person: ask for the text, save what is typed next."""

from __future__ import annotations

from aiogram import F, Router
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import Message
from aiogram.utils.i18n import gettext as _

from domain import notes, staff
from domain.clock import Clock
from handlers.coordinator_buttons import CoordAction, CoordCb, coordinator_router
from storage.models import User
from storage.uow import UnitOfWork


class CoordinatorInput(StatesGroup):
    note = State()


async def ask_note(
    message: Message, callback_data: CoordCb, state: FSMContext, uow: UnitOfWork, user: User
) -> None:
    person = await staff.person_in_programme(uow, user, callback_data.id)
    await state.set_state(CoordinatorInput.note)
    await state.update_data(note_for=person.id)
    await message.answer(_("Type the note (only coordinators will see it):"))


async def note_typed(
    message: Message, state: FSMContext, uow: UnitOfWork, user: User, clock: Clock
) -> None:
    """Save the note; an empty or too long one is refused and the state stays, to retype."""
    person_id = int((await state.get_data()).get("note_for") or 0)
    await notes.add_note(uow, user, person_id, message.text or "", clock.now())
    await state.set_state(None)
    await message.answer("📝 " + _("The note is saved. Only coordinators can see it."))


def create_router() -> Router:
    """Notes on a person, for coordinators only."""
    router = coordinator_router(__name__, buttons={CoordAction.NOTE: ask_note})
    router.message.register(note_typed, CoordinatorInput.note, F.text, ~F.text.startswith("/"))
    return router
