"""The proof of participation end to end: an eligible newcomer's /progress offers it and
the button sends the PDF (issued once, the same one again later); a coordinator issues a
new one from the pair file and the newcomer is told; /verify accepts a real code and
refuses a forged one; nobody else gets someone's proof or verifies a code, each refusal
audited."""

from __future__ import annotations

import io
import re
from datetime import UTC, datetime, timedelta

from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import async_sessionmaker

from emulator import BotMessage, Emulator, SimulatedUser
from storage.db import create_engine
from storage.models import AuditLog, Certificate, HourEntry, Pair
from tests.conftest import COORDINATOR_ID, RunningBot
from tests.e2e.helpers import buttons_data, scalar, seed_pair, tap
from tests.e2e.test_meetups import deliver
from tests.e2e.test_pair_file import coordinator, open_file, words

CODE = re.compile(r"[A-Z2-9]{5}-[A-Z2-9]{5}")


async def confirm_hours(database_url: str, pair_id: int, hours: int, kind: str = "sport") -> None:
    """`hours` confirmed entries of one hour, one a day in February, written directly."""
    engine = create_engine(database_url)
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session:
        pair = await session.get(Pair, pair_id)
        assert pair is not None
        start = datetime(2026, 1, 10, 10, 0, tzinfo=UTC)
        for day in range(hours):
            started = start + timedelta(days=day)
            session.add(
                HourEntry(
                    programme_id=pair.programme_id,
                    pair_id=pair.id,
                    started_at=started,
                    minutes=60,
                    activity_kind=kind,
                    logged_by=pair.newcomer_id,
                    confirmed_by=pair.buddy_id,
                    status="confirmed",
                    decided_at=started + timedelta(hours=2),
                )
            )
        await session.commit()
    await engine.dispose()


def proof_data(pair_id: int) -> str:
    return f"proof:get:{pair_id}"


async def fetch_proof(user: SimulatedUser, pair_id: int) -> BotMessage:
    """Press the proof button on the newest keyboard; the PDF document that comes."""
    user.mark_read()
    # Making the PDF takes a second or more on a busy machine: wait for the document.
    await tap(user, proof_data(pair_id), timeout=30)
    return await user.wait_for(lambda m: m.document is not None, timeout=30)


def pdf_text(message: BotMessage) -> str:
    """The text of every page (a proof of 40 one-hour entries runs over several)."""
    assert message.document is not None
    reader = PdfReader(io.BytesIO(message.document.data))
    return "\n".join(page.extract_text() for page in reader.pages)


def code_in(message: BotMessage) -> str:
    assert message.document is not None
    found = CODE.search(message.document.filename or "")
    assert found, message.document.filename
    return found.group(0)


async def count(database_url: str, model: type, *where: object) -> int:
    return int(await scalar(database_url, select(func.count()).select_from(model).where(*where)))


async def refusals(database_url: str, action: str) -> int:
    return await count(database_url, AuditLog, AuditLog.action == action)


