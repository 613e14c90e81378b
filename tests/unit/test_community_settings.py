"""Community settings: typed parsing with precise refusals, defaults, and storage on both databases."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import community_settings as cs
from bot.i18n import Catalogs
from bot.store.db import session_factory
from bot.store.models import Community


def test_parse_accepts_french_and_english_forms() -> None:
    assert cs.parse("nudge.day", "Mercredi") == "wed"
    assert cs.parse("nudge.day", "thursday") == "thu"
    assert cs.parse("nudge.time", "9h05") == "09:05"
    assert cs.parse("nudge.holdout_share", "15%") == pytest.approx(0.15)
    assert cs.parse("retention.cost_recruited", "12,5") == pytest.approx(12.5)
    assert cs.parse("nudge.inactive_days", " 30 ") == 30


@pytest.mark.parametrize(("key", "raw", "reason"), [
    ("nudge.colour", "blue", "settings.unknown_key"),
    ("nudge.day", "last blue moon", "settings.bad_weekday"),
    ("nudge.time", "25:00", "settings.bad_time"),
    ("nudge.inactive_days", "vingt", "settings.bad_number"),
    ("nudge.inactive_days", "0", "settings.out_of_range"),
    ("nudge.holdout_share", "nan", "settings.out_of_range"),
])
def test_parse_refuses_with_a_translated_reason(key: str, raw: str, reason: str) -> None:
    with pytest.raises(cs.InvalidSetting) as caught:
        cs.parse(key, raw)
    assert caught.value.reason == reason
    for lang in ("fr", "en"):
        assert Catalogs().raw(lang, reason)


async def test_defaults_then_stored_values(engine: AsyncEngine) -> None:
    sessions = session_factory(engine)
    now = datetime(2026, 11, 26, tzinfo=UTC)
    async with sessions() as session, session.begin():
        community = Community(slug="c", name="C", created_at=now)
        session.add(community)
        await session.flush()
        cid = community.id
    async with sessions() as session:
        loaded = await cs.load(session, cid)
    assert loaded.integer("nudge.inactive_days") == 21 and loaded.is_default("nudge.inactive_days")
    async with sessions() as session, session.begin():
        await cs.store(session, cid, "nudge.inactive_days", cs.parse("nudge.inactive_days", "30"), now, None)
        await cs.store(session, cid, "nudge.day", "fri", now, None)
    async with sessions() as session, session.begin():
        await cs.store(session, cid, "nudge.day", "sat", now, None)
    async with sessions() as session:
        loaded = await cs.load(session, cid)
    assert loaded.integer("nudge.inactive_days") == 30
    assert loaded.text("nudge.day") == "sat"
    assert loaded.number("retention.cost_recruited") == 9.0
