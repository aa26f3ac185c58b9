"""Onboarding as a service: the contact language, which question comes next, and the
confirmed profile that puts a newcomer on the waiting list (SQLite, a frozen clock)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain import onboarding as service
from domain.clock import FrozenClock
from domain.errors import DomainError
from domain.profile import Step
from storage.models import Role, User, UserStatus
from tests.domain.conftest import World


async def _registered(world: World, clock: FrozenClock, role: Role | None = None) -> int:
    """Someone who just consented (no answers yet); returns their id."""
    async with world.uow() as uow:
        person = await service.register(
            uow,
            telegram_id=91_001 if role is None else 91_002,
            language="fr",
            recruitment=service.Recruitment(role=role, channel="flyer"),
            now=clock.now(),
        )
        await uow.commit()
        return person.id


def _answer_newcomer(person: User) -> None:
    """Every question of a newcomer's profile, answered."""
    service.set_single(person, Step.ROLE, Role.NEWCOMER.value)
    service.set_name(person, "Amal")
    service.set_single(person, Step.MUNICIPALITY, "21015")
    service.toggle(person, Step.LANGUAGES, "ar")
    service.toggle(person, Step.INTERESTS, "sport")
    service.toggle(person, Step.AVAILABILITY, "weekend")
    service.set_single(person, Step.DUTCH_LEVEL, "beginner")
    service.set_single(person, Step.GENDER, "woman")
    service.set_single(person, Step.GENDER_PREFERENCE, "none")


# --- register ------------------------------------------------------------------------------


async def test_register_stores_consent_and_is_idempotent(world: World, clock: FrozenClock) -> None:
    person_id = await _registered(world, clock)
    async with world.uow() as uow:
        person = await world.member(uow, person_id)
        assert person.consent_at == clock.now()
        assert person.status == UserStatus.ONBOARDING.value
        assert person.contact_language == "fr" and person.recruited_via == "flyer"
        again = await service.register(
            uow,
            telegram_id=person.telegram_id,
            language="en",
            recruitment=service.Recruitment(),
            now=clock.now() + timedelta(days=1),
        )
        assert again.id == person_id and again.contact_language == "fr"


# --- set_contact_language ------------------------------------------------------------------


async def test_set_contact_language_is_stored(world: World, clock: FrozenClock) -> None:
    person_id = await _registered(world, clock)
    async with world.uow() as uow:
        person = await world.member(uow, person_id)
        assert await service.set_contact_language(uow, person, "uk") == "uk"
        await uow.commit()
    async with world.uow() as uow:
        assert (await world.member(uow, person_id)).contact_language == "uk"


@pytest.mark.parametrize("code", ["xx", "", "_pick", "de", "EN"])
async def test_an_unsupported_contact_language_is_refused_and_changes_nothing(
    world: World, clock: FrozenClock, code: str
) -> None:
    person_id = await _registered(world, clock)
    async with world.uow() as uow:
        person = await world.member(uow, person_id)
        with pytest.raises(DomainError) as refused:
            await service.set_contact_language(uow, person, code)
        assert refused.value.key == "invalid_choice"
        assert person.contact_language == "fr"
    with pytest.raises(DomainError):
        service.contact_language(code)
    assert service.contact_language("ti") == "ti"


# --- the next question ---------------------------------------------------------------------


async def test_next_step_walks_the_newcomer_questions_in_order(
    world: World, clock: FrozenClock
) -> None:
    person_id = await _registered(world, clock)
    async with world.uow() as uow:
        person = await world.member(uow, person_id)
        assert service.next_step(person) is Step.ROLE
        service.set_single(person, Step.ROLE, Role.NEWCOMER.value)
        assert service.next_step(person) is Step.NAME
        service.set_name(person, "Amal")
        assert service.next_step(person) is Step.MUNICIPALITY
        service.set_single(person, Step.MUNICIPALITY, "21015")
        assert service.next_step(person) is Step.LANGUAGES
        # The contact language (French) comes ticked when the question is shown.
        service.suggest(person, Step.LANGUAGES)
        assert person.languages == ["fr"]
        # Ticking and unticking leaves the question open; "Done" needs one choice.
        service.toggle(person, Step.LANGUAGES, "fr")
        service.toggle(person, Step.LANGUAGES, "ar")
        service.toggle(person, Step.LANGUAGES, "ar")
        assert service.next_step(person) is Step.LANGUAGES
        with pytest.raises(DomainError) as refused:
            service.finish_choices(person, Step.LANGUAGES)
        assert refused.value.key == "need_one"
        assert service.toggle(person, Step.LANGUAGES, "fr") == ["fr"]
        in_vocabulary_order = [c for c in service.choices(Step.LANGUAGES) if c in ("ar", "fr")]
        assert service.toggle(person, Step.LANGUAGES, "ar") == in_vocabulary_order
        service.finish_choices(person, Step.LANGUAGES)
        assert service.next_step(person) is Step.INTERESTS
        assert service.previous_step(person, Step.INTERESTS) is Step.LANGUAGES
        assert service.previous_step(person, Step.ROLE) is Step.ROLE
        service.toggle(person, Step.INTERESTS, "sport")
        service.toggle(person, Step.AVAILABILITY, "weekend")
        service.set_single(person, Step.DUTCH_LEVEL, "beginner")
        assert service.next_step(person) is Step.GENDER  # for the grammatical form
        service.set_single(person, Step.GENDER, "unsaid")
        assert service.next_step(person) is Step.GENDER_PREFERENCE
        service.set_single(person, Step.GENDER_PREFERENCE, "none")
        assert service.next_step(person) is None


