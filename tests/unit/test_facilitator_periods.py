"""Periods as facilitators type them, and the period just before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.facilitator.periods import BadPeriod, parse_period

NOW = datetime(2026, 11, 15, 10, 30, tzinfo=UTC)


@pytest.mark.parametrize(("text", "days"), [("", 30), ("7d", 7), ("7j", 7), ("30 jours", 30), ("week", 7),
                                            ("semaine", 7), ("mois", 30), ("month", 30), ("an", 365)])
def test_rolling_periods_end_now(text: str, days: int) -> None:
    period = parse_period(text, NOW)
    assert period.end == NOW and period.length == timedelta(days=days)
    before = period.previous()
    assert before.end == period.start and before.length == period.length


def test_calendar_forms_in_the_community_time_zone() -> None:
    october = parse_period("2026-10", NOW, "Europe/Paris")
    assert october.start == datetime(2026, 9, 30, 22, tzinfo=UTC)  # midnight in Paris, summer time
    assert october.end == datetime(2026, 10, 31, 23, tzinfo=UTC)  # winter time by then
    days = parse_period("2026-10-01..2026-10-31", NOW, "UTC")
    assert (days.start, days.end) == (datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC))
    december = parse_period("2025-12", NOW, "UTC")
    assert december.end == datetime(2026, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize("text", ["last blue moon", "0d", "99999d", "2026-13", "2026-10-31..2026-10-01",
                                  "2026-02-30..2026-03-01", "yesterday", "7 d ago", "🌕"])
def test_anything_else_is_refused(text: str) -> None:
    with pytest.raises(BadPeriod):
        parse_period(text, NOW)
