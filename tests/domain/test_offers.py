"""Activity offers (domain/offers.py) at the service level, on a migrated database with a
frozen clock: partner invites, who may edit which offer, what a pair is shown (place,
kind, time, Dutch level, end date, free first), and the partner's data in /mydata and
/forget."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from domain import offers, privacy
from storage.models import ActivityOffer, AuditLog, PartnerInvite, Role, User
from tests.domain.conftest import Duo, World

ANDERLECHT, MOLENBEEK, WOLUWE = "21001", "21012", "21019"


def draft(title: str, municipality: str, **changes: object) -> offers.OfferDraft:
    values: dict[str, object] = {
        "title": title,
        "municipality": municipality,
        "address": "Somewhere 1",
        "activity_kind": "sport",
        "starts_on": None,
        "ends_on": None,
        "price": "free",
        "price_euros": None,
        "dutch_level": "none",
        "languages": ["nl", "fr"],
        "times": [],
        "description": "Come along.",
        "texts": {},
    }
    values.update(changes)
    return offers.OfferDraft(**values)  # type: ignore[arg-type]


async def partner_of(world: World, coordinator: User, name: str) -> User:
    """A new organisation, its invite, and the person who accepted it."""
    now = world.clock.now()
    async with world.uow() as uow:
        me = await world.member(uow, coordinator.id)
        organisation = await offers.create_organisation(uow, me, name, now)
        invite = await offers.create_partner_invite(uow, me, organisation.id, now)
        await uow.commit()
        token = invite.token
    telegram_id = 90_000 + organisation.id
    async with world.uow() as uow:
        person = await offers.accept_partner_invite(
            uow, telegram_id=telegram_id, token=token, language="nl", now=now
        )
        await uow.commit()
        return person


async def publish(world: World, author: User, offer: offers.OfferDraft, org: int = 0) -> int:
    async with world.uow() as uow:
        created = await offers.create_offer(
            uow, await world.member(uow, author.id), offer, world.clock.now(), org
        )
        await uow.commit()
        return created.id


async def live_in_anderlecht(world: World, duo: Duo) -> None:
    async with world.uow() as uow:
        for person_id in (duo.newcomer_id, duo.buddy_id):
            person = await world.member(uow, person_id)
            person.municipality = ANDERLECHT
            person.interests = ["sport", "culture"]
            person.availability = ["weekend"]
        newcomer = await world.member(uow, duo.newcomer_id)
        newcomer.dutch_level = "beginner"
        await uow.commit()


async def titles_for(world: World, person_id: int, today: date | None = None) -> list[str]:
    async with world.uow() as uow:
        found = await offers.suggestions(
            uow, await world.member(uow, person_id), today or world.clock.now().date(), 0
        )
        return [offer.title for offer in found]


async def test_a_pair_sees_offers_nearby_that_fit_them_free_first(world: World, duo: Duo) -> None:
    coordinator = await world.coordinator()
    partner = await partner_of(world, coordinator, "Sportclub")
    assert partner.role == Role.PARTNER.value and offers.is_partner(partner)
    await live_in_anderlecht(world, duo)
    today = world.clock.now().date()
    await publish(world, partner, draft("Paying here", ANDERLECHT, price="amount", price_euros=5))
    await publish(world, partner, draft("Free next door", MOLENBEEK))
    await publish(world, partner, draft("Across the city", WOLUWE))
    await publish(world, partner, draft("Needs fluent Dutch", ANDERLECHT, dutch_level="fluent"))
    await publish(world, partner, draft("Cooking", ANDERLECHT, activity_kind="welfare"))
    await publish(world, partner, draft("Weekday mornings", ANDERLECHT, times=["weekday_day"]))
    await publish(world, partner, draft("Weekends", ANDERLECHT, times=["weekend", "weekday_day"]))
    ends = today + timedelta(days=3)
    await publish(world, partner, draft("Short", ANDERLECHT, ends_on=ends, price="reduced"))

    # Free first, then reduced, then paying; far, too much Dutch, other kinds and times: out.
    shown = await titles_for(world, duo.buddy_id)
    assert shown == ["Weekends", "Free next door", "Short", "Paying here"]
    # An offer ends on its end date: the day after, it is gone.
    assert "Short" in await titles_for(world, duo.newcomer_id, ends)
    assert "Short" not in await titles_for(world, duo.newcomer_id, ends + timedelta(days=1))


async def test_a_partner_edits_only_their_own_offers(world: World, duo: Duo) -> None:
    coordinator = await world.coordinator()
    first = await partner_of(world, coordinator, "Bibliotheek")
    second = await partner_of(world, coordinator, "Gemeenschapscentrum")
    theirs = await publish(world, first, draft("Voorleesuur", ANDERLECHT))
    now = world.clock.now()

    for attempt in (
        lambda uow, me: offers.edit_text(uow, me, theirs, "title", "Mine now", now),
        lambda uow, me: offers.add_version(uow, me, theirs, "ar", "عنوان\nنص", now),
        lambda uow, me: offers.end_offer(uow, me, theirs, now),
    ):
        refusal = await world.refused(second.id, attempt)
        assert refusal.key == "offer_not_yours"
    offer = await world.get(ActivityOffer, theirs)
    assert (offer.title, offer.texts, offer.ends_on) == ("Voorleesuur", {}, None)
    async with world.uow() as uow:
        refused = await uow.session.scalar(
            select(func.count()).select_from(AuditLog).where(AuditLog.action == "offer.refused")
        )
    assert refused == 3
    # A newcomer is no publisher at all; the owner and a coordinator may edit.
    refusal = await world.refused(
        duo.newcomer_id, lambda uow, me: offers.end_offer(uow, me, theirs, now)
    )
    assert refusal.key == "partners_only"
    await world.act(
        first.id, lambda uow, me: offers.edit_text(uow, me, theirs, "title", "Voorlezen", now)
    )
    await world.act(
        coordinator.id,
        lambda uow, me: offers.add_version(uow, me, theirs, "ar", "ساعة القراءة\nللأطفال", now),
    )
    offer = await world.get(ActivityOffer, theirs)
    assert offer.title == "Voorlezen"
    assert offers.version(offer, "ar") == ("ساعة القراءة", "للأطفال")
    assert offers.version(offer, "fr") == ("Voorlezen", offer.description)
    # A coordinator of another programme may not.
    elsewhere = await world.coordinator("Lea", programme_id=await world.programme("other"))
    refusal = await world.refused(
        elsewhere.id, lambda uow, me: offers.end_offer(uow, me, theirs, now)
    )
    assert refusal.key == "offer_not_yours"


async def test_an_invite_works_once_and_never_changes_a_members_role(
    world: World, duo: Duo
) -> None:
    coordinator = await world.coordinator()
    now = world.clock.now()

    async def invite() -> str:
        async def make(uow, me):  # type: ignore[no-untyped-def]
            organisation = await offers.create_organisation(uow, me, "Huis", now)
            return (await offers.create_partner_invite(uow, me, organisation.id, now)).token

        token: str = await world.act(coordinator.id, make)
        return token

    token = await invite()
    newcomer = await world.get(User, duo.newcomer_id)
    refusal = await world.refused(
        duo.newcomer_id,
        lambda uow, me: offers.accept_partner_invite(
            uow, telegram_id=newcomer.telegram_id, token=token, language="en", now=now
        ),
    )
    assert refusal.key == "invite_other_role"
    assert (await world.get(User, duo.newcomer_id)).role == Role.NEWCOMER.value
    async with world.uow() as uow:
        await offers.accept_partner_invite(
            uow, telegram_id=555, token=token, language="en", now=now
        )
        await uow.commit()
    async with world.uow() as uow:
        with pytest.raises(offers.DomainError):
            await offers.accept_partner_invite(
                uow, telegram_id=556, token=token, language="en", now=now
            )
    late = await invite()
    async with world.uow() as uow:
        with pytest.raises(offers.DomainError):
            await offers.accept_partner_invite(
                uow, telegram_id=557, token=late, language="en", now=now + timedelta(days=8)
            )


async def test_a_partners_data_is_exported_and_erased_and_the_offers_stay(
    world: World, duo: Duo
) -> None:
    coordinator = await world.coordinator()
    partner = await partner_of(world, coordinator, "Sportclub")
    offer_id = await publish(world, partner, draft("Zwemmen", ANDERLECHT))
    async with world.uow() as uow:
        exported = await privacy.export(uow, await world.member(uow, partner.id))
    assert exported["organisation"] == "Sportclub"
    assert exported["profile"]["role"] == "partner"
    async with world.uow() as uow:
        await privacy.forget(uow, await world.member(uow, partner.id), world.clock.now())
        await uow.commit()
    async with world.uow() as uow:
        assert await uow.users.get(partner.id) is None
        used = await uow.session.scalar(
            select(func.count())
            .select_from(PartnerInvite)
            .where(PartnerInvite.used_by == partner.telegram_id)
        )
    assert used == 0
    assert (await world.get(ActivityOffer, offer_id)).title == "Zwemmen"
