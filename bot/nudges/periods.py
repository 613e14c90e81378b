"""Pure rules of time and chance for the nudges: which period a run belongs to, when a DM may be delivered
(quiet hours), and who is in the holdout. Kept free of the database so they are easy to read and test."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

QUIET_START = time(21, 0)  # no nudge is delivered from 21:00 ...
QUIET_END = time(8, 0)  # ... to 08:00, in the member's time zone (the community's when they gave none)


def zone(name: str | None, fallback: str = "UTC") -> ZoneInfo:
    """The time zone called `name`; `fallback` (then UTC) when it is empty or unknown."""
    for candidate in (name, fallback, "UTC"):
        if candidate:
            try:
                return ZoneInfo(candidate)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return ZoneInfo("UTC")


def period_of(now: datetime, tz: ZoneInfo) -> str:
    """The campaign period of `now`: its ISO week in the community's time zone ("2026-W02"). One weekly
    run per period; a manual run in the same week is the same run."""
    year, week, _ = now.astimezone(tz).isocalendar()
    return f"{year}-W{week:02d}"


def next_allowed(now: datetime, tz: ZoneInfo) -> datetime:
    """`now` if a DM may be delivered then in `tz`, else the end of the quiet hours (next 08:00 local)."""
    local = now.astimezone(tz)
    clock = local.timetz().replace(tzinfo=None)
    if QUIET_END <= clock < QUIET_START:
        return now
    day = local.date() if clock < QUIET_END else local.date() + timedelta(days=1)
    return datetime.combine(day, QUIET_END, tzinfo=tz).astimezone(UTC)


def draw(community_id: int, member_id: int) -> float:
    """A number in [0, 1) fixed for (community, member): a member is in the holdout when it is below the share.
    Stable across runs and processes (a hash, not a random generator), so the control group does not churn
    and a resumed run decides exactly as the interrupted one did."""
    digest = hashlib.blake2b(f"{community_id}:{member_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64
