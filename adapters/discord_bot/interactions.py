"""Interactions (slash commands and button presses), whichever way they arrive: over the gateway, where
discord.py has parsed them into a `discord.Interaction`, or on our HTTP Interactions endpoint as raw JSON.
Both become one small `Incoming` record, so the translation to core events exists once.

`LiveInteractions` remembers the tokens of the interactions this process acknowledged: Discord accepts
follow-ups on `/webhooks/{application_id}/{token}` for 15 minutes, so a reply to one of them goes there (in
place, visible to the member who asked); after that, or after a restart, replies go to the channel or a DM.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import discord

from bot.clock import Clock

APPLICATION_COMMAND = 2
COMPONENT = 3
PING = 1
THREAD_TYPES = frozenset({10, 11, 12})  # announcement, public and private threads
ADMIN_BITS = (1 << 3) | (1 << 5)  # administrator, manage guild
EPHEMERAL = 1 << 6
DEFER_WITH_MESSAGE = 5  # "thinking...": the answer comes as a follow-up
DEFER_UPDATE = 6  # a button press: nothing shown until a follow-up
TOKEN_LIFETIME = 14 * 60.0  # Discord's 15 minutes, less a margin for the time a send takes


@dataclass(frozen=True, slots=True)
class Incoming:
    """What the adapter needs from one interaction. `parent_id` is set when the channel is a thread."""

    id: str
    token: str
    application_id: str
    kind: int
    data: Mapping[str, Any]
    guild_id: str | None
    channel_id: str | None
    parent_id: str | None
    user_id: str
    display_name: str
    locale: str | None
    permissions: int
    is_bot: bool

    @property
    def is_admin(self) -> bool:
        return bool(self.permissions & ADMIN_BITS)

    def deferral(self) -> dict[str, Any]:
        """The callback that acknowledges this interaction at once (Discord's 3 seconds)."""
        if self.kind == COMPONENT:
            return {"type": DEFER_UPDATE}
        return {"type": DEFER_WITH_MESSAGE, "data": {"flags": EPHEMERAL}}

    @classmethod
    def from_gateway(cls, interaction: discord.Interaction[Any]) -> Incoming:
        user = interaction.user
        channel = interaction.channel
        parent = getattr(channel, "parent_id", None) if isinstance(channel, discord.Thread) else None
        return cls(
            id=str(interaction.id),
            token=interaction.token,
            application_id=str(interaction.application_id),
            kind=interaction.type.value,
            data=dict(interaction.data or {}),
            guild_id=_str(interaction.guild_id),
            channel_id=_str(interaction.channel_id),
            parent_id=_str(parent),
            user_id=str(user.id),
            display_name=user.display_name,
            locale=interaction.locale.value if interaction.locale else None,
            permissions=interaction.permissions.value if interaction.guild_id else 0,
            is_bot=user.bot,
        )

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Incoming:
        """From the raw JSON Discord posts to an Interactions endpoint; ValueError when it is not one."""
        try:
            member = payload.get("member") or {}
            user = member.get("user") or payload["user"]
            channel = payload.get("channel") or {}
            is_thread = channel.get("type") in THREAD_TYPES
            return cls(
                id=str(int(payload["id"])),
                token=str(payload["token"]),
                application_id=str(int(payload["application_id"])),
                kind=int(payload["type"]),
                data=dict(payload.get("data") or {}),
                guild_id=_str(payload.get("guild_id")),
                channel_id=_str(payload.get("channel_id") or channel.get("id")),
                parent_id=_str(channel.get("parent_id")) if is_thread else None,
                user_id=str(int(user["id"])),
                display_name=str(member.get("nick") or user.get("global_name") or user.get("username") or ""),
                locale=payload.get("locale"),
                permissions=int(member.get("permissions") or 0),
                is_bot=bool(user.get("bot", False)),
            )
        except (KeyError, TypeError, ValueError, AttributeError) as err:
            raise ValueError("not an interaction payload") from err


def _str(value: object) -> str | None:
    return None if value is None else str(value)


@dataclass(frozen=True, slots=True)
class Live:
    application_id: str
    token: str
    expires: float


class LiveInteractions:
    """Tokens of acknowledged interactions, in memory only, until they expire. Bounded: oldest out first."""

    def __init__(self, clock: Clock, lifetime: float = TOKEN_LIFETIME, size: int = 10_000) -> None:
        self._clock = clock
        self._lifetime = lifetime
        self._size = size
        self._live: OrderedDict[str, Live] = OrderedDict()

    def add(self, interaction: Incoming) -> None:
        now = self._clock.monotonic()
        self._live[interaction.id] = Live(interaction.application_id, interaction.token, now + self._lifetime)
        while self._live and (len(self._live) > self._size or next(iter(self._live.values())).expires < now):
            self._live.popitem(last=False)

    def get(self, interaction_id: str | None) -> Live | None:
        if interaction_id is None:
            return None
        found = self._live.get(interaction_id)
        if found is None or found.expires < self._clock.monotonic():
            return None
        return found

    def drop(self, interaction_id: str) -> None:
        self._live.pop(interaction_id, None)
