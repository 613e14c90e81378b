"""Members' local time: their time zone (else the community's, else UTC) and the waking hours inside which
the bot may write to them unprompted. One rule for every feature, so an expert is never asked a question
(peer help) at an hour when a nudge would be held back (nudges), and the other way round."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

WAKING_START = time(8, 0)  # unprompted messages wait until 08:00 ...
WAKING_END = time(21, 0)  # ... and stop at 21:00, local time


def zone(name: str | None, fallback: str | None = "UTC") -> ZoneInfo:
    """The time zone called `name`; `fallback` (then UTC) when it is empty or unknown."""
    for candidate in (name, fallback, "UTC"):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def awake(now: datetime, tz: ZoneInfo) -> bool:
    """Whether `now` falls inside the waking hours in `tz`."""
    clock = now.astimezone(tz).timetz().replace(tzinfo=None)
    return WAKING_START <= clock < WAKING_END


def next_waking(now: datetime, tz: ZoneInfo) -> datetime:
    """`now` when it is inside the waking hours in `tz`, else the next 08:00 local (in UTC)."""
    if awake(now, tz):
        return now
    local = now.astimezone(tz)
    day = local.date() if local.timetz().replace(tzinfo=None) < WAKING_START else local.date() + timedelta(days=1)
    return datetime.combine(day, WAKING_START, tzinfo=tz).astimezone(UTC)
