"""The settings a community's facilitators may change from the chat (`/agora settings`): nudges, peer help,
retention costs. Each key is declared once here with its type, bounds and default, so a value read by a feature
is always valid and a facilitator typing a bad value gets a precise message instead of a broken job.

Values live in the `community_settings` table (one row per community, one column per key: `nudge.day` is
column `nudge_day`); a missing row or a NULL means the default.
The community's language and time zone are columns of `communities` and are not repeated here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.settings_models import CommunitySettingsRow

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKDAY_ALIASES = {
    "lundi": "mon", "mardi": "tue", "mercredi": "wed", "jeudi": "thu", "vendredi": "fri", "samedi": "sat",
    "dimanche": "sun", "monday": "mon", "tuesday": "tue", "wednesday": "wed", "thursday": "thu", "friday": "fri",
    "saturday": "sat", "sunday": "sun",
}
_TIME = re.compile(r"^([01]?\d|2[0-3])[:h]([0-5]\d)$")


@dataclass(frozen=True, slots=True)
class SettingSpec:
    """One setting: `kind` is int, float, weekday or time (HH:MM); numbers are bounded."""

    key: str
    kind: str
    default: Any
    minimum: float | None = None
    maximum: float | None = None


SPECS: tuple[SettingSpec, ...] = (
    # Weekly nudges (issue 06)
    SettingSpec("nudge.day", "weekday", "mon"),
    SettingSpec("nudge.time", "time", "09:00"),
    SettingSpec("nudge.inactive_days", "int", 21, 1, 365),
    SettingSpec("nudge.newcomer_days", "int", 7, 0, 90),
    SettingSpec("nudge.window_days", "int", 14, 1, 365),
    SettingSpec("nudge.max_unanswered", "int", 3, 1, 20),
    SettingSpec("nudge.holdout_share", "float", 0.10, 0.0, 0.9),
    # Peer help (issue 05)
    SettingSpec("help.claim_timeout_hours", "float", 4.0, 0.1, 168),
    SettingSpec("help.rounds", "int", 2, 1, 10),
    SettingSpec("help.experts_per_round", "int", 3, 1, 20),
    SettingSpec("help.expert_cap", "int", 3, 1, 50),
    SettingSpec("help.checkin_days", "int", 3, 1, 60),
    # Retention figures for the board (issue 07), in euros
    SettingSpec("retention.cost_kept", "float", 1.0, 0, 1_000_000),
    SettingSpec("retention.cost_recruited", "float", 9.0, 0, 1_000_000),
    # Broadcasts (issue 07)
    SettingSpec("broadcast.max_reminders", "int", 1, 0, 5),
    # Hours after a broadcast (or its last reminder) before the automatic reminder; 0: only `remind` by hand.
    SettingSpec("broadcast.remind_after_hours", "float", 24.0, 0, 720),
)
SPEC_BY_KEY: Mapping[str, SettingSpec] = {spec.key: spec for spec in SPECS}


class InvalidSetting(ValueError):
    """A value a facilitator typed that the setting cannot take. `reason` is an i18n key, `params` its values."""

    def __init__(self, key: str, reason: str, **params: object) -> None:
        super().__init__(f"{key}: {reason}")
        self.key = key
        self.reason = reason
        self.params = params


def parse(key: str, raw: str) -> Any:
    """The typed value of `raw` for `key`, or InvalidSetting with the reason ("settings.unknown_key", ...)."""
    spec = SPEC_BY_KEY.get(key)
    if spec is None:
        raise InvalidSetting(key, "settings.unknown_key")
    text = raw.strip().lower()
    if spec.kind == "weekday":
        day = _WEEKDAY_ALIASES.get(text, text[:3] if text[:3] in WEEKDAYS and len(text) <= 9 else "")
        if day not in WEEKDAYS:
            raise InvalidSetting(key, "settings.bad_weekday")
        return day
    if spec.kind == "time":
        match = _TIME.match(text)
        if match is None:
            raise InvalidSetting(key, "settings.bad_time")
        return f"{int(match.group(1)):02d}:{match.group(2)}"
    try:
        number: float = int(text) if spec.kind == "int" else float(text.replace(",", ".").rstrip("%"))
    except ValueError:
        raise InvalidSetting(key, "settings.bad_number") from None
    if spec.kind == "float" and text.endswith("%"):
        number = number / 100
    if number != number or (spec.minimum is not None and number < spec.minimum) or (
            spec.maximum is not None and number > spec.maximum):
        raise InvalidSetting(key, "settings.out_of_range", minimum=spec.minimum, maximum=spec.maximum)
    return number


@dataclass(frozen=True, slots=True)
class CommunitySettings:
    """A community's settings as read at one moment: defaults overlaid with the stored values."""

    values: Mapping[str, Any]

    def get(self, key: str) -> Any:
        if key not in SPEC_BY_KEY:
            raise KeyError(key)
        return self.values.get(key, SPEC_BY_KEY[key].default)

    def integer(self, key: str) -> int:
        return int(self.get(key))

    def number(self, key: str) -> float:
        return float(self.get(key))

    def text(self, key: str) -> str:
        return str(self.get(key))

    def is_default(self, key: str) -> bool:
        return key not in self.values


def column(key: str) -> str:
    """The column of `community_settings` that holds `key`."""
    return key.replace(".", "_")


async def load(session: AsyncSession, community_id: int) -> CommunitySettings:
    row = await session.get(CommunitySettingsRow, community_id)
    stored: dict[str, Any] = {}
    if row is not None:
        for spec in SPECS:
            value = getattr(row, column(spec.key))
            if value is not None:
                stored[spec.key] = value
    return CommunitySettings(stored)


async def store(session: AsyncSession, community_id: int, key: str, value: Any, now: datetime,
                actor_member_id: int | None = None) -> None:
    """Write an already-parsed value (use `parse` first; None restores the default). Inside the caller's
    transaction."""
    if key not in SPEC_BY_KEY:
        raise InvalidSetting(key, "settings.unknown_key")
    row = await session.get(CommunitySettingsRow, community_id)
    if row is None:
        row = CommunitySettingsRow(community_id=community_id, updated_at=now)
        session.add(row)
    setattr(row, column(key), value)
    row.updated_at = now
    row.updated_by = actor_member_id
