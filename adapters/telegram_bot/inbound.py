"""Telegram updates -> core events. Pure translation: no network, no state, so every rule is easy to test.

How Telegram's shapes map onto the core's:
- The workspace is the bot itself (its user id): a member talks to it in groups and in private, and must be
  one member in both, so the group cannot be the workspace. Groups and private chats are channels.
- A private chat is a DM (`is_dm`); its chat id is the user's id, which is also where DMs go.
- Threads: a forum topic is a thread (`message_thread_id`); in other groups a reply chain is one, named
  "r<root message id>" so that sending can answer it with `reply_parameters` instead of a topic id.
- `/name@bot args` is a command (`/start CODE` deep links included); a command addressed to another bot is
  not ours. A group message mentions the bot when it @mentions it or replies to one of its messages.
- A button press is the callback query's data, which is exactly the action id we put there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from telegram import CallbackQuery, Chat, Message, MessageEntity, MessageReactionUpdated, Update, User

from bot.events import (
    ButtonClicked,
    CommandInvoked,
    ConversationRef,
    Event,
    MemberJoined,
    MemberLeft,
    MessageReceived,
    ReactionAdded,
    Sender,
)
from bot.text import clean_text

PLATFORM = "telegram"
GROUPS = frozenset({Chat.GROUP, Chat.SUPERGROUP})
REPLY_THREAD = "r"  # thread ids of reply chains start with it; forum topic ids are plain numbers
MAX_NAME = 200

_COMMAND = re.compile(r"^/(?P<name>[A-Za-z0-9_]{1,64})(?:@(?P<bot>[A-Za-z0-9_]{1,64}))?(?:\s+(?P<args>.*))?$",
                      re.DOTALL)
_SPACES = re.compile(r"[ \t]{2,}")


@dataclass(frozen=True, slots=True)
class BotIdentity:
    """Who the bot is on Telegram (from getMe): to recognise mentions, replies and its own messages."""

    id: int
    username: str

    @property
    def workspace(self) -> str:
        return str(self.id)


def translate(update: Update, me: BotIdentity, now: datetime) -> list[Event]:
    """The events an update stands for: usually one, several for a batch of new members, none for the
    kinds Agora does not use (edits, channel posts, polls, inline queries...)."""
    if update.callback_query is not None:
        button = _button(update.update_id, update.callback_query, me, now)
        return [button] if button is not None else []
    if update.message_reaction is not None:
        reaction = _reaction(update.update_id, update.message_reaction, me, now)
        return [reaction] if reaction is not None else []
    message = update.message
    if message is None or message.chat.type not in GROUPS | {Chat.PRIVATE}:
        return []
    if message.new_chat_members:
        return _joined(update.update_id, message, me, now)
    if message.left_chat_member is not None:
        return _left(update.update_id, message, message.left_chat_member, me, now)
    user = message.from_user
    if user is None or user.id == me.id:
        return []
    raw = message.text if message.text is not None else message.caption
    if not raw:
        return []  # stickers, photos without a caption, service messages
    text = clean_text(raw)
    event_id, ref, sender = str(update.update_id), _ref(message, user, me), sender_of(user)
    command = _COMMAND.match(text.strip())
    if command is not None:
        addressed_to = command.group("bot")
        if addressed_to is not None and addressed_to.lower() != me.username.lower():
            return []  # "/help@another_bot" in a group with several bots
        return [CommandInvoked(platform=PLATFORM, event_id=event_id, ref=ref, sender=sender, ts=now,
                               name=command.group("name"), args=(command.group("args") or "").strip())]
    mentioned, text = _strip_mention(message, text, me)
    return [MessageReceived(platform=PLATFORM, event_id=event_id, ref=ref, sender=sender, ts=now, text=text,
                            mentions_bot=mentioned or _replies_to_bot(message, me))]


def sender_of(user: User) -> Sender:
    name = clean_text(user.full_name or user.username or str(user.id), limit=MAX_NAME)
    return Sender(user_id=str(user.id), display_name=name, locale=user.language_code, is_bot=user.is_bot)


def thread_of(message: Message) -> str | None:
    """The thread a group message belongs to: its forum topic, or the root of the reply chain it is in."""
    if message.chat.type not in GROUPS:
        return None
    if message.is_topic_message and message.message_thread_id:
        return str(message.message_thread_id)
    reply = message.reply_to_message
    if reply is not None:
        return f"{REPLY_THREAD}{message.message_thread_id or reply.message_id}"
    return None


def _ref(message: Message, user: User, me: BotIdentity) -> ConversationRef:
    private = message.chat.type == Chat.PRIVATE
    return ConversationRef(PLATFORM, me.workspace, str(message.chat.id), str(user.id),
                           thread_id=thread_of(message), is_dm=private)


def _strip_mention(message: Message, text: str, me: BotIdentity) -> tuple[bool, str]:
    """Whether the bot is @mentioned (by username, or by a text mention), and the text without the mention."""
    mentioned = False
    handle = re.compile(rf"(?<![\w@])@{re.escape(me.username)}\b", re.IGNORECASE)
    if handle.search(text):
        mentioned, text = True, handle.sub(" ", text)
    entities = message.parse_entities([MessageEntity.TEXT_MENTION]) if message.text else {}
    for entity, label in entities.items():
        if entity.user is not None and entity.user.id == me.id:
            mentioned, text = True, text.replace(label, " ", 1)
    return mentioned, (_SPACES.sub(" ", text).strip() if mentioned else text)


def _replies_to_bot(message: Message, me: BotIdentity) -> bool:
    reply = message.reply_to_message
    if reply is None or reply.from_user is None or reply.from_user.id != me.id:
        return False
    # In a forum every message of a topic "replies" to the topic's first message: that is not a reply.
    return not (message.is_topic_message and reply.message_id == message.message_thread_id)


def _joined(update_id: int, message: Message, me: BotIdentity, now: datetime) -> list[Event]:
    members = [m for m in message.new_chat_members if m.id != me.id and not m.is_bot]
    events: list[Event] = []
    for member in members:
        # One update can add several members; each join needs its own stable id.
        event_id = str(update_id) if len(members) == 1 else f"{update_id}:{member.id}"
        ref = ConversationRef(PLATFORM, me.workspace, str(message.chat.id), str(member.id))
        events.append(MemberJoined(platform=PLATFORM, event_id=event_id, ref=ref, sender=sender_of(member),
                                   ts=now))
    return events


def _left(update_id: int, message: Message, member: User, me: BotIdentity, now: datetime) -> list[Event]:
    if member.id == me.id or member.is_bot:
        return []
    ref = ConversationRef(PLATFORM, me.workspace, str(message.chat.id), str(member.id))
    return [MemberLeft(platform=PLATFORM, event_id=str(update_id), ref=ref, sender=sender_of(member), ts=now)]


def _reaction(update_id: int, changed: MessageReactionUpdated, me: BotIdentity,
              now: datetime) -> ReactionAdded | None:
    """A reaction added (not removed) by a member: activity. Anonymous group admins (no user) are not
    members of anything, and neither is the bot."""
    user = changed.user
    if user is None or user.id == me.id or user.is_bot or not changed.new_reaction:
        return None
    kind = changed.new_reaction[-1]
    emoji = getattr(kind, "emoji", None) or getattr(kind, "type", "")
    private = changed.chat.type == Chat.PRIVATE
    ref = ConversationRef(PLATFORM, me.workspace, str(changed.chat.id), str(user.id), is_dm=private)
    return ReactionAdded(platform=PLATFORM, event_id=str(update_id), ref=ref, sender=sender_of(user), ts=now,
                         emoji=clean_text(str(emoji), limit=64), message_id=str(changed.message_id))


def _button(update_id: int, query: CallbackQuery, me: BotIdentity, now: datetime) -> ButtonClicked | None:
    if not query.data:
        return None  # a game button: nothing of ours
    user = query.from_user
    origin = query.message
    if origin is None:  # a button on an inline-mode message: no chat to answer in but the member's own
        ref = ConversationRef(PLATFORM, me.workspace, str(user.id), str(user.id), is_dm=True)
    else:
        thread = thread_of(origin) if isinstance(origin, Message) else None
        ref = ConversationRef(PLATFORM, me.workspace, str(origin.chat.id), str(user.id), thread_id=thread,
                              is_dm=origin.chat.type == Chat.PRIVATE)
    return ButtonClicked(platform=PLATFORM, event_id=str(update_id), ref=ref, sender=sender_of(user), ts=now,
                         action_id=clean_text(query.data, limit=64))
