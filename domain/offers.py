"""Activity offers: ideas for pairs from the organisations of the local network.

Rules enforced here:
- A coordinator creates a partner organisation and a one-time invite link for it (the
  coordinator invites' token and validity, domain/staff.py). Whoever opens it and agrees
  becomes a partner: they speak for that organisation only. Someone who already is a
  newcomer, buddy or coordinator is refused (one role per person).
- Partners add offers for their own organisation and edit only those: an offer of another
  organisation, or of another programme, is refused with "offer_not_yours" (the attempt is
  audited) and nothing changes, whatever the button's data says. Coordinators edit every
  offer of their own programme.
- A pair sees the running offers (not ended) in its municipalities and their neighbours,
  of an activity kind one of the two likes, at a time one of the two is free, asking no
  more Dutch than the newcomer speaks; free ones first, one page at a time.
- Each offer has the Dutch title and description, and optionally versions in other
  languages: the reader gets their own when there is one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from domain import staff
from domain.errors import DomainError
from domain.events import check_description, check_title, check_version
from domain.langid import SUPPORTED_LANGUAGES
from domain.meetups import PLACE_MAX
from domain.municipalities import by_nis
from domain.pairs import pair_of
from domain.profile import ACTIVITY_KINDS, AVAILABILITY, DUTCH_LEVELS
from storage.models import (
    ActivityOffer,
    Organisation,
    PairStatus,
    PartnerInvite,
    Role,
    User,
    UserStatus,
)
from storage.partners import OfferFilter
from storage.uow import UnitOfWork

ORGANISATION_MAX = 120
ADDRESS_MAX = 200
PRICES = ("free", "reduced", "amount")
EUROS_MAX = 500
PAGE = 5
PLAN_AHEAD = timedelta(days=366)
INVITE_VALID = staff.INVITE_VALID


# --- who may do what -------------------------------------------------------------------------


def is_partner(user: User | None) -> bool:
    """Whether this person speaks for a partner organisation (and still may)."""
    return (
        user is not None
        and user.role == Role.PARTNER.value
        and user.organisation_id is not None
        and user.status != UserStatus.INACTIVE.value
    )


def require_publisher(user: User | None) -> User:
    """A partner or a coordinator: the people who publish offers."""
    if user is None or not (is_partner(user) or staff.is_coordinator(user)):
        raise DomainError("partners_only")
    return user


# --- organisations and invites ---------------------------------------------------------------


def check_organisation_name(text: str | None) -> str:
    name = " ".join((text or "").split())
    if len(name) < 2:
        raise DomainError("organisation_name")
    if len(name) > ORGANISATION_MAX:
        raise DomainError("offer_text_too_long", limit=ORGANISATION_MAX)
    return name


async def create_organisation(
    uow: UnitOfWork, coordinator: User, name: str, now: datetime
) -> Organisation:
    """A new partner organisation of the coordinator's programme (audited)."""
    staff.require_coordinator(coordinator)
    organisation = Organisation(
        programme_id=coordinator.programme_id, name=check_organisation_name(name), created_at=now
    )
    uow.partners.add(organisation)
    await uow.flush()
    uow.audit.by(coordinator, "organisation.created", organisation_id=organisation.id)
    return organisation


async def organisation_in_programme(
    uow: UnitOfWork, coordinator: User, organisation_id: int
) -> Organisation:
    staff.require_coordinator(coordinator)
    found = await uow.partners.organisation(organisation_id)
    if found is None or found.programme_id != coordinator.programme_id:
        raise DomainError("not_found")
    return found


async def organisations(uow: UnitOfWork, coordinator: User, page: int) -> list[Organisation]:
    """One page of the coordinator's programme's organisations."""
    staff.require_coordinator(coordinator)
    return await uow.partners.organisations(coordinator.programme_id, PAGE + 1, max(page, 0) * PAGE)


async def create_partner_invite(
    uow: UnitOfWork, coordinator: User, organisation_id: int, now: datetime
) -> PartnerInvite:
    """A one-time link, valid a week, for someone to speak for the organisation."""
    organisation = await organisation_in_programme(uow, coordinator, organisation_id)
    invite = PartnerInvite(
        programme_id=organisation.programme_id,
        organisation_id=organisation.id,
        token=staff.invite_token(),
        created_by=coordinator.telegram_id,
        created_at=now,
        expires_at=now + INVITE_VALID,
    )
    uow.partners.add(invite)
    uow.audit.by(coordinator, "partner.invited", organisation_id=organisation.id)
    return invite


