"""Waking hours in the member's time zone: the one rule peer help (whom to ask now) and nudges (when to
deliver) share."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.local_time import awake, next_waking, zone


def test_unknown_or_empty_zones_fall_back() -> None:
    assert zone("Africa/Dakar").key == "Africa/Dakar"
    assert zone("Mars/Olympus", "Europe/Paris").key == "Europe/Paris"
    assert zone(None, None).key == "UTC"


def test_waking_hours_are_local() -> None:
    paris, dakar = zone("Europe/Paris"), zone("Africa/Dakar")
    at = datetime(2026, 1, 15, 7, 30, tzinfo=UTC)  # 08:30 in Paris (winter), 07:30 in Dakar
    assert awake(at, paris) and not awake(at, dakar)
    assert next_waking(at, paris) == at
    assert next_waking(at, dakar) == datetime(2026, 1, 15, 8, 0, tzinfo=UTC)
    late = datetime(2026, 1, 15, 20, 0, tzinfo=UTC)  # 21:00 in Paris: asleep until tomorrow 08:00
    assert not awake(late, paris)
    assert next_waking(late, paris) == datetime(2026, 1, 16, 7, 0, tzinfo=UTC)
