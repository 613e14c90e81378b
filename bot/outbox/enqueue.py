"""Turning a handler's Replies into outbox rows: targets resolved, visibility fallbacks applied, button
payloads stored, and an idempotency key that is the same if the same event is handled twice."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any

from bot.events import ConversationRef
from bot.ports import Capabilities
from bot.replies import Reply, Visibility, encode_action


def effective_visibility(visibility: Visibility, caps: Capabilities) -> Visibility:
    """The visible fallbacks of DESIGN.md: no ephemeral -> DM; no threads -> the channel."""
    if visibility is Visibility.EPHEMERAL and not caps.ephemeral:
        return Visibility.DM
    if visibility is Visibility.THREAD and not caps.threads:
        return Visibility.CHANNEL
    return visibility


def outbox_rows(
    replies: list[Reply],
    *,
    origin: ConversationRef,
    community_id: int,
    member_id: int | None,
    key_prefix: str | None,
    caps_for: Any,
    event_id: str | None = None,
    now: datetime,
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Rows for the outbox and action_payloads tables. `caps_for(platform)` gives a platform's Capabilities."""
    prefix = key_prefix or f"local:{uuid.uuid4().hex}"
    rows: list[dict[str, Any]] = []
    actions: list[dict[str, Any]] = []
    for index, reply in enumerate(replies):
        ref = reply.target or origin
        caps: Capabilities = caps_for(ref.platform)
        visibility = effective_visibility(reply.visibility, caps)
        channel_id, thread_id, user_id = ref.channel_id, ref.thread_id, ref.user_id
        if visibility is Visibility.DM:
            channel_id = ref.channel_id if ref.is_dm else None
            thread_id = None
        elif visibility is Visibility.CHANNEL and ref.is_dm:
            visibility = Visibility.DM
        buttons = []
        for button in reply.buttons:
            value = button.value
            if button.payload is not None:
                value = "#" + secrets.token_urlsafe(9)
                actions.append({"id": value[1:], "community_id": community_id, "action": button.action,
                                "payload": button.payload, "created_at": now})
            buttons.append({"label": button.label, "action_id": encode_action(button.action, value),
                            "style": button.style})
        rows.append({
            "community_id": community_id,
            "idempotency_key": f"{prefix}:{index}",
            "platform": ref.platform,
            "workspace_id": ref.workspace_id,
            "channel_id": channel_id,
            "user_id": user_id,
            "thread_id": thread_id,
            "member_id": member_id if reply.target is None else None,
            "visibility": visibility.value,
            "text": reply.text,
            "buttons": buttons,
            "status": "pending",
            "attempts": 0,
            "next_attempt_at": now,
            "created_at": now,
            "in_reply_to": event_id if reply.target is None else None,
            "attachments": [{"name": a.name, "path": a.path, "media_type": a.media_type}
                            for a in reply.attachments] or None,
        })
    return rows, actions
