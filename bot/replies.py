"""Replies are data: what to say, where, with which buttons. Adapters render them; the outbox keeps them."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from bot.events import ConversationRef


class Visibility(StrEnum):
    CHANNEL = "channel"  # in the conversation the event came from (the channel or the DM)
    THREAD = "thread"  # in the event's thread, or starting one under the event's message
    DM = "dm"  # privately to the member
    EPHEMERAL = "ephemeral"  # only the member sees it, in place; falls back to a DM


@dataclass(frozen=True, slots=True)
class Button:
    """A button. `action` names the router's action handler; `value` is a short inline argument.

    Larger payloads go in `payload`: the core stores them in the database and puts only a short id on the
    wire (Telegram allows 64 bytes of callback data, Discord 100 characters of custom id).
    """

    label: str
    action: str
    value: str = ""
    payload: dict[str, Any] | None = None
    style: str = "default"  # "default" | "primary" | "danger"


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file sent with a message (a chart, a CSV export). The bytes stay on disk at `path` (under
    AGORA_DATA_DIR), so the outbox row holds only this reference. Platforms whose Capabilities say no `files`
    get the name and path in the text instead (bot.outbox.render)."""

    name: str
    path: str
    media_type: str = "application/octet-stream"


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to send. `text` is neutral markup (see bot.markup)."""

    text: str
    buttons: tuple[Button, ...] = ()
    visibility: Visibility = Visibility.CHANNEL
    target: ConversationRef | None = None  # None: answer where the event came from
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True, slots=True)
class OutboundButton:
    """A button as it travels to an adapter: the label and the opaque action id to send back."""

    label: str
    action_id: str
    style: str = "default"


@dataclass(frozen=True, slots=True)
class OutboundMessage:
    """What an adapter is asked to deliver: everything resolved, nothing left to look up."""

    id: int
    idempotency_key: str
    platform: str
    workspace_id: str
    channel_id: str | None
    user_id: str | None
    thread_id: str | None
    visibility: Visibility
    text: str
    buttons: tuple[OutboundButton, ...] = field(default_factory=tuple)
    attempts: int = 0
    in_reply_to: str | None = None  # the platform event id this answers (e.g. a Discord interaction)
    member_id: int | None = None
    attachments: tuple[Attachment, ...] = ()  # only for platforms whose Capabilities have `files`


def encode_action(action: str, value: str) -> str:
    """The action id on the wire: `action|value`. Short on purpose (see Button)."""
    return f"{action}|{value}"


def decode_action(action_id: str) -> tuple[str, str]:
    action, _, value = action_id.partition("|")
    return action, value
