"""Periods for `/agora stats` and `/agora export`: what a facilitator may type, and the period just before.

Accepted: nothing (the last 30 days), `7d`/`7j` (the last N days), `week`/`semaine`, `month`/`mois`,
`year`/`an` (the last 7, 30, 365 days), a calendar month `2026-10`, or a range of days `2026-10-01..2026-10-31`
(both days included). Calendar forms are read in the community's time zone. Periods end at "now" from the
injected clock, so tests move time instead of sleeping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.local_time import zone as find_zone

DEFAULT_DAYS = 30
MAX_DAYS = 3650
_DAYS = re.compile(r"^(\d{1,4})\s*(d|j|days?|jours?)$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")
_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\s*(?:\.\.|/|→)\s*(\d{4}-\d{2}-\d{2})$")
_NAMED = {"week": 7, "semaine": 7, "month": 30, "mois": 30, "year": 365, "an": 365, "annee": 365,
          "année": 365}


class BadPeriod(ValueError):
    """The text is not a period this module understands (the handler answers with examples)."""


@dataclass(frozen=True, slots=True)
class Period:
    """[start, end), aware UTC datetimes; `label` is how it is shown back ("30d", "2026-10", ...)."""

    start: datetime
    end: datetime
    label: str

    @property
    def length(self) -> timedelta:
        return self.end - self.start

    def previous(self) -> Period:
        """The period of the same length that ends where this one starts."""
        return Period(self.start - self.length, self.start, f"prev:{self.label}")


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone).astimezone(ZoneInfo("UTC"))


def parse_period(text: str, now: datetime, timezone: str = "UTC") -> Period:
    """The period `text` names, ending no later than makes sense; BadPeriod for anything else."""
    raw = " ".join(text.strip().lower().split())
    if not raw:
        return Period(now - timedelta(days=DEFAULT_DAYS), now, f"{DEFAULT_DAYS}d")
    if raw in _NAMED:
        days = _NAMED[raw]
        return Period(now - timedelta(days=days), now, f"{days}d")
    found = _DAYS.match(raw)
    if found:
        days = int(found.group(1))
        if not 1 <= days <= MAX_DAYS:
            raise BadPeriod(raw)
        return Period(now - timedelta(days=days), now, f"{days}d")
    zone = find_zone(timezone)
    found = _MONTH.match(raw)
    if found:
        year, month = int(found.group(1)), int(found.group(2))
        if not (1 <= month <= 12 and 2000 <= year <= 2100):
            raise BadPeriod(raw)
        first = date(year, month, 1)
        following = date(year + (month == 12), month % 12 + 1, 1)
        return Period(_midnight(first, zone), _midnight(following, zone), raw)
    found = _RANGE.match(raw)
    if found:
        try:
            first, last = date.fromisoformat(found.group(1)), date.fromisoformat(found.group(2))
        except ValueError:
            raise BadPeriod(raw) from None
        if last < first or (last - first).days >= MAX_DAYS or first.year < 2000:
            raise BadPeriod(raw)
        return Period(_midnight(first, zone), _midnight(last + timedelta(days=1), zone),
                      f"{first.isoformat()}..{last.isoformat()}")
    raise BadPeriod(raw)