async def invited_organisation(uow: UnitOfWork, token: str, now: datetime) -> Organisation:
    """The organisation an open invite is for (shown before the person agrees)."""
    invite = await uow.partners.invite_by_token(token)
    if invite is None or not staff.invite_open(invite, now):
        raise DomainError("invite_invalid")
    organisation = await uow.partners.organisation(invite.organisation_id)
    if organisation is None:
        raise DomainError("invite_invalid")
    return organisation


async def accept_partner_invite(
    uow: UnitOfWork, *, telegram_id: int, token: str, language: str, now: datetime
) -> User:
    """Whoever agrees to an open invite becomes a partner of its organisation; their
    consent is the agreement. A newcomer, buddy or coordinator keeps their role and the
    link stays unused; a partner of another organisation moves to this one."""
    invite = await uow.partners.invite_by_token(token)
    if invite is None or not staff.invite_open(invite, now):
        raise DomainError("invite_invalid")
    person = await uow.users.by_telegram_id(telegram_id)
    if person is None:
        person = User(
            telegram_id=telegram_id,
            programme_id=invite.programme_id,
            contact_language=language,
            consent_at=now,
            languages=[],
            interests=[],
            availability=[],
        )
        uow.users.add(person)
    elif person.role not in (None, Role.PARTNER.value) or person.programme_id != (
        invite.programme_id
    ):
        raise DomainError("invite_other_role")
    person.role = Role.PARTNER.value
    person.organisation_id = invite.organisation_id
    person.status = UserStatus.WAITING.value
    person.profile_done_at = person.profile_done_at or now
    person.consent_at = person.consent_at or now
    invite.used_by = telegram_id
    invite.used_at = now
    await uow.flush()
    uow.audit.record(
        "partner.joined",
        programme_id=invite.programme_id,
        actor_id=telegram_id,
        organisation_id=invite.organisation_id,
    )
    return person


async def organisation_of(uow: UnitOfWork, partner: User) -> Organisation:
    if not is_partner(partner) or partner.organisation_id is None:
        raise DomainError("partners_only")
    organisation = await uow.partners.organisation(partner.organisation_id)
    if organisation is None:
        raise DomainError("partners_only")
    return organisation


# --- offers: checking what was typed or picked ------------------------------------------------


def check_address(text: str | None) -> str:
    address = " ".join((text or "").split())
    if not address:
        raise DomainError("offer_address_empty")
    if len(address) > ADDRESS_MAX:
        raise DomainError("offer_text_too_long", limit=ADDRESS_MAX)
    return address


def check_municipality(code: str) -> str:
    if by_nis(code) is None:
        raise DomainError("invalid_choice")
    return code


def check_kind(kind: str) -> str:
    if kind not in ACTIVITY_KINDS:
        raise DomainError("invalid_choice")
    return kind


def check_price(price: str, euros: int | None) -> tuple[str, int | None]:
    if price not in PRICES:
        raise DomainError("invalid_choice")
    if price != "amount":
        return price, None
    if euros is None or not 1 <= euros <= EUROS_MAX:
        raise DomainError("invalid_choice")
    return price, euros


def check_dates(starts_on: date | None, ends_on: date | None, today: date) -> None:
    """From today (or later) until a day after it; no end: ongoing."""
    if starts_on is not None and not today - timedelta(days=1) <= starts_on <= today + PLAN_AHEAD:
        raise DomainError("invalid_choice")
    if ends_on is not None:
        if ends_on < today or ends_on > today + PLAN_AHEAD:
            raise DomainError("offer_end_passed")
        if starts_on is not None and ends_on < starts_on:
            raise DomainError("offer_end_before_start")


def times_mask(slots: list[str]) -> int:
    """The availability slots as bits (see ActivityOffer.times); unknown slots refused."""
    mask = 0
    for slot in slots:
        if slot not in AVAILABILITY:
            raise DomainError("invalid_choice")
        mask |= 1 << AVAILABILITY.index(slot)
    return mask


def slots_of(mask: int) -> list[str]:
    return [slot for index, slot in enumerate(AVAILABILITY) if mask & (1 << index)]


