"""Slack payloads in, core events out. Translation only: no feature decides anything here.

- Events API: `team_join` and `member_joined_channel` -> MemberJoined; `message` (channels, threads, DMs) and
  `app_mention` -> MessageReceived; `reaction_added` -> ReactionAdded; anything else is acknowledged and
  ignored.
- A mention of the bot in a channel reaches an app subscribed to both `message.*` and `app_mention` twice, as
  two events with two event ids. The `app_mention` delivery is the one handled (it also comes to apps that do
  not read every channel message); the `message` copy of a channel message that mentions the bot is skipped.
  In a DM it is the other way round: the `message.im` delivery is the one handled.
- `/agora sub args` -> CommandInvoked("agora", "sub args"): the core's router reads `agora faq add` as the
  facilitators' `agora faq` and `agora aide` as `aide` (a bare `/agora` is help); another slash command the
  app defines, `/name args`, is CommandInvoked(name, args).
- `block_actions` -> ButtonClicked with the clicked element's action_id, which is the core's opaque id.

Event ids are Slack's: the Events API `event_id` (the same on every retry); for commands and clicks, which
Slack never retries, the interaction's `trigger_id`.

Payloads are untrusted even when signed: every field is type-checked, and a payload missing what it needs
gives None (acknowledged and ignored) rather than an exception.
"""

from __future__ import annotations

import re
from typing import Any

from adapters.slack_app.memory import Conversations, Responder
from adapters.slack_app.profiles import Profiles
from bot.clock import Clock
from bot.events import (
    ButtonClicked,
    CommandInvoked,
    ConversationRef,
    Event,
    MemberJoined,
    MessageReceived,
    ReactionAdded,
    Sender,
)
from bot.text import clean_text

PLATFORM = "slack"
AGORA_COMMAND = "/agora"
_USER_MENTION = r"<@{user}(?:\|[^>]*)?>"


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def plain(text: str) -> str:
    """Slack escapes &, < and > in what members type; undo it (mentions and links stay in Slack's form)."""
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def without_mention(text: str, bot_user_id: str | None) -> tuple[str, bool]:
    """The text with the bot's mentions removed, and whether there was one."""
    if not bot_user_id:
        return text, False
    pattern = re.compile(_USER_MENTION.format(user=re.escape(bot_user_id)))
    stripped, count = pattern.subn("", text)
    return (re.sub(r" {2,}", " ", stripped).strip(), True) if count else (text, False)


