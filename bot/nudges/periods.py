"""Pure rules of time and chance for the nudges: which period a run belongs to and who is in the holdout
(when a DM may be delivered is bot.local_time's waking hours). Kept free of the database so they are easy to
read and test."""

from __future__ import annotations

import hashlib
from datetime import datetime
from zoneinfo import ZoneInfo


def period_of(now: datetime, tz: ZoneInfo) -> str:
    """The campaign period of `now`: its ISO week in the community's time zone ("2026-W02"). One weekly
    run per period; a manual run in the same week is the same run."""
    year, week, _ = now.astimezone(tz).isocalendar()
    return f"{year}-W{week:02d}"


def draw(community_id: int, member_id: int) -> float:
    """A number in [0, 1) fixed for (community, member): a member is in the holdout when it is below the share.
    Stable across runs and processes (a hash, not a random generator), so the control group does not churn
    and a resumed run decides exactly as the interrupted one did."""
    digest = hashlib.blake2b(f"{community_id}:{member_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") / 2.0**64
