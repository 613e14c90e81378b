"""How the bot's messages look in a terminal: plain text, who they are for, and nothing a terminal would obey.

The core's markup becomes plain text (bot.markup.to_plain). Control characters other than newlines and tabs
are dropped, so a display name or a relayed message from another platform cannot move the cursor, change
colours or clear the screen.
"""

from __future__ import annotations

import re

from bot.i18n import Translator
from bot.markup import to_plain
from bot.replies import OutboundMessage, Visibility

BOT_NAME = "Agora"

_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """Text safe to write to a terminal: C0 and C1 controls (escape sequences among them) removed."""
    return _UNPRINTABLE.sub("", text)


def is_direct(message: OutboundMessage) -> bool:
    """A DM, or a message in a member's own console conversation (channel "dm-<user>")."""
    return message.visibility is Visibility.DM or (message.channel_id or "").startswith("dm-")


def format_message(message: OutboundMessage, current_user: str, names: dict[str, str], t: Translator) -> str:
    """One message as printed: `Agora: text`, or `Agora → Awa: text` when it is meant for someone else."""
    text = printable(to_plain(message.text))
    if is_direct(message):
        recipient = message.user_id
        if recipient is None or recipient == current_user:
            return t("console.says", bot=BOT_NAME, text=text)
        name = printable(names.get(recipient, recipient))
        return t("console.says_to", bot=BOT_NAME, name=name, text=text)
    channel = printable(message.channel_id or "")
    return t("console.says_in", bot=BOT_NAME, channel=channel, text=text)
