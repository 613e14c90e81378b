"""Block Kit for messages with buttons: the text in a section, the buttons in actions blocks.

Each button's `action_id` is the core's opaque id, so a click comes back as exactly what the core sent
(bot.replies.encode_action); no value is needed. Limits are Slack's: 3000 characters of section text,
75 of button label, 255 of action id, 25 elements per actions block.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.replies import OutboundButton

SECTION_TEXT = 3000
BUTTON_LABEL = 75
ACTION_ID = 255
PER_BLOCK = 25
STYLES = ("primary", "danger")


def button(item: OutboundButton) -> dict[str, Any]:
    label = item.label.strip() or "…"
    element: dict[str, Any] = {
        "type": "button",
        "text": {"type": "plain_text", "text": label[:BUTTON_LABEL], "emoji": True},
        "action_id": item.action_id[:ACTION_ID],
    }
    if item.style in STYLES:
        element["style"] = item.style
    return element


def render_blocks(text: str, buttons: Sequence[OutboundButton]) -> list[dict[str, Any]] | None:
    """The blocks of a message, or None when plain text says it all (no buttons)."""
    if not buttons:
        return None
    blocks: list[dict[str, Any]] = []
    if text.strip():
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": text[:SECTION_TEXT]}})
    for start in range(0, len(buttons), PER_BLOCK):
        chunk = buttons[start : start + PER_BLOCK]
        blocks.append({"type": "actions", "block_id": f"agora-actions-{start // PER_BLOCK}",
                       "elements": [button(item) for item in chunk]})
    return blocks