def _versions(texts: dict[str, Any]) -> dict[str, dict[str, str]]:
    if any(code not in SUPPORTED_LANGUAGES or code == "nl" for code in texts):
        raise DomainError("invalid_choice")
    return {
        code: check_version(str(v.get("title", "")) + "\n" + str(v.get("description", "")))
        for code, v in texts.items()
    }


@dataclass(frozen=True)
class OfferDraft:
    """A finished form: what the partner or coordinator typed and picked."""

    title: str
    municipality: str
    address: str
    activity_kind: str
    starts_on: date | None
    ends_on: date | None
    price: str
    price_euros: int | None
    dutch_level: str
    languages: list[str]
    times: list[str]
    description: str = ""
    texts: dict[str, Any] = field(default_factory=dict)


async def create_offer(
    uow: UnitOfWork, author: User, draft: OfferDraft, now: datetime, organisation_id: int = 0
) -> ActivityOffer:
    """Save a new offer: a partner's is always their own organisation's; a coordinator
    names an organisation of their programme."""
    require_publisher(author)
    if is_partner(author):
        organisation = await organisation_of(uow, author)
    else:
        organisation = await organisation_in_programme(uow, author, organisation_id)
    if draft.dutch_level not in DUTCH_LEVELS:
        raise DomainError("invalid_choice")
    if any(code not in SUPPORTED_LANGUAGES for code in draft.languages):
        raise DomainError("invalid_choice")
    check_dates(draft.starts_on, draft.ends_on, now.date())
    price, euros = check_price(draft.price, draft.price_euros)
    offer = ActivityOffer(
        programme_id=organisation.programme_id,
        organisation_id=organisation.id,
        title=check_title(draft.title),
        description=check_description(draft.description),
        texts=_versions(draft.texts),
        municipality=check_municipality(draft.municipality),
        address=check_address(draft.address),
        activity_kind=check_kind(draft.activity_kind),
        starts_on=draft.starts_on,
        ends_on=draft.ends_on,
        price=price,
        price_euros=euros,
        dutch_level=draft.dutch_level,
        languages=list(dict.fromkeys(draft.languages)),
        times=times_mask(draft.times),
        created_at=now,
        updated_at=now,
    )
    uow.partners.add(offer)
    await uow.flush()
    uow.audit.by(author, "offer.created", offer_id=offer.id, organisation_id=organisation.id)
    return offer


async def offer_to_edit(uow: UnitOfWork, author: User | None, offer_id: int) -> ActivityOffer:
    """An offer the author may change: a partner's own organisation's, or any of a
    coordinator's programme. Anything else is refused (and the attempt audited), so a
    forged button changes nothing."""
    author = require_publisher(author)
    offer = await uow.partners.offer(offer_id)
    if offer is None:
        raise DomainError("not_found")
    mine = offer.programme_id == author.programme_id and (
        staff.is_coordinator(author) or offer.organisation_id == author.organisation_id
    )
    if not mine:
        uow.audit.by(author, "offer.refused", offer_id=offer_id)
        raise DomainError("offer_not_yours")
    return offer


EDITABLE = ("title", "address", "description")


async def edit_text(
    uow: UnitOfWork, author: User, offer_id: int, what: str, text: str | None, now: datetime
) -> ActivityOffer:
    """Change the title, address or description of an offer the author may edit."""
    offer = await offer_to_edit(uow, author, offer_id)
    if what == "title":
        offer.title = check_title(text)
    elif what == "address":
        offer.address = check_address(text)
    elif what == "description":
        offer.description = check_description(text)
    else:
        raise DomainError("invalid_choice")
    offer.updated_at = now
    uow.audit.by(author, "offer.edited", offer_id=offer.id, field=what)
    return offer


async def add_version(
    uow: UnitOfWork, author: User, offer_id: int, language: str, text: str | None, now: datetime
) -> ActivityOffer:
    """Add or replace the offer's title and description in another language."""
    offer = await offer_to_edit(uow, author, offer_id)
    offer.texts = {**offer.texts, **_versions({language: _split(text)})}
    offer.updated_at = now
    uow.audit.by(author, "offer.translated", offer_id=offer.id, language=language)
    return offer


def _split(text: str | None) -> dict[str, str]:
    first, _, rest = (text or "").strip().partition("\n")
    return {"title": first, "description": rest}


