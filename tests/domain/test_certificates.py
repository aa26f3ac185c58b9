"""Proofs of participation (domain/certificates.py and handlers/proof_pdf.py) on SQLite
with a frozen clock: who may have one, what it counts, who may fetch or check it (each
refusal audited), and the PDF read back: the right activities and total, in Dutch and in
the contact language, every glyph drawn (Arabic and Persian shaped right to left,
Ethiopic, Cyrillic).

The catalogs may not have translated the proof's newest sentences yet: the Arabic checks
compare the PDF with what `gettext` gives for the same locale now, never with hard-coded
Arabic."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiogram.utils.i18n import I18n
from fpdf.fonts import TTFFont
from pypdf import PdfReader

from domain import certificates
from domain.certificates import CODE_ALPHABET, CODE_LENGTH, ProofSheet
from domain.errors import NotAllowed
from handlers import proof_pdf
from handlers.i18n import create_i18n, fmt_date
from handlers.pickers import format_minutes
from handlers.texts import activity_label, role_name
from storage.models import AuditLog, Certificate, HourEntry, PairStatus, User
from tests.domain.conftest import Duo, World

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# Bidi marks the PDF keeps as zero-width glyphs: not words.
_MARKS = re.compile("[\u200e\u200f\u2066-\u2069]")


@pytest.fixture(scope="module")
def i18n(tmp_path_factory: pytest.TempPathFactory) -> I18n:
    return create_i18n(tmp_path_factory.mktemp("locales"), "nl")


async def add_entries(
    world: World,
    duo: Duo,
    entries: list[tuple[int, str, str, str]],
    *,
    start: datetime | None = None,
) -> None:
    """(minutes, kind, status, source) entries of the pair, a day apart, written directly
    (confirmed ones decided a minute after they ended)."""
    moment = start or world.clock.now() - 50 * DAY
    async with world.uow() as uow:
        for minutes, kind, status, source in entries:
            uow.hours.add(
                HourEntry(
                    programme_id=(await uow.pairs.get(duo.pair_id)).programme_id,  # type: ignore[union-attr]
                    pair_id=duo.pair_id,
                    started_at=moment,
                    minutes=minutes,
                    activity_kind=kind,
                    logged_by=duo.newcomer_id,
                    confirmed_by=duo.buddy_id if status == "confirmed" else None,
                    status=status,
                    source=source,
                    decided_at=moment + timedelta(minutes=minutes + 1)
                    if status != "pending"
                    else None,
                )
            )
            moment += DAY
        await uow.commit()


async def set_language(world: World, person_id: int, language: str, name: str) -> None:
    async with world.uow() as uow:
        person = await uow.users.get(person_id)
        assert person is not None
        person.contact_language, person.first_name = language, name
        await uow.commit()


def proof_of(pair_id: int, now: datetime) -> Any:
    return lambda uow, me: certificates.proof_for(uow, me, pair_id, now)


async def audited(world: World, action: str) -> list[AuditLog]:
    return [row for row in await world.rows(AuditLog) if row.action == action]


# --- who may have one ----------------------------------------------------------------------


async def test_a_first_proof_is_issued_once_the_target_is_reached(
    world: World, duo: Duo, now: datetime
) -> None:
    await add_entries(
        world,
        duo,
        [(600, "sport", "confirmed", "person")] * 3
        + [(540, "culture", "confirmed", "coordinator")]
        + [(120, "sport", "pending", "person"), (120, "sport", "disputed", "person")],
    )
    # 39 confirmed hours: not yet (what is pending or disputed does not count).
    assert await world.act(duo.newcomer_id, certificates.proof_pair) is None
    refused = await world.refused(duo.newcomer_id, proof_of(duo.pair_id, now))
    assert refused.key == "proof_not_yet" and refused.params == {"hours": 40}
    assert await world.rows(Certificate) == []
    await add_entries(world, duo, [(60, "welfare", "confirmed", "person")], start=now - 5 * DAY)
    pair = await world.act(duo.newcomer_id, certificates.proof_pair)
    assert pair is not None and pair.id == duo.pair_id
    first: ProofSheet = await world.act(duo.newcomer_id, proof_of(duo.pair_id, now))
    assert first.minutes == 40 * 60 and len(first.activities) == 5
    assert first.issuer is None and first.first_name == "Amal"
    # Later presses get the same certificate again; the newcomer asked, nobody is told.
    later = world.clock.now() + DAY
    again: ProofSheet = await world.act(duo.newcomer_id, proof_of(duo.pair_id, later))
    assert again.code == first.code
    assert len(await world.rows(Certificate)) == 1
    assert await world.outbox("certificate.ready") == []
    assert await audited(world, certificates.ISSUED) == []


async def test_a_completed_pair_is_eligible_whatever_its_hours(
    world: World, duo: Duo, now: datetime
) -> None:
    await add_entries(world, duo, [(120, "sport", "confirmed", "person")])
    await world.set_pair_status(duo.pair_id, PairStatus.COMPLETED)
    sheet: ProofSheet = await world.act(duo.newcomer_id, proof_of(duo.pair_id, now))
    assert sheet.minutes == 120 and sheet.target_hours == 40
    # An ended pair (not completed) below the target is not.
    other = await world.duo("Sara", "Bo")
    await add_entries(world, other, [(120, "sport", "confirmed", "person")])
    await world.set_pair_status(other.pair_id, PairStatus.ENDED)
    refused = await world.refused(other.newcomer_id, proof_of(other.pair_id, now))
    assert refused.key == "proof_not_yet"


async def test_a_coordinator_issues_a_new_one_audited_and_the_newcomer_is_told(
    world: World, duo: Duo, now: datetime
) -> None:
    coordinator = await world.coordinator()
    await add_entries(world, duo, [(600, "sport", "confirmed", "person")] * 4)
    first: ProofSheet = await world.act(duo.newcomer_id, proof_of(duo.pair_id, now))
    await add_entries(world, duo, [(90, "culture", "confirmed", "person")], start=now - 2 * DAY)
    later = now + HOUR
    sheet: ProofSheet = await world.act(
        coordinator.id, lambda uow, me: certificates.reissue(uow, me, duo.pair_id, later)
    )
    assert sheet.code != first.code and sheet.minutes == 40 * 60 + 90
    assert sheet.issuer == "Kim" and sheet.issued_at == later
    # The newcomer's button now sends the newest one.
    fetched: ProofSheet = await world.act(duo.newcomer_id, proof_of(duo.pair_id, later))
    assert fetched.code == sheet.code
    (row,) = await audited(world, certificates.ISSUED)
    assert row.actor_id == coordinator.telegram_id
    assert row.details["pair_id"] == duo.pair_id and row.details["person_id"] == duo.newcomer_id
    (told,) = await world.outbox("certificate.ready", recipient_id=duo.newcomer_id)
    assert told.params == {"pair_id": duo.pair_id, "minutes": 40 * 60 + 90}
    # `issue` as closing a pair calls it: audited and told as well.
    async with world.uow() as uow:
        newcomer = await world.member(uow, duo.newcomer_id)
        staff = await world.member(uow, coordinator.id)
        pair = await uow.pairs.get(duo.pair_id)
        assert pair is not None
        issued = await certificates.issue(uow, newcomer, pair, staff, later)
        await uow.commit()
    assert issued.minutes == 40 * 60 + 90 and issued.issued_by == coordinator.id
    assert len(await audited(world, certificates.ISSUED)) == 2
    assert len(await world.outbox("certificate.ready")) == 2


async def test_a_pair_below_the_target_gets_no_new_proof_from_a_coordinator(
    world: World, duo: Duo, now: datetime
) -> None:
    coordinator = await world.coordinator()
    await add_entries(world, duo, [(600, "sport", "confirmed", "person")])
    refused = await world.refused(
        coordinator.id, lambda uow, me: certificates.reissue(uow, me, duo.pair_id, now)
    )
    assert refused.key == "proof_not_yet"
    # Another programme's coordinator is refused: the pair is in another programme.
    elsewhere = await world.coordinator("Lea", programme_id=await world.programme("gent"))
    await world.set_pair_status(duo.pair_id, PairStatus.COMPLETED)
    refused = await world.refused(
        elsewhere.id, lambda uow, me: certificates.reissue(uow, me, duo.pair_id, now)
    )
    assert refused.key == "other_programme"
    assert await world.rows(Certificate) == [] and await world.outbox("certificate.ready") == []


async def test_another_persons_proof_is_refused_and_audited(
    world: World, duo: Duo, now: datetime
) -> None:
    await add_entries(world, duo, [(600, "sport", "confirmed", "person")] * 4)
    stranger = await world.duo("Sara", "Bo")
    for person_id, pair_id in (
        (duo.buddy_id, duo.pair_id),  # the buddy of the pair
        (stranger.newcomer_id, duo.pair_id),  # another newcomer
        (duo.newcomer_id, duo.pair_id + 1000),  # an id that names no pair
    ):
        refused = await world.refused(person_id, proof_of(pair_id, now))
        assert refused.key == "not_your_proof"
    rows = await audited(world, certificates.REFUSED)
    assert len(rows) == 3
    assert all(row.actor_id is None and row.details["attempt"] == "proof" for row in rows)
    assert await world.rows(Certificate) == []


# --- checking a code -----------------------------------------------------------------------


async def test_a_coordinator_verifies_real_codes_of_their_programme_only(
    world: World, duo: Duo, now: datetime
) -> None:
    coordinator = await world.coordinator()
    await add_entries(world, duo, [(600, "sport", "confirmed", "person")] * 4)
    sheet: ProofSheet = await world.act(duo.newcomer_id, proof_of(duo.pair_id, now))

    def checking(typed: str) -> Any:
        return lambda uow, me: certificates.verify(uow, me, typed)

    typed = " " + certificates.grouped(sheet.code).lower() + " "
    found = await world.act(coordinator.id, checking(typed))
    assert found == certificates.Verification(
        first_name="Amal", programme=found.programme, minutes=2400, issued_at=now
    )
    assert found.programme
    forged = sheet.code[:-1] + next(c for c in CODE_ALPHABET if c != sheet.code[-1])
    for attempt in (forged, "not a code", "0O1IL-0O1IL", ""):
        assert await world.act(coordinator.id, checking(attempt)) is None, attempt
    elsewhere = await world.coordinator("Lea", programme_id=await world.programme("gent"))
    assert await world.act(elsewhere.id, checking(sheet.code)) is None
    rows = await audited(world, certificates.VERIFIED)
    assert [row.details["valid"] for row in rows] == [True, False, False, False, False, False]
    refused = await world.refused(duo.buddy_id, checking(sheet.code))
    assert isinstance(refused, NotAllowed)


def test_codes_are_long_random_and_unambiguous() -> None:
    codes = {certificates.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET) for code in codes)
    assert not set("01OIL") & set(CODE_ALPHABET)
    code = next(iter(codes))
    assert certificates.normalised(certificates.grouped(code).lower()) == code
    assert certificates.normalised(code + "A") is None


# --- the PDF -------------------------------------------------------------------------------


@pytest.fixture
def notdef_glyphs(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[tuple[str, str]]]:
    """(font, text) of every piece of text HarfBuzz shaped into a .notdef glyph (id 0),
    i.e. drawn as an empty box, while the fixture is active."""
    found: list[tuple[str, str]] = []
    shape = TTFFont.perform_harfbuzz_shaping

    def spying(self: TTFFont, text: str, *args: Any, **kwargs: Any) -> Any:
        infos, positions = shape(self, text, *args, **kwargs)
        if any(info.codepoint == 0 for info in infos):
            found.append((self.fontkey, text))
        return infos, positions

    monkeypatch.setattr(TTFFont, "perform_harfbuzz_shaping", spying)
    yield found


async def issued_sheet(world: World, duo: Duo, now: datetime) -> ProofSheet:
    sheet: ProofSheet = await world.act(duo.newcomer_id, proof_of(duo.pair_id, now))
    return sheet


def pages_text(content: bytes) -> list[str]:
    return [_MARKS.sub("", page.extract_text()) for page in PdfReader(io.BytesIO(content)).pages]


def drawn_cleanly(pdf: Any, notdef: list[tuple[str, str]]) -> None:
    assert notdef == []
    for font in pdf.fonts.values():
        assert font.missing_glyphs == [], (font.fontkey, font.missing_glyphs)


def cell(text: str) -> str:
    """An activity kind or role as the table shows it (no emoji)."""
    return re.sub(r"^[^\w]+", "", text)


async def test_the_pdf_lists_the_confirmed_activities_and_the_total(
    world: World, duo: Duo, now: datetime, i18n: I18n
) -> None:
    start = now - 30 * DAY
    await add_entries(
        world,
        duo,
        [
            (600, "sport", "confirmed", "person"),
            (600, "culture", "confirmed", "coordinator"),
            (90, "sport", "pending", "person"),
            (600, "dutch_practice", "confirmed", "person"),
            (45, "welfare", "disputed", "person"),
            (630, "volunteering", "confirmed", "person"),
        ],
        start=start,
    )
    sheet = await issued_sheet(world, duo, now)
    # Hours confirmed after the certificate are not on it (its total stays true).
    await add_entries(world, duo, [(60, "community", "confirmed", "person")], start=now + HOUR)
    again = await world.act(duo.newcomer_id, proof_of(duo.pair_id, now + 3 * HOUR))
    assert again == sheet
    content = proof_pdf.render(sheet, i18n)
    dutch, english = pages_text(content)
    assert "Amal" in english and "Bram" not in english + dutch
    newcomer = await world.get(User, duo.newcomer_id)
    assert str(newcomer.telegram_id) not in english + dutch
    confirmed = [
        (0, 600, "sport", "buddy"),
        (1, 600, "culture", "coordinator"),
        (3, 600, "dutch_practice", "buddy"),
        (5, 630, "volunteering", "buddy"),
    ]
    with i18n.context(), i18n.use_locale("en"):
        for day, minutes, kind, by in confirmed:
            line = " ".join(
                [
                    fmt_date(start + day * DAY, "en", sheet.tz, "medium"),
                    cell(activity_label(kind)),
                    format_minutes(minutes, "en"),
                    cell(role_name(by)).capitalize(),
                ]
            )
            assert line in english, (line, english)
    rows = [line for line in english.splitlines() if re.match(r"^[A-Z][a-z]{2} \d", line)]
    assert len(rows) == len(confirmed), rows
    assert "Total: 40.5 of 40 hours" in english
    assert certificates.grouped(sheet.code) in english
    assert f"/verify {certificates.grouped(sheet.code)}" in english
    # The Dutch pages: the same table in Dutch words and the same total.
    with i18n.context(), i18n.use_locale("nl"):
        assert cell(activity_label("dutch_practice")) in dutch
        assert i18n.gettext("{done} of {target} hours").format(done="40,5", target="40") in dutch


async def test_the_arabic_pdf_uses_the_catalog_and_draws_every_glyph(
    world: World, duo: Duo, now: datetime, i18n: I18n, notdef_glyphs: list[tuple[str, str]]
) -> None:
    await set_language(world, duo.newcomer_id, "ar", "أمل")
    await add_entries(
        world,
        duo,
        [(600, kind, "confirmed", "person") for kind in ("sport", "culture", "dutch_practice")]
        + [(600, "discover_city", "confirmed", "coordinator")],
    )
    sheet = await issued_sheet(world, duo, now)
    pdf = proof_pdf.build(sheet, i18n)
    drawn_cleanly(pdf, notdef_glyphs)
    _dutch, arabic = pages_text(bytes(pdf.output()))
    with i18n.context(), i18n.use_locale("ar"):
        expected = [
            i18n.gettext("First name"),
            *(cell(activity_label(kind)) for kind in ("sport", "culture", "dutch_practice")),
            cell(role_name("buddy")),
            cell(role_name("coordinator")),
            i18n.gettext("Proof of participation"),
        ]
    # Strings the catalog translated already are in Arabic letters.
    assert any(re.search("[\u0600-\u06ff]", text) for text in expected[:4])
    for text in expected:
        assert text in arabic, (text, arabic)
    assert "أمل" in arabic


@pytest.mark.parametrize(
    ("language", "name"),
    [("ti", "ሰላም"), ("uk", "Оксана"), ("fa", "زهرا"), ("ar", "Zahra 🌸"), ("nl", "ሰላም")],
)
async def test_every_script_is_drawn_without_missing_glyphs(
    world: World,
    duo: Duo,
    now: datetime,
    i18n: I18n,
    notdef_glyphs: list[tuple[str, str]],
    language: str,
    name: str,
) -> None:
    await set_language(world, duo.newcomer_id, language, name)
    await add_entries(
        world,
        duo,
        [(600, kind, "confirmed", "person") for kind in ("sport", "internship", "community")]
        + [(615, "leisure", "confirmed", "coordinator")],
    )
    sheet = await issued_sheet(world, duo, now)
    pdf = proof_pdf.build(sheet, i18n)
    drawn_cleanly(pdf, notdef_glyphs)
    pages = pages_text(bytes(pdf.output()))
    section = pages[-1]
    assert name.replace(" 🌸", "") in section  # an emoji no font has is left out
    with i18n.context(), i18n.use_locale(language):
        assert cell(activity_label("internship")) in section
    assert len(pages) == (1 if language == "nl" else 2)


def test_the_fonts_ship_with_their_licence() -> None:
    folder = proof_pdf.fonts_dir()
    for filename in proof_pdf.SCRIPTS.values():
        assert (folder / filename).stat().st_size > 100_000, filename
    assert "SIL OPEN FONT LICENSE" in (folder / "OFL.txt").read_text(encoding="utf-8")
    assert Path(folder / "README.md").exists()