async def test_a_buddy_from_a_deep_link_starts_at_the_name_and_is_asked_about_capacity(
    world: World, clock: FrozenClock
) -> None:
    person_id = await _registered(world, clock, role=Role.BUDDY)
    async with world.uow() as uow:
        person = await world.member(uow, person_id)
        assert service.next_step(person) is Step.NAME
        _answer_newcomer(person)
        person.role = Role.BUDDY.value
        person.gender_preference = None
        person.gender = None
        assert service.next_step(person) is Step.GENDER
        service.set_single(person, Step.GENDER, "unsaid")
        assert service.next_step(person) is Step.CAPACITY
        service.set_single(person, Step.CAPACITY, "2")
        assert person.capacity == 2
        assert service.next_step(person) is None


async def test_wrong_answers_are_refused(world: World, clock: FrozenClock) -> None:
    person_id = await _registered(world, clock)
    async with world.uow() as uow:
        person = await world.member(uow, person_id)
        for step, value in (
            (Step.MUNICIPALITY, "99999"),
            (Step.LANGUAGES, "ar"),  # a multi-select step takes no single answer
            (Step.NAME, "Amal"),
        ):
            with pytest.raises(DomainError):
                service.set_single(person, step, value)
        with pytest.raises(DomainError):
            service.toggle(person, Step.MUNICIPALITY, "21015")
        with pytest.raises(DomainError) as refused:
            service.finish_choices(person, Step.MUNICIPALITY)
        assert refused.value.key == "invalid_choice"
        assert person.municipality is None and person.languages == []


# --- confirm_profile -----------------------------------------------------------------------


async def test_an_incomplete_profile_cannot_be_confirmed(world: World, clock: FrozenClock) -> None:
    person_id = await _registered(world, clock)
    async with world.uow() as uow:
        person = await world.member(uow, person_id)
        service.set_single(person, Step.ROLE, Role.NEWCOMER.value)
        with pytest.raises(DomainError) as refused:
            await service.confirm_profile(uow, person, clock.now())
        assert refused.value.key == "profile_incomplete"
        assert person.profile_done_at is None
        assert person.status == UserStatus.ONBOARDING.value


async def test_confirming_puts_a_newcomer_on_the_waiting_list_once(
    world: World, clock: FrozenClock
) -> None:
    person_id = await _registered(world, clock)
    confirmed_at = clock.now()
    async with world.uow() as uow:
        person = await world.member(uow, person_id)
        _answer_newcomer(person)
        await service.confirm_profile(uow, person, confirmed_at)
        await uow.commit()
    async with world.uow() as uow:
        person = await world.member(uow, person_id)
        assert person.status == UserStatus.WAITING.value
        assert person.profile_done_at == confirmed_at
        assert person.waiting_since == confirmed_at
        assert await uow.users.waiting_position(person) == 1
        # Editing and confirming again later keeps the place on the list.
        service.set_single(person, Step.MUNICIPALITY, "21001")
        await service.confirm_profile(uow, person, confirmed_at + timedelta(days=3))
        assert person.profile_done_at == confirmed_at
        assert person.waiting_since == confirmed_at
        # A confirmed role stays; a coordinator changes it, not the person.
        with pytest.raises(DomainError) as refused:
            service.set_single(person, Step.ROLE, Role.BUDDY.value)
        assert refused.value.key == "role_fixed"


def test_a_deep_link_survives_the_conversation_state_until_consent() -> None:
    recruitment = service.parse_start_payload("bd-flyer-anderlecht")
    assert recruitment == service.Recruitment(Role.BUDDY, "flyer", "anderlecht")
    assert service.Recruitment.from_data(recruitment.as_data()) == recruitment
    assert service.Recruitment.from_data(None) == service.Recruitment()
    assert service.Recruitment.from_data({"role": "admin?"}).role is None
