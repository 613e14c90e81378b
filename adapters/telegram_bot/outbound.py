"""Core messages -> Bot API `sendMessage` arguments, and Bot API errors -> the core's send errors.

- Text is the core's markup rendered as Telegram HTML (bot.markup.to_telegram_html): everything escaped.
- Buttons are an inline keyboard; each button's callback data is our opaque action id (at most 64 bytes, the
  Bot API's limit: a longer one is refused here rather than by Telegram).
- A DM goes to the member's user id, which is their private chat with the bot. Telegram has no ephemeral
  messages (the adapter declares so and the core turns them into DMs; one arriving anyway goes privately too).
- Threads: a forum topic id is sent as `message_thread_id`; a reply chain "r<id>" as a reply to its root.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, ReplyParameters
from telegram.constants import ParseMode
from telegram.error import (
    BadRequest,
    ChatMigrated,
    Forbidden,
    InvalidToken,
    NetworkError,
    RetryAfter,
    TelegramError,
)

from adapters.telegram_bot.inbound import REPLY_THREAD
from bot.markup import to_telegram_html
from bot.ports import PermanentFailure, RetryLater, SendError, TransientFailure
from bot.replies import OutboundButton, OutboundMessage, Visibility

MAX_CALLBACK_DATA = 64  # bytes
BUTTONS_PER_ROW = 2
PRIVATE = (Visibility.DM, Visibility.EPHEMERAL)
# What Telegram says when a member never started the bot, blocked it, or deleted their account.
_GONE = ("chat not found", "user not found", "user is deactivated", "peer_id_invalid")


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One sendMessage call: its arguments, and whether it goes to a member's private chat."""

    chat_id: int
    private: bool
    kwargs: dict[str, Any]


def outgoing(message: OutboundMessage) -> Outgoing:
    """The sendMessage call for `message`; PermanentFailure when it cannot be addressed or encoded."""
    if message.visibility in PRIVATE:
        target, thread = message.user_id or message.channel_id, None
    else:
        target, thread = message.channel_id or message.user_id, message.thread_id
    chat_id = _number(target, "chat")
    kwargs: dict[str, Any] = {"chat_id": chat_id, "text": to_telegram_html(message.text),
                              "parse_mode": ParseMode.HTML}
    if thread:
        if thread.startswith(REPLY_THREAD):
            root = _number(thread[len(REPLY_THREAD):], "thread")
            kwargs["reply_parameters"] = ReplyParameters(message_id=root, allow_sending_without_reply=True)
        else:
            kwargs["message_thread_id"] = _number(thread, "thread")
    if message.buttons:
        kwargs["reply_markup"] = keyboard(message.buttons)
    # A positive chat id is a user: private chats share their id with the member.
    return Outgoing(chat_id=chat_id, private=chat_id > 0, kwargs=kwargs)


def keyboard(buttons: tuple[OutboundButton, ...]) -> InlineKeyboardMarkup:
    for button in buttons:
        if len(button.action_id.encode("utf-8")) > MAX_CALLBACK_DATA:
            raise PermanentFailure("button action id longer than Telegram's 64 bytes of callback data")
    cells = [InlineKeyboardButton(text=b.label, callback_data=b.action_id) for b in buttons]
    rows = [cells[i : i + BUTTONS_PER_ROW] for i in range(0, len(cells), BUTTONS_PER_ROW)]
    return InlineKeyboardMarkup(rows)


def send_error(err: TelegramError, *, private: bool) -> SendError:
    """The core's reading of a Bot API failure. Reasons name the failure, never the message."""
    if isinstance(err, RetryAfter):
        return RetryLater(retry_seconds(err), "telegram_flood_control")
    if isinstance(err, Forbidden):
        # In a private chat: blocked, or never started. In a group: the bot was removed from it.
        return PermanentFailure("telegram_forbidden", unreachable=private)
    if isinstance(err, BadRequest):  # a subclass of NetworkError: before it
        description = str(err)[:120]
        gone = private and any(marker in description.lower() for marker in _GONE)
        return PermanentFailure(f"telegram_bad_request: {description}", unreachable=gone)
    if isinstance(err, ChatMigrated):
        return PermanentFailure("telegram_chat_migrated")
    if isinstance(err, InvalidToken):
        return PermanentFailure("telegram_invalid_token")
    if isinstance(err, NetworkError):  # timeouts, 5xx, connection errors
        return TransientFailure(f"telegram_network: {type(err).__name__}")
    return TransientFailure(f"telegram_error: {type(err).__name__}")


def retry_seconds(err: RetryAfter) -> float:
    """Retry-After in seconds, whichever type this PTB version hands out (int, float or timedelta)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # PTB 22 warns that the attribute becomes a timedelta
        value: Any = err.retry_after
    seconds = value.total_seconds() if isinstance(value, timedelta) else float(value)
    return max(seconds, 0.0)


def _number(raw: str | None, what: str) -> int:
    try:
        return int(raw or "")
    except ValueError:
        raise PermanentFailure(f"not a Telegram {what} id") from None
