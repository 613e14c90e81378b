"""Inbound events: what adapters turn platform payloads into. Typed, immutable and serialisable.

Every event carries a ConversationRef so that a handler, a job or a restarted process can answer later.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


@dataclass(frozen=True, slots=True)
class ConversationRef:
    """Where a conversation happens, in platform terms, so the bot can answer there later."""

    platform: str
    workspace_id: str
    channel_id: str | None
    user_id: str | None
    thread_id: str | None = None
    is_dm: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ConversationRef:
        return cls(**data)


@dataclass(frozen=True, slots=True)
class Sender:
    """Who caused the event, as the platform knows them."""

    user_id: str
    display_name: str = ""
    locale: str | None = None
    is_platform_admin: bool = False
    is_bot: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Event:
    """The base of every inbound event.

    `event_id` is the platform's own id for the delivery (Slack event_id, Telegram update_id, Discord
    interaction or message id); with `platform` it is the de-duplication key. Scheduled ticks have none.
    """

    platform: str
    event_id: str | None
    ref: ConversationRef
    sender: Sender
    ts: datetime

    @property
    def dedup_key(self) -> str | None:
        return None if self.event_id is None else f"{self.platform}:{self.event_id}"

    @property
    def activity_kind(self) -> str | None:
        """What kind of member activity this event counts as (None: it is not activity)."""
        return None


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageReceived(Event):
    """A message in a channel, a thread or a DM. `text` is already cleaned (see bot.text)."""

    text: str
    mentions_bot: bool = False

    @property
    def activity_kind(self) -> str | None:
        return "message"


@dataclass(frozen=True, slots=True, kw_only=True)
class CommandInvoked(Event):
    """A slash command, or a DM whose first word is a known command. `args` is the rest of the line."""

    name: str
    args: str = ""

    @property
    def activity_kind(self) -> str | None:
        return "command"


@dataclass(frozen=True, slots=True, kw_only=True)
class ButtonClicked(Event):
    """A button press. `action_id` is what the reply's Button carried (see bot.replies)."""

    action_id: str

    @property
    def activity_kind(self) -> str | None:
        return "button"


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberJoined(Event):
    """Someone joined a workspace or a channel the bot watches."""

    @property
    def activity_kind(self) -> str | None:
        return "join"


@dataclass(frozen=True, slots=True, kw_only=True)
class MemberLeft(Event):
    """Someone left the workspace."""


@dataclass(frozen=True, slots=True, kw_only=True)
class ReactionAdded(Event):
    """A reaction to a message; counted as activity, the emoji itself is kept for handlers only."""

    emoji: str = ""
    message_id: str | None = None

    @property
    def activity_kind(self) -> str | None:
        return "reaction"


@dataclass(frozen=True, slots=True, kw_only=True)
class ScheduledTick(Event):
    """A scheduled job firing for a community (nudges, timers)."""

    job: str
    community_id: int
    payload: dict[str, Any] = field(default_factory=dict)


class EventKind(StrEnum):
    MESSAGE = "message"
    COMMAND = "command"
    BUTTON = "button"
    JOINED = "joined"
    LEFT = "left"
    REACTION = "reaction"
    TICK = "tick"
