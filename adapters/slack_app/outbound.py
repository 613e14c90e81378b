"""OutboundMessage -> one Slack call. The outbox decides when; this decides how, and says what went wrong.

- An answer to a slash command or a button click goes to the interaction's `response_url` while it is valid
  (30 minutes, 5 uses): it works in channels the bot is not a member of and in DMs between people. A CHANNEL
  answer is `in_channel`, anything private `ephemeral`. Once the URL is spent, the Web API path below is used.
- DM: `conversations.open` (its channel id cached per member, that method is rate-limited hard), then
  `chat.postMessage`. A member who cannot be messaged -> PermanentFailure(unreachable=True).
- EPHEMERAL: `chat.postEphemeral` in the channel, to the member. THREAD and CHANNEL: `chat.postMessage` with
  `thread_ts` when there is a thread (a THREAD answer to a top-level message starts one under it).
- The text is rendered with bot.markup.to_slack (mass mentions neutralised); buttons are Block Kit actions.
- Files (a chart, CSV exports) go up with `files_upload_v2` (getUploadURLExternal, the upload, then
  completeUploadExternal) into the channel, or the member's DM when the message is private (Slack has no
  ephemeral files); the text is the upload's comment, or a message of its own first when it carries buttons.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack_app.blocks import render_blocks
from adapters.slack_app.failures import api_failure, error_code, webhook_failure
from adapters.slack_app.memory import RESPONSE_URL_USES, Conversations
from bot.markup import to_slack
from bot.ports import PermanentFailure, SendResult, TransientFailure
from bot.replies import OutboundMessage, Visibility

NETWORK_ERRORS = (aiohttp.ClientError, TimeoutError, OSError)
Blocks = list[dict[str, Any]] | None
WEBHOOK_TIMEOUT = 10


class Outbound:
    def __init__(self, client: AsyncWebClient, conversations: Conversations,
                 sdk_logger: logging.Logger) -> None:
        self._client = client
        self._conversations = conversations
        self._sdk_logger = sdk_logger

    async def send(self, message: OutboundMessage) -> SendResult:
        text = to_slack(message.text)
        blocks = render_blocks(text, message.buttons)
        channel = message.channel_id
        dm = message.visibility is Visibility.DM or channel is None
        try:
            if message.attachments:
                return await self._with_files(message, text, blocks)
            answered = await self._respond(message, text, blocks)
            if answered is not None:
                return answered
            if dm or channel is None:
                return await self._dm(message, text, blocks)
            if message.visibility is Visibility.EPHEMERAL and message.user_id:
                answer = await self._client.chat_postEphemeral(
                    channel=channel, user=message.user_id, text=text, blocks=blocks,
                    thread_ts=message.thread_id)
                return SendResult(_str(answer.get("message_ts")))
            answer = await self._client.chat_postMessage(channel=channel, text=text, blocks=blocks,
                                                         thread_ts=self._thread(message))
            return SendResult(_str(answer.get("ts")))
        except SlackApiError as err:
            raise api_failure(err, dm=dm) from None
        except NETWORK_ERRORS as err:
            raise TransientFailure(type(err).__name__) from None

    async def _with_files(self, message: OutboundMessage, text: str, blocks: Blocks) -> SendResult:
        private = message.visibility in (Visibility.DM, Visibility.EPHEMERAL) or message.channel_id is None
        channel = await self._dm_channel(message) if private else message.channel_id
        assert channel is not None
        thread = None if private else self._thread(message)
        uploads = _uploads(message)
        first: str | None = None
        comment: str | None = text
        if blocks:  # buttons: the message first, the files under it
            posted = await self._client.chat_postMessage(channel=channel, text=text, blocks=blocks, thread_ts=thread)
            first, comment = _str(posted.get("ts")), None
        await self._client.files_upload_v2(file_uploads=uploads, channel=channel, initial_comment=comment,
                                           thread_ts=thread)
        return SendResult(first)

    async def _dm_channel(self, message: OutboundMessage) -> str:
        if not message.user_id:
            raise PermanentFailure("no_recipient")
        key = (message.workspace_id, message.user_id)
        channel = self._conversations.dm_channels.get(key)
        if channel is None:
            opened = await self._client.conversations_open(users=message.user_id)
            channel = _str(_dict(opened.get("channel")).get("id"))
            if channel is None:
                raise TransientFailure("conversations_open_without_channel")
            self._conversations.dm_channels.put(key, channel)
        return channel

    def _thread(self, message: OutboundMessage) -> str | None:
        if message.thread_id is not None:
            return message.thread_id
        if message.visibility is Visibility.THREAD and message.in_reply_to is not None:
            return self._conversations.messages.get(message.in_reply_to)
        return None

    async def _dm(self, message: OutboundMessage, text: str, blocks: Blocks) -> SendResult:
        key = (message.workspace_id, message.user_id or "")
        for attempt in range(2):
            cached = self._conversations.dm_channels.get(key) is not None
            channel = await self._dm_channel(message)
            try:
                answer = await self._client.chat_postMessage(channel=channel, text=text, blocks=blocks)
            except SlackApiError as err:
                self._conversations.dm_channels.drop(key)
                if cached and attempt == 0 and error_code(err) == "channel_not_found":
                    continue  # a stale cached channel: open the DM again once
                raise
            return SendResult(_str(answer.get("ts")))
        raise TransientFailure("dm_channel_unavailable")  # not reached: the loop returns or raises

    async def _respond(self, message: OutboundMessage, text: str, blocks: Blocks) -> SendResult | None:
        """Answer through the interaction's response_url; None when there is none (or it is spent)."""
        channel = message.channel_id
        if message.in_reply_to is None or message.visibility is Visibility.THREAD or channel is None:
            return None
        responder = self._conversations.responders.get(message.in_reply_to)
        if (responder is None or responder.channel_id != channel or responder.user_id != message.user_id
                or responder.uses >= RESPONSE_URL_USES):
            return None
        own_dm = self._conversations.dm_channels.get((message.workspace_id, responder.user_id)) == channel
        public = message.visibility is Visibility.CHANNEL or (message.visibility is Visibility.DM and own_dm)
        hook = AsyncWebhookClient(responder.url, timeout=WEBHOOK_TIMEOUT, retry_handlers=[],
                                  logger=self._sdk_logger)
        answer = await hook.send(text=text, blocks=blocks, replace_original=False,
                                 response_type="in_channel" if public else "ephemeral")
        if 200 <= answer.status_code < 300:
            responder.uses += 1
            return SendResult(None)
        failure = webhook_failure(answer.status_code, answer.headers)
        if failure is not None:
            raise failure
        self._conversations.responders.drop(message.in_reply_to)  # expired or used up: the Web API it is
        return None


def _uploads(message: OutboundMessage) -> list[dict[str, Any]]:
    uploads = []
    for attachment in message.attachments:
        path = Path(attachment.path)
        if not path.is_file():
            raise PermanentFailure("attachment_missing")
        uploads.append({"file": str(path), "filename": attachment.name, "title": attachment.name})
    return uploads


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}

