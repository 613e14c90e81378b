"""Files (a stats chart, CSV exports) on Telegram: sendPhoto for images, sendDocument for the rest, read from
the path the core wrote them to (AGORA_DATA_DIR). When the text fits in a caption (1,024 characters) and there
is one file, text and file travel in one call, so a retry can never send one without the other; otherwise the
text goes first, then each file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from telegram import Bot, InputFile, Message

from adapters.telegram_bot.outbound import Outgoing
from bot.ports import PermanentFailure
from bot.replies import Attachment

MAX_CAPTION = 1024
MAX_UPLOAD = 50 * 1024 * 1024  # the Bot API's limit for bots


def _input(attachment: Attachment) -> InputFile:
    path = Path(attachment.path)
    try:
        size = path.stat().st_size
    except OSError:
        raise PermanentFailure("attachment file missing") from None
    if size > MAX_UPLOAD:
        raise PermanentFailure("attachment larger than Telegram's 50 MB")
    return InputFile(path.read_bytes(), filename=attachment.name)


async def _send_file(bot: Bot, attachment: Attachment, target: dict[str, Any], extra: dict[str, Any]) -> Message:
    if attachment.media_type.startswith("image/"):
        return await bot.send_photo(photo=_input(attachment), **target, **extra)
    return await bot.send_document(document=_input(attachment), **target, **extra)


async def send_with_files(bot: Bot, call: Outgoing, attachments: tuple[Attachment, ...]) -> Message:
    """Send `call`'s text and `attachments`; returns the first message sent (its id identifies the send)."""
    kwargs = dict(call.kwargs)
    text = kwargs.pop("text")
    target: dict[str, Any] = {k: kwargs.pop(k) for k in ("chat_id", "message_thread_id", "reply_parameters")
                              if k in kwargs}
    if len(attachments) == 1 and len(text) <= MAX_CAPTION:
        return await _send_file(bot, attachments[0], target, {"caption": text, **kwargs})
    first = await bot.send_message(text=text, **target, **kwargs)
    for attachment in attachments:
        await _send_file(bot, attachment, target, {})
    return first