async def test_an_eligible_newcomer_gets_the_pdf_from_progress(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    amal, bram, pair_id = await seed_pair(
        settings.database_url, emulator, newcomer=(9601, "Amal", "ar"), buddy=(9602, "Bram", "nl")
    )
    await confirm_hours(settings.database_url, pair_id, 40)
    await amal.command("progress")
    progress = await amal.wait_for(lambda m: proof_data(pair_id) in buttons_data(m))
    assert words(progress) < 60
    first = await fetch_proof(amal, pair_id)
    assert first.document is not None and first.document.filename.endswith(".pdf")
    assert len((first.caption or "").split()) < 60
    text = pdf_text(first)
    code = code_in(first)
    assert "Amal" in text and "40 van 40 uur" in text and f"/verify {code}" in text
    assert "Bram" not in text and "9601" not in text
    assert text.count("Sport") == 40  # a line per confirmed hour, in Dutch ("رياضة" in Arabic)
    assert re.search("[\u0600-\u06ff]", text)
    assert await count(settings.database_url, Certificate) == 1
    # Later presses send the same proof again.
    again = await fetch_proof(amal, pair_id)
    assert again.message_id != first.message_id and code_in(again) == code
    assert await count(settings.database_url, Certificate) == 1
    # The buddy's /progress has no such button.
    await bram.command("progress")
    theirs = await bram.wait_for(lambda m: "▓" in (m.text or "") or "░" in (m.text or ""))
    assert not [d for d in buttons_data(theirs) if d.startswith("proof:")]


async def test_below_the_target_there_is_no_proof_and_others_cannot_get_one(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    amal, bram, pair_id = await seed_pair(
        settings.database_url, emulator, newcomer=(9611, "Amal", "en"), buddy=(9612, "Bram", "en")
    )
    sara, _bo, _other = await seed_pair(
        settings.database_url, emulator, newcomer=(9613, "Sara", "en"), buddy=(9614, "Bo", "en")
    )
    await confirm_hours(settings.database_url, pair_id, 39)
    await amal.command("progress")
    progress = await amal.wait_for(lambda m: "▓" in (m.text or "") or "░" in (m.text or ""))
    assert not [d for d in buttons_data(progress) if d.startswith("proof:")]
    amal.mark_read()
    await amal.press_data(proof_data(pair_id))
    early = await amal.next_callback_answer()
    assert early.show_alert and "40" in (early.text or ""), early.text
    await confirm_hours(settings.database_url, pair_id, 1, kind="culture")
    # Forged presses for Amal's proof: her buddy, another newcomer, someone unknown.
    eve = emulator.user(9615, "Eve", "en")
    await eve.command("help")
    await eve.next_message()
    for user in (bram, sara, eve):
        if user is not eve:
            await user.command("help")
            await user.next_message()
        user.mark_read()
        await user.press_data(proof_data(pair_id))
        refused = await user.next_callback_answer()
        assert refused.show_alert and refused.text, user
        assert not [m for m in user.messages if m.document is not None]
    assert await refusals(settings.database_url, "refused.proof") == 3
    assert await count(settings.database_url, Certificate) == 0
    # A coordinator's proof button is a coordinator button to everyone else.
    amal.mark_read()
    await amal.press_data(f"co:cert:{pair_id}:0")
    assert "coordinators" in ((await amal.next_callback_answer()).text or "").lower()
    assert await count(settings.database_url, Certificate) == 0


async def test_verify_accepts_a_real_code_and_refuses_a_forged_one(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    amal, bram, pair_id = await seed_pair(
        settings.database_url, emulator, newcomer=(9621, "Amal", "uk"), buddy=(9622, "Bram", "en")
    )
    await confirm_hours(settings.database_url, pair_id, 41)
    await amal.command("progress")
    await amal.wait_for(lambda m: proof_data(pair_id) in buttons_data(m))
    code = code_in(await fetch_proof(amal, pair_id))
    coord = await coordinator(emulator)
    coord.mark_read()
    await coord.command("verify", code.lower())
    valid = await coord.next_message()
    assert all(word in (valid.text or "") for word in ("Valid", "Amal", "41")), valid.text
    assert words(valid) < 60
    forged = code[:-1] + ("A" if code[-1] != "A" else "B")
    for attempt in (forged, "hello"):
        coord.mark_read()
        await coord.command("verify", attempt)
        assert "not valid" in ((await coord.next_message()).text or ""), attempt
    coord.mark_read()
    await coord.command("verify")
    assert "/verify" in ((await coord.next_message()).text or "")
    # Nobody but a coordinator checks a code.
    for done, user in enumerate((amal, bram), start=1):
        user.mark_read()
        await user.command("verify", code)
        answer = await user.next_message()
        assert "Amal" not in (answer.text or "") and "41" not in (answer.text or "")
        assert await refusals(settings.database_url, "refused.coordinator_only") == done
    assert "only for coordinators" in (answer.text or "")  # Bram reads English
    verified = await scalar(
        settings.database_url,
        select(func.count()).select_from(AuditLog).where(AuditLog.action == "certificate.verified"),
    )
    assert verified == 3


async def test_a_coordinator_issues_a_new_proof_and_the_newcomer_is_told(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    amal, _bram, pair_id = await seed_pair(
        settings.database_url, emulator, newcomer=(9631, "Amal", "ti"), buddy=(9632, "Bram", "nl")
    )
    sara, _bo, below = await seed_pair(
        settings.database_url, emulator, newcomer=(9633, "Sara", "en"), buddy=(9634, "Bo", "en")
    )
    await confirm_hours(settings.database_url, pair_id, 40)
    coord = await coordinator(emulator)
    file = await open_file(coord, below)
    assert f"co:cert:{below}:0" not in buttons_data(file)
    file = await open_file(coord, pair_id)
    assert f"co:cert:{pair_id}:0" in buttons_data(file)
    coord.mark_read()
    await tap(coord, f"co:cert:{pair_id}:0")
    issued = await coord.wait_for(lambda m: m.document is not None, timeout=30)
    code = code_in(issued)
    assert "Amal" in (issued.caption or "") and code in (issued.caption or "")
    assert len((issued.caption or "").split()) < 60
    assert f"co:pr:{pair_id}:0" in buttons_data(issued)
    assert await refusals(settings.database_url, "certificate.issued") == 1
    await deliver(running_bot)
    told = await amal.wait_for(lambda m: proof_data(pair_id) in buttons_data(m), timeout=10)
    assert words(told) < 60
    fetched = await fetch_proof(amal, pair_id)
    assert code_in(fetched) == code
    assert re.search("[\u1200-\u137f]", pdf_text(fetched))  # the Tigrinya pages
    assert await count(settings.database_url, Certificate) == 1
    assert sara is not None and COORDINATOR_ID


async def test_a_completed_pair_still_offers_the_proof_in_progress(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    amal, _bram, pair_id = await seed_pair(
        settings.database_url, emulator, newcomer=(9641, "Amal", "en"), buddy=(9642, "Bram", "en")
    )
    await confirm_hours(settings.database_url, pair_id, 12)
    engine = create_engine(settings.database_url)
    async with engine.begin() as connection:
        await connection.execute(
            Pair.__table__.update().where(Pair.id == pair_id).values(status="completed")
        )
    await engine.dispose()
    await amal.command("progress")
    ended = await amal.wait_for(lambda m: proof_data(pair_id) in buttons_data(m))
    assert "ended" in (ended.text or "")
    fetched = await fetch_proof(amal, pair_id)
    assert "12 of 40 hours" in pdf_text(fetched)
