"""Telegram routers, included in an explicit order; the catch-all comes last.

Every handler module builds its router in `create_router()`: aiogram attaches a Router to
one parent only, and tests (or a restart in place) build several Dispatchers in one
process, so each Dispatcher gets fresh routers.
"""

from __future__ import annotations

from types import ModuleType

from aiogram import Router


def _router_of(module: ModuleType, factory: str = "create_router") -> Router:
    """A fresh router from the module's factory."""
    router = getattr(module, factory)()
    assert isinstance(router, Router), module.__name__
    return router


def get_routers() -> list[Router]:
    """Every conversation area's router, in the order updates try them."""
    from handlers import (
        broadcasts,
        checkins,
        concerns,
        coordinator_area,
        dutch_practice,
        errors,
        events,
        fallback,
        feedback,
        first_meeting,
        hours,
        inbox,
        links,
        meetups,
        menu,
        my_time,
        offers,
        offers_ideas,
        onboarding,
        pair,
        pair_messages,
        partners,
        placements,
        preference,
        privacy,
        role_change,
        unclear,
        voice,
        voices,
        waiting,
    )

    # The refusal of coordinators' commands and buttons to everyone else comes after every
    # coordinator router, broadcasts and events included.
    staff = coordinator_area.coordinator_routers()
    refusals = [router for router in staff if router.name.endswith("refusals")]
    coordinators = [router for router in staff if router not in refusals]
    return [
        _router_of(errors),
        # The coordinators' forum group: nothing said there goes further than these two.
        _router_of(concerns, "create_group_router"),
        _router_of(inbox, "create_group_router"),
        # Steps that take whatever comes next (a voice note, a photo...), before any flow.
        _router_of(unclear),  # "something unclear?": a reply to one of the bot's messages
        _router_of(inbox),
        _router_of(concerns),
        _router_of(pair_messages),
        _router_of(checkins),
        _router_of(first_meeting),  # "did it feel right?" after the first meeting
        _router_of(feedback),  # "how was it?" and the word that may follow
        _router_of(preference),
        _router_of(role_change),  # "Become a buddy", and the coordinators' answer
        _router_of(placements),  # duo volunteering: apply, decide, post a placement
        _router_of(waiting),  # "still looking?" and an unfinished profile's reminder
        _router_of(links, "create_share_router"),  # a buddy's "Invite a buddy"
        _router_of(voices),  # 🔊 for everyone, and the coordinators' recordings
        _router_of(voice),
        *coordinators,
        _router_of(broadcasts),
        _router_of(events),
        *refusals,
        _router_of(partners),  # a partner's invite link, /start and /help; organisations
        _router_of(offers),  # activity offers of partners and coordinators
        _router_of(my_time),  # 🌙 quiet hours, days off, away, time zone
        _router_of(onboarding),
        _router_of(menu),
        _router_of(dutch_practice),
        _router_of(pair),
        _router_of(meetups),
        _router_of(offers_ideas),  # 💡 ideas for pairs
        _router_of(hours),
        _router_of(events, "create_people_router"),
        _router_of(privacy),
        _router_of(partners, "create_fallback_router"),
        _router_of(fallback),  # the catch-all: last
    ]


def build_router(*first: Router) -> Router:
    """The root router with the routers `first` (tried before any other), then every
    conversation area; an update goes only to those that could take it (handlers.routing)."""
    from handlers.routing import RootRouter, run_filters_on_loop

    root = RootRouter(name="root")
    root.include_routers(*first, *get_routers())
    run_filters_on_loop(root)
    return root
