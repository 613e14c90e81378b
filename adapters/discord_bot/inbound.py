"""Discord events in, core events out: messages, member joins and interactions become MessageReceived,
MemberJoined, CommandInvoked and ButtonClicked. Nothing here decides what to answer.

Threads: on Discord a thread is a channel of its own. A message in one gets `ref.channel_id` = the parent
channel and `ref.thread_id` = the thread's channel id, so replies go back into the thread.

DMs carry no guild, while the core knows members per workspace (guild). `Workspaces` gives a DM the guild the
member was last seen in; failing that the bot's only guild; failing that the first guild where Discord knows
the member (one REST look-up per guild, remembered); failing that the first guild.
"""

from __future__ import annotations

import logging
import re
from collections import OrderedDict
from datetime import datetime
from typing import Any

import discord

from adapters.discord_bot.interactions import APPLICATION_COMMAND, COMPONENT, Incoming
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

log = logging.getLogger("agora.discord")

PLATFORM = "discord"
NO_GUILD = "@me"  # the workspace of a DM when the bot is in no guild at all
BARE_COMMANDS = frozenset({"help", "aide"})
MAX_LOOKUPS = 10  # guilds asked about one member when resolving a DM's workspace
TEXT_MESSAGES = frozenset({discord.MessageType.default, discord.MessageType.reply})


class Workspaces:
    """Which guild a DM belongs to (see the module docstring). Memory only, bounded."""

    def __init__(self, client: discord.Client, size: int = 100_000) -> None:
        self._client = client
        self._size = size
        self._seen: OrderedDict[int, int] = OrderedDict()

    def saw(self, user_id: int, guild_id: int) -> None:
        self._seen[user_id] = guild_id
        self._seen.move_to_end(user_id)
        if len(self._seen) > self._size:
            self._seen.popitem(last=False)

    async def for_dm(self, user_id: int) -> str:
        known = self._seen.get(user_id)
        if known is not None:
            return str(known)
        guilds = sorted(guild.id for guild in self._client.guilds)
        if not guilds:
            return NO_GUILD
        if len(guilds) > 1:
            for guild_id in guilds[:MAX_LOOKUPS]:
                try:
                    await self._client.http.get_member(guild_id, user_id)
                except discord.HTTPException:
                    continue
                self.saw(user_id, guild_id)
                return str(guild_id)
        return str(guilds[0])