async def end_offer(uow: UnitOfWork, author: User, offer_id: int, now: datetime) -> ActivityOffer:
    """Take an offer down: it ended yesterday, so no pair sees it any more."""
    offer = await offer_to_edit(uow, author, offer_id)
    offer.ends_on = now.date() - timedelta(days=1)
    offer.updated_at = now
    uow.audit.by(author, "offer.ended", offer_id=offer.id)
    return offer


async def own_offers(uow: UnitOfWork, author: User, today: date, page: int) -> list[ActivityOffer]:
    """One page (and one more row, to know whether a next page exists) of the running
    offers the author may edit: their organisation's, or, for a coordinator, the
    programme's."""
    require_publisher(author)
    organisation_id = author.organisation_id if is_partner(author) else None
    return await uow.partners.offers_of(
        author.programme_id, organisation_id, today, PAGE + 1, max(page, 0) * PAGE
    )


# --- what pairs see ---------------------------------------------------------------------------


def near(municipalities: set[str]) -> set[str]:
    """The municipalities and their neighbours (elsewhere has none)."""
    found = set()
    for code in municipalities:
        municipality = by_nis(code)
        if municipality is not None:
            found |= {code, *municipality.neighbours}
    return found


def levels_up_to(level: str | None) -> list[str]:
    """The Dutch levels an offer may ask for, for someone who speaks `level`."""
    if level not in DUTCH_LEVELS:
        return [DUTCH_LEVELS[0]]
    return list(DUTCH_LEVELS[: DUTCH_LEVELS.index(level) + 1])


async def fitting(uow: UnitOfWork, person: User, today: date) -> OfferFilter:
    """What an offer must be to fit the person's active pair."""
    pair = await pair_of(uow, person)
    if pair is None or pair.status != PairStatus.ACTIVE.value:
        raise DomainError("no_pair")
    newcomer = await uow.users.get(pair.newcomer_id) if pair.newcomer_id else None
    buddy = await uow.users.get(pair.buddy_id) if pair.buddy_id else None
    people = [p for p in (newcomer, buddy) if p is not None]
    home = {p.municipality for p in people if p.municipality}
    return OfferFilter(
        programme_id=pair.programme_id,
        municipalities=sorted(near(home)),
        kinds=sorted({kind for p in people for kind in p.interests}),
        dutch_levels=levels_up_to(newcomer.dutch_level if newcomer else None),
        times=times_mask([slot for p in people for slot in p.availability if slot in AVAILABILITY]),
        today=today,
        home=sorted(home),
    )


async def suggestions(uow: UnitOfWork, person: User, today: date, page: int) -> list[ActivityOffer]:
    """One page (and one more row, to know whether a next page exists) of offers that fit
    the person's pair, free ones first."""
    fits = await fitting(uow, person, today)
    if not fits.municipalities:
        return []
    return await uow.partners.suggestions(fits, PAGE + 1, max(page, 0) * PAGE)


async def suggestion(uow: UnitOfWork, person: User, offer_id: int, today: date) -> ActivityOffer:
    """An offer the person's pair may pick: running and of their programme; a forged or
    ended one is "not found"."""
    fits = await fitting(uow, person, today)
    offer = await uow.partners.offer(offer_id)
    if (
        offer is None
        or offer.programme_id != fits.programme_id
        or (offer.ends_on is not None and offer.ends_on < today)
    ):
        raise DomainError("offer_gone")
    return offer


def version(offer: ActivityOffer, locale: str) -> tuple[str, str]:
    """The title and description in the reader's language when there is a version in it,
    else the Dutch ones."""
    own = offer.texts.get(locale) or offer.texts.get(locale.split("_")[0])
    if isinstance(own, dict) and own.get("title"):
        return str(own["title"]), str(own.get("description", ""))
    return offer.title, offer.description


def meetup_place(offer: ActivityOffer, locale: str) -> str:
    """What a picked offer writes into the meetup's place: its title and address."""
    title, _ = version(offer, locale)
    return f"{title}, {offer.address}"[:PLACE_MAX]


async def organisation_name(uow: UnitOfWork, offer: ActivityOffer) -> str:
    organisation = await uow.partners.organisation(offer.organisation_id)
    return organisation.name if organisation else ""
