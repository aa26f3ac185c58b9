"""Partner organisations, their one-time invites and their activity offers.

Every list is one page (LIMIT/OFFSET) filtered by the database; suggestions for a pair
filter on municipality, kind, Dutch level, time slots and end date in SQL, so no update
reads a whole table.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, case, or_, select, update

from storage.base import Repository
from storage.models import ActivityOffer, Organisation, PartnerInvite


@dataclass(frozen=True)
class OfferFilter:
    """What makes an offer fit a pair: where (municipalities), what (activity kinds; empty:
    any), the Dutch levels it may ask for, their time slots as bits (0: any) and the day."""

    programme_id: int
    municipalities: Collection[str]
    kinds: Collection[str]
    dutch_levels: Collection[str]
    times: int
    today: date
    home: Collection[str] = ()  # the pair's own municipalities: shown before the neighbours'


def _running(today: date) -> ColumnElement[bool]:
    """Not ended: ongoing, or ending today or later."""
    return or_(ActivityOffer.ends_on.is_(None), ActivityOffer.ends_on >= today)


class PartnerRepository(Repository):
    # --- organisations ---------------------------------------------------------------------

    def add(self, row: Organisation | PartnerInvite | ActivityOffer) -> None:
        self.session.add(row)

    async def organisation(self, organisation_id: int) -> Organisation | None:
        return await self.session.get(Organisation, organisation_id)

    async def organisations(self, programme_id: int, limit: int, offset: int) -> list[Organisation]:
        """One page of a programme's organisations, by name."""
        result = await self.session.scalars(
            select(Organisation)
            .where(Organisation.programme_id == programme_id)
            .order_by(Organisation.name, Organisation.id)
            .limit(limit)
            .offset(offset)
        )
        return list(result.all())

    # --- invites ---------------------------------------------------------------------------

    async def invite_by_token(self, token: str) -> PartnerInvite | None:
        return await self.session.scalar(select(PartnerInvite).where(PartnerInvite.token == token))

    async def forget_telegram_id(self, telegram_id: int) -> None:
        """An erased person's Telegram id leaves the invites they made or used."""
        for column in (PartnerInvite.created_by, PartnerInvite.used_by):
            await self.session.execute(
                update(PartnerInvite).where(column == telegram_id).values({column.key: None})
            )

    # --- offers ----------------------------------------------------------------------------

    async def offer(self, offer_id: int) -> ActivityOffer | None:
        return await self.session.get(ActivityOffer, offer_id)

    async def offers_of(
        self, programme_id: int, organisation_id: int | None, today: date, limit: int, offset: int
    ) -> list[ActivityOffer]:
        """One page of the running offers of an organisation (None: of the whole
        programme), newest first."""
        statement = select(ActivityOffer).where(
            ActivityOffer.programme_id == programme_id, _running(today)
        )
        if organisation_id is not None:
            statement = statement.where(ActivityOffer.organisation_id == organisation_id)
        result = await self.session.scalars(
            statement.order_by(ActivityOffer.id.desc()).limit(limit).offset(offset)
        )
        return list(result.all())

    async def suggestions(self, fits: OfferFilter, limit: int, offset: int) -> list[ActivityOffer]:
        """One page of the running offers that fit: free ones first, then reduced, then
        paying; within each, the pair's own municipality before the neighbours'."""
        statement = select(ActivityOffer).where(
            ActivityOffer.programme_id == fits.programme_id,
            ActivityOffer.municipality.in_(list(fits.municipalities)),
            ActivityOffer.dutch_level.in_(list(fits.dutch_levels)),
            _running(fits.today),
        )
        if fits.kinds:
            statement = statement.where(ActivityOffer.activity_kind.in_(list(fits.kinds)))
        if fits.times:
            statement = statement.where(
                or_(ActivityOffer.times == 0, ActivityOffer.times.op("&")(fits.times) != 0)
            )
        price_order = case(
            (ActivityOffer.price == "free", 0), (ActivityOffer.price == "reduced", 1), else_=2
        )
        home_order = case((ActivityOffer.municipality.in_(list(fits.home) or [""]), 0), else_=1)
        result = await self.session.scalars(
            statement.order_by(price_order, home_order, ActivityOffer.id)
            .limit(limit)
            .offset(offset)
        )
        return list(result.all())
