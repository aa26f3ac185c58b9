"""When no buddy fits a newcomer (issue "Plain, kind and never stuck", item 1): Amal asked
for a buddy who is a woman and the only buddy is a man. The coordinator sees what blocks,
the nearest buddy with what matching him would break, can match anyway (audited) or ask
Amal to widen her wish, and is never stuck without a way back."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from emulator import Emulator, SimulatedUser
from storage.models import AuditLog, Pair, User
from tests.conftest import COORDINATOR_ID, RunningBot
from tests.e2e.helpers import buttons_data, onboard, person, scalar, tap


async def amal_and_bram(
    emulator: Emulator, database_url: str
) -> tuple[SimulatedUser, SimulatedUser, SimulatedUser, User, User]:
    amal = emulator.user(9001, "Amal", "en")
    await onboard(
        amal, language="en", name="Amal", languages=("ar", "fr"), gender_preference="woman"
    )
    bram = emulator.user(9002, "Bram", "en")
    await onboard(
        bram, language="en", role="buddy", name="Bram", languages=("nl", "fr"), gender="man"
    )
    coord = emulator.user(COORDINATOR_ID, "Kim", "en")
    await coord.command("coord")
    await coord.wait_for(lambda m: "co:wl:0:0" in buttons_data(m))
    amal_row = await person(database_url, 9001)
    bram_row = await person(database_url, 9002)
    assert amal_row and bram_row and amal_row.gender_preference == "woman"
    return amal, bram, coord, amal_row, bram_row


async def count(database_url: str, action: str) -> int:
    return int(
        await scalar(
            database_url,
            select(func.count()).select_from(AuditLog).where(AuditLog.action == action),
        )
    )


async def test_no_buddy_fits_says_why_and_matches_anyway(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    db = settings.database_url
    amal, bram, coord, amal_row, bram_row = await amal_and_bram(emulator, db)
    await tap(coord, "co:wl:0:0")
    await tap(coord, f"co:nc:{amal_row.id}:0")
    screen = await tap(coord, f"co:sg:{amal_row.id}:0")
    text = screen.text or ""
    assert "No buddy fits \u2068Amal\u2069" in text
    assert "1 buddy is not of the gender \u2068Amal\u2069 asked for." in text  # the reason, counted
    assert "\u2068Bram\u2069: not the gender asked for" in text  # the nearest, with what it breaks
    assert len(re.findall(r"\w+", text)) < 60
    data = buttons_data(screen)
    assert f"co:ov:{amal_row.id}:{bram_row.id}" in data
    assert f"co:rx:{amal_row.id}:0" in data
    for back in (f"co:nc:{amal_row.id}:0", "co:wl:0:0", "co:home:0:0"):
        assert back in data, back

    # Nobody else may press these buttons: refused and audited.
    for action in ("ov", "ovy", "rx"):
        amal.mark_read()
        await amal.press_data(f"co:{action}:{amal_row.id}:{bram_row.id}")
        answer = await amal.next_callback_answer()
        assert "only for coordinators" in (answer.text or "").lower(), action
    assert await count(db, "refused.coordinator_only") == 3
    assert await scalar(db, select(func.count()).select_from(Pair)) == 0

    # Matching anyway asks first, with a way back.
    confirm = await tap(coord, f"co:ov:{amal_row.id}:{bram_row.id}")
    assert "not the gender asked for" in (confirm.text or "")
    assert {f"co:ovy:{amal_row.id}:{bram_row.id}", f"co:sg:{amal_row.id}:0", "co:home:0:0"} <= set(
        buttons_data(confirm)
    )
    done = await tap(coord, f"co:ovy:{amal_row.id}:{bram_row.id}")
    assert "are now a pair" in (done.text or "")
    await amal.wait_for(lambda m: "Bram" in (m.text or ""), timeout=10)
    await bram.wait_for(lambda m: "Amal" in (m.text or ""), timeout=10)
    assert await scalar(db, select(Pair.buddy_id).where(Pair.newcomer_id == amal_row.id)) == (
        bram_row.id
    )
    assert await count(db, "match.override") == 1
    assert await count(db, "pair.created") == 1
    details = await scalar(db, select(AuditLog.details).where(AuditLog.action == "match.override"))
    assert details["broken"] == ["gender_preference"]


async def test_asking_the_newcomer_to_widen_her_wish(
    running_bot: RunningBot, emulator: Emulator, settings, no_rejections
) -> None:
    db = settings.database_url
    amal, _bram, coord, amal_row, bram_row = await amal_and_bram(emulator, db)
    await coord.press_data(f"co:sg:{amal_row.id}:0", message=coord.last)
    await coord.wait_for(lambda m: f"co:rx:{amal_row.id}:0" in buttons_data(m))
    asked = await tap(coord, f"co:rx:{amal_row.id}:0")
    assert "I asked \u2068Amal\u2069" in (asked.text or "")
    assert {f"co:nc:{amal_row.id}:0", "co:wl:0:0", "co:home:0:0"} <= set(buttons_data(asked))
    assert await count(db, "preference.relax_asked") == 1

    question = await amal.wait_for(
        lambda m: any(d.startswith("relax:") for d in buttons_data(m)), timeout=10
    )
    assert "A woman" in (question.text or "")
    any_buddy = next(d for d in buttons_data(question) if d.startswith("relax:any"))
    assert any(d.startswith("relax:keep") for d in buttons_data(question))
    confirmed = await tap(amal, any_buddy)
    assert "Any buddy is fine now" in (confirmed.text or "")
    after = await person(db, 9001)
    assert after is not None and after.gender_preference == "none"

    told = await coord.wait_for(lambda m: "answered: any buddy" in (m.text or ""), timeout=10)
    assert "Amal" in (told.text or "") and f"co:sg:{amal_row.id}:0" in buttons_data(told)
    suggestions = await tap(coord, f"co:sg:{amal_row.id}:0")
    assert "Bram" in (suggestions.text or "")
    assert f"co:mt:{amal_row.id}:{bram_row.id}" in buttons_data(suggestions)