class Inbound:
    """Builds core events. `bot_id` is read when needed: it is known only once logged in."""

    def __init__(self, client: discord.Client, clock: Clock, workspaces: Workspaces) -> None:
        self._client = client
        self._clock = clock
        self.workspaces = workspaces

    def _bot_id(self) -> int | None:
        user = self._client.user
        return user.id if user is not None else None

    async def message(self, message: discord.Message) -> MessageReceived | None:
        """None for what is not a member's text: our own messages and system messages (pins, joins...)."""
        author = message.author
        if author.id == self._bot_id() or message.type not in TEXT_MESSAGES or message.webhook_id is not None:
            return None
        guild = message.guild
        channel = message.channel
        thread_id: str | None = None
        channel_id = str(channel.id)
        if isinstance(channel, discord.Thread):
            thread_id, channel_id = str(channel.id), str(channel.parent_id)
        if guild is not None:
            self.workspaces.saw(author.id, guild.id)
            workspace = str(guild.id)
        else:
            workspace = await self.workspaces.for_dm(author.id)
        bot_id = self._bot_id()
        # Members often pick the bot's own role in the mention list instead of the bot: both count.
        own_role = guild.self_role if guild is not None else None
        mentioned = (bot_id is not None and bot_id in message.raw_mentions) or (
            own_role is not None and own_role.id in message.raw_role_mentions)
        text = message.content
        if mentioned:
            text = re.sub(rf"<@!?{bot_id}>" + (rf"|<@&{own_role.id}>" if own_role else ""), "", text)
        ref = ConversationRef(PLATFORM, workspace, channel_id, str(author.id), thread_id=thread_id,
                              is_dm=guild is None)
        sender = Sender(user_id=str(author.id), display_name=author.display_name,
                        is_platform_admin=_is_admin(author), is_bot=author.bot)
        return MessageReceived(platform=PLATFORM, event_id=str(message.id), ref=ref, sender=sender,
                               ts=self._clock.now(), text=clean_text(text.strip()), mentions_bot=mentioned)

    async def member_joined(self, member: discord.Member) -> MemberJoined:
        guild = member.guild
        self.workspaces.saw(member.id, guild.id)
        # GUILD_MEMBER_ADD has no id of its own; the join time makes one that a gateway replay repeats.
        stamp = int(member.joined_at.timestamp()) if isinstance(member.joined_at, datetime) else 0
        system = guild.system_channel
        ref = ConversationRef(PLATFORM, str(guild.id), str(system.id) if system else None, str(member.id))
        sender = Sender(user_id=str(member.id), display_name=member.display_name, is_bot=member.bot)
        return MemberJoined(platform=PLATFORM, event_id=f"join:{guild.id}:{member.id}:{stamp}", ref=ref,
                            sender=sender, ts=self._clock.now())

    async def reaction(self, payload: discord.RawReactionActionEvent) -> ReactionAdded | None:
        """A reaction: activity only (who and when; the emoji is kept for handlers). The bot's own: None."""
        if payload.user_id == self._bot_id():
            return None
        if payload.guild_id is not None:
            self.workspaces.saw(payload.user_id, payload.guild_id)
            workspace = str(payload.guild_id)
        else:
            workspace = await self.workspaces.for_dm(payload.user_id)
        member = payload.member
        sender = Sender(user_id=str(payload.user_id), display_name=member.display_name if member else "",
                        is_platform_admin=_is_admin(member) if member else False,
                        is_bot=bool(member.bot) if member else False)
        ref = ConversationRef(PLATFORM, workspace, str(payload.channel_id), str(payload.user_id),
                              is_dm=payload.guild_id is None)
        event_id = f"react:{payload.message_id}:{payload.user_id}:{payload.emoji}"
        return ReactionAdded(platform=PLATFORM, event_id=event_id[:128], ref=ref, sender=sender,
                             ts=self._clock.now(), emoji=clean_text(str(payload.emoji), limit=64),
                             message_id=str(payload.message_id))

    async def interaction(self, incoming: Incoming) -> Event | None:
        """A command or a button press; None for the other kinds (autocomplete, modals...)."""
        if incoming.kind not in (APPLICATION_COMMAND, COMPONENT):
            return None
        if incoming.guild_id is not None:
            self.workspaces.saw(int(incoming.user_id), int(incoming.guild_id))
            workspace = incoming.guild_id
        else:
            workspace = await self.workspaces.for_dm(int(incoming.user_id))
        channel_id, thread_id = incoming.channel_id, None
        if incoming.parent_id is not None:
            channel_id, thread_id = incoming.parent_id, incoming.channel_id
        ref = ConversationRef(PLATFORM, workspace, channel_id, incoming.user_id, thread_id=thread_id,
                              is_dm=incoming.guild_id is None)
        sender = Sender(user_id=incoming.user_id, display_name=incoming.display_name, locale=incoming.locale,
                        is_platform_admin=incoming.is_admin, is_bot=incoming.is_bot)
        common: dict[str, Any] = {"platform": PLATFORM, "event_id": incoming.id, "ref": ref, "sender": sender,
                                  "ts": self._clock.now()}
        if incoming.kind == COMPONENT:
            custom_id = incoming.data.get("custom_id")
            if not isinstance(custom_id, str) or not custom_id:
                return None
            return ButtonClicked(**common, action_id=custom_id)
        name, args = command_line(incoming.data)
        return CommandInvoked(**common, name=name, args=args)


def command_line(data: Any) -> tuple[str, str]:
    """`/agora command:<c> args:<a>` -> ("agora", "c a"), read by the core's router as the group's `agora c`
    when there is one (`agora faq`, `agora stats`) and as `c` otherwise; a bare `/agora` -> ("agora", "")
    (help); `/help` and `/aide` -> themselves."""
    name = str(data.get("name") or "")
    options = {str(o.get("name")): o.get("value") for o in data.get("options") or [] if isinstance(o, dict)}
    if name in BARE_COMMANDS:
        return name, clean_text(str(options.get("args") or "")).strip()
    command = clean_text(str(options.get("command") or "")).strip().lstrip("/")
    args = clean_text(str(options.get("args") or "")).strip()
    return name or "agora", " ".join(part for part in (command, args) if part)


def _is_admin(author: discord.User | discord.Member) -> bool:
    if not isinstance(author, discord.Member):
        return False
    try:
        if author.guild.owner_id == author.id:
            return True
        perms = author.guild_permissions
    except (AttributeError, KeyError):  # a guild whose roles are not cached yet
        return False
    return perms.administrator or perms.manage_guild
