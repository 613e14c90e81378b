"""Preparing a stored outbox row for one adapter: the visible fallback for platforms without buttons."""

from __future__ import annotations

from typing import Any

from bot.ports import Capabilities
from bot.replies import Attachment, OutboundButton, OutboundMessage, Visibility


def to_message(row: Any, caps: Capabilities) -> OutboundMessage:
    """Build the OutboundMessage from an outbox row. Without buttons, choices are numbered in the text and the
    member answers with the number (bot.middleware.choices turns it back into a button click)."""
    buttons = tuple(OutboundButton(b["label"], b["action_id"], b.get("style", "default")) for b in row.buttons or [])
    text = row.text
    if buttons and not caps.buttons:
        lines = [f"{i}. {b.label}" for i, b in enumerate(buttons, start=1)]
        text = text + "\n\n" + "\n".join(lines)
        buttons = ()
    files = tuple(Attachment(f["name"], f["path"], f.get("media_type", "application/octet-stream"))
                  for f in getattr(row, "attachments", None) or [])
    if files and not caps.files:  # the visible fallback: where the file was written
        text = text + "\n\n" + "\n".join(f"📎 {f.name}: `{f.path}`" for f in files)
        files = ()
    if len(text) > caps.max_text:
        text = text[: caps.max_text - 1] + "…"
    return OutboundMessage(
        id=row.id,
        idempotency_key=row.idempotency_key,
        platform=row.platform,
        workspace_id=row.workspace_id,
        channel_id=row.channel_id,
        user_id=row.user_id,
        thread_id=row.thread_id,
        visibility=Visibility(row.visibility),
        text=text,
        buttons=buttons,
        attempts=row.attempts,
        in_reply_to=getattr(row, "in_reply_to", None),
        member_id=row.member_id,
        attachments=files,
    )
