"""Telegram routers, included in an explicit order; the catch-all comes last."""

from __future__ import annotations

from aiogram import Router


def build_router() -> Router:
    """The root router with every conversation area."""
    from handlers import (
        broadcasts,
        coordinator,
        errors,
        events,
        fallback,
        hours,
        meetups,
        menu,
        onboarding,
        pair,
        privacy,
    )

    root = Router(name="root")
    root.include_routers(
        *(
            handlers.build()
            for handlers in (
                errors.router,
                coordinator.invites,
                coordinator.router,
                broadcasts.router,
                events.router,
                coordinator.refusals,
                onboarding.router,
                menu.router,
                pair.router,
                meetups.router,
                hours.router,
                events.people,
                privacy.router,
                fallback.router,
            )
        )
    )
    return root
