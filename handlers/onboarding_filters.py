"""Filters of the onboarding conversation."""

from __future__ import annotations

from typing import Any

from aiogram.filters import Filter
from aiogram.fsm.context import FSMContext
from aiogram.types import TelegramObject

from domain.profile import Step
from handlers.callbacks import StepCb
from handlers.onboarding_screens import Onboarding


class AtStep(Filter):
    """The person is answering a profile question (and, for a button, the one the button
    belongs to): injects that question as `current`."""

    def __init__(self, only: Step | None = None) -> None:
        self.only = only

    async def __call__(
        self, event: TelegramObject, state: FSMContext, callback_data: Any = None
    ) -> bool | dict[str, Any]:
        if await state.get_state() != Onboarding.profile.state:
            return False
        value = (await state.get_data()).get("step")
        if value not in {step.value for step in Step}:
            return False
        current = Step(value)
        if self.only is not None and current is not self.only:
            return False
        if isinstance(callback_data, StepCb) and callback_data.step != current.value:
            return False
        return {"current": current}