class Inbound:
    def __init__(self, profiles: Profiles, conversations: Conversations, clock: Clock) -> None:
        self._profiles = profiles
        self._conversations = conversations
        self._clock = clock

    # --- Events API --------------------------------------------------------------------------------------
    async def event(self, body: dict[str, Any], bot_user_id: str | None) -> Event | None:
        event = _dict(body.get("event"))
        team = _str(body.get("team_id")) or _str(event.get("team"))
        kind = event.get("type")
        if team is None:
            return None
        event_id = _str(body.get("event_id"))
        if kind == "team_join":
            return await self._team_join(event, team, event_id)
        if kind == "member_joined_channel":
            return await self._joined_channel(event, team, event_id, bot_user_id)
        if kind in ("message", "app_mention"):
            return await self._message(event, team, event_id, bot_user_id)
        if kind == "reaction_added":
            return await self._reaction(event, team, event_id, bot_user_id)
        return None

    async def _team_join(self, event: dict[str, Any], team: str, event_id: str | None) -> Event | None:
        user = _dict(event.get("user"))
        user_id = _str(user.get("id"))
        if user_id is None:
            return None
        ref = ConversationRef(PLATFORM, team, None, user_id)
        return MemberJoined(**self._common(event_id, ref, await self._profiles.sender(user_id, given=user)))

    async def _joined_channel(self, event: dict[str, Any], team: str, event_id: str | None,
                              bot_user_id: str | None) -> Event | None:
        user, channel = _str(event.get("user")), _str(event.get("channel"))
        if user is None or channel is None or user == bot_user_id:
            return None
        ref = ConversationRef(PLATFORM, team, channel, user)
        return MemberJoined(**self._common(event_id, ref, await self._profiles.sender(user)))

    async def _message(self, event: dict[str, Any], team: str, event_id: str | None,
                       bot_user_id: str | None) -> Event | None:
        subtype = event.get("subtype")
        if event.get("bot_id") or (subtype is not None and subtype != "thread_broadcast"):
            return None  # the bot's own and other bots' messages, edits, deletions, joins...
        user, channel = _str(event.get("user")), _str(event.get("channel"))
        if user is None or channel is None or user == bot_user_id:
            return None
        is_dm = event.get("channel_type") == "im"
        text, mentioned = without_mention(_str(event.get("text")) or "", bot_user_id)
        if event.get("type") == "message" and mentioned and not is_dm:
            return None  # handled as its app_mention delivery
        if event.get("type") == "app_mention" and channel.startswith("D"):
            return None  # a DM is handled as its message.im delivery
        if is_dm:
            self._conversations.dm_channels.put((team, user), channel)
        ts = _str(event.get("ts"))
        if event_id is not None and ts is not None:
            self._conversations.messages.put(event_id, ts)
        thread = _str(event.get("thread_ts"))
        ref = ConversationRef(PLATFORM, team, channel, user, thread_id=thread, is_dm=is_dm)
        return MessageReceived(**self._common(event_id, ref, await self._profiles.sender(user)),
                               text=clean_text(plain(text)),
                               mentions_bot=mentioned or event.get("type") == "app_mention")

    async def _reaction(self, event: dict[str, Any], team: str, event_id: str | None,
                        bot_user_id: str | None) -> Event | None:
        user, item = _str(event.get("user")), _dict(event.get("item"))
        if user is None or user == bot_user_id:
            return None
        ref = ConversationRef(PLATFORM, team, _str(item.get("channel")), user)
        return ReactionAdded(**self._common(event_id, ref, await self._profiles.sender(user)),
                             emoji=clean_text(_str(event.get("reaction")), limit=64),
                             message_id=_str(item.get("ts")))

    # --- slash commands ----------------------------------------------------------------------------------
    async def command(self, body: dict[str, Any]) -> Event | None:
        command, user = _str(body.get("command")), _str(body.get("user_id"))
        team, channel = _str(body.get("team_id")), _str(body.get("channel_id"))
        if command is None or user is None or team is None:
            return None
        text = clean_text(plain(_str(body.get("text")) or "")).strip()
        if command.lower() == AGORA_COMMAND:
            name, args = AGORA_COMMAND.lstrip("/"), text
        else:
            name, args = command.lstrip("/"), text
        trigger = _str(body.get("trigger_id"))
        event_id = f"cmd-{trigger}" if trigger else None
        self._remember_responder(event_id, _str(body.get("response_url")), channel, user)
        ref = ConversationRef(PLATFORM, team, channel, user, is_dm=(channel or "").startswith("D"))
        return CommandInvoked(**self._common(event_id, ref, await self._profiles.sender(user)),
                              name=name, args=args)

    # --- interactivity -----------------------------------------------------------------------------------
    async def action(self, body: dict[str, Any]) -> Event | None:
        if body.get("type") != "block_actions":
            return None
        actions = body.get("actions")
        first = _dict(actions[0]) if isinstance(actions, list) and actions else {}
        action_id = _str(first.get("action_id"))
        user_obj, container = _dict(body.get("user")), _dict(body.get("container"))
        user = _str(user_obj.get("id"))
        team = _str(_dict(body.get("team")).get("id")) or _str(user_obj.get("team_id"))
        if action_id is None or user is None or team is None:
            return None
        channel = _str(_dict(body.get("channel")).get("id")) or _str(container.get("channel_id"))
        trigger = _str(body.get("trigger_id"))
        event_id = f"act-{trigger}" if trigger else None
        self._remember_responder(event_id, _str(body.get("response_url")), channel, user)
        ref = ConversationRef(PLATFORM, team, channel, user, thread_id=_str(container.get("thread_ts")),
                              is_dm=(channel or "").startswith("D"))
        return ButtonClicked(**self._common(event_id, ref, await self._profiles.sender(user)),
                             action_id=action_id)

    def _common(self, event_id: str | None, ref: ConversationRef, sender: Sender) -> dict[str, Any]:
        return {"platform": PLATFORM, "event_id": event_id, "ref": ref, "sender": sender,
                "ts": self._clock.now()}

    def _remember_responder(self, event_id: str | None, url: str | None, channel: str | None,
                            user: str) -> None:
        if event_id is not None and url is not None and url.startswith(("https://", "http://")):
            self._conversations.responders.put(event_id, Responder(url=url, channel_id=channel, user_id=user))
