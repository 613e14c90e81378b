"""Who a Slack user is: display name, locale and admin flag, for the core's Sender.

Message, command and action payloads carry a bare user id; `users.info` (with `include_locale`) tells the
rest. Answers are cached for an hour, and a failed or slow lookup only costs the extras: the event goes on
with the bare id, so a Slack hiccup never blocks a member. `team_join` carries the user object, but without
the locale: it is looked up too (so the welcome is in the member's language), the object standing in if that
fails.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack_app.memory import Recent
from bot.clock import Clock
from bot.events import Sender
from bot.text import clean_text

log = logging.getLogger("agora.slack")

LOOKUP_TIMEOUT = 1.0  # seconds; inside the ack budget of the event that needed it
NAME_LIMIT = 200


def sender_from_user(user: dict[str, Any]) -> Sender:
    """A Sender from a Slack user object (users.info, team_join)."""
    profile = user.get("profile")
    if not isinstance(profile, dict):
        profile = {}
    name = ""
    candidates = (profile.get("display_name"), profile.get("real_name"), user.get("real_name"),
                  user.get("name"))
    for candidate in candidates:
        if isinstance(candidate, str) and candidate.strip():
            name = candidate
            break
    locale = user.get("locale")
    return Sender(
        user_id=str(user.get("id", "")),
        display_name=clean_text(name, limit=NAME_LIMIT).strip(),
        locale=locale if isinstance(locale, str) else None,
        is_platform_admin=bool(user.get("is_admin") or user.get("is_owner")),
        is_bot=bool(user.get("is_bot")) or user.get("id") == "USLACKBOT",
    )


class Profiles:
    def __init__(self, client: AsyncWebClient, clock: Clock, *, ttl: float = 3600.0,
                 size: int = 50_000) -> None:
        self._client = client
        self._known: Recent[str, Sender] = Recent(clock, ttl=ttl, size=size)

    async def sender(self, user_id: str, given: dict[str, Any] | None = None) -> Sender:
        """The cached Sender, else one `users.info` call, else what the payload gave (`given`, a user object),
        else the bare id."""
        known = self._known.get(user_id)
        if known is not None:
            return known
        fallback = {**(given or {}), "id": user_id}
        try:
            async with asyncio.timeout(LOOKUP_TIMEOUT):
                answer = await self._client.users_info(user=user_id, include_locale=True)
            user = answer.get("user")
        except Exception as err:  # any failure: carry on with what the payload said
            log.info("slack profile lookup failed", extra={"user_id": user_id, "error": type(err).__name__})
            return sender_from_user(fallback)
        if not isinstance(user, dict):
            return sender_from_user(fallback)
        sender = sender_from_user({**fallback, **user, "id": user_id})
        self._known.put(user_id, sender)
        return sender
