"""The coordinator area's routers, in the order they must be included."""

from __future__ import annotations

from aiogram import Router


def coordinator_routers() -> list[Router]:
    """Invites first (open to anyone with a link, before onboarding sees /start), then the
    coordinator-only routers, then the refusals, which take what those left."""
    from handlers import (
        coordinator_home,
        coordinator_invites,
        coordinator_matching,
        coordinator_notes,
        coordinator_pairs,
        coordinator_proof,
        coordinator_refusals,
        coordinator_staff,
        links,
        report,
    )

    return [
        coordinator_invites.create_router(),
        coordinator_home.create_router(),
        coordinator_matching.create_router(),
        coordinator_pairs.create_router(),
        coordinator_staff.create_router(),
        coordinator_notes.create_router(),
        coordinator_proof.create_router(),
        report.create_router(),
        links.create_router(),
        coordinator_refusals.create_router(),
    ]
