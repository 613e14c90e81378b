"""Group administrators: Telegram does not say in a message whether its sender administers the group, so the
adapter asks (getChatAdministrators) once per group every few minutes and flags the sender of group events
(`Sender.is_platform_admin`). The core makes a group's admins facilitators when it first sees them, as it does
for Slack workspace admins and Discord administrators. Private chats carry no such information."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot.events import Event

log = logging.getLogger("agora.telegram")

FRESH_FOR = 600.0  # seconds a group's list of admins is trusted
FAILED_FOR = 60.0  # after an error (the bot was removed, a network fault) ask again sooner


class GroupAdmins:
    def __init__(self, fetch: Callable[[int], Awaitable[set[str]]], monotonic: Callable[[], float]) -> None:
        self._fetch = fetch
        self._monotonic = monotonic
        self._known: dict[str, tuple[float, frozenset[str]]] = {}

    async def of(self, chat_id: str) -> frozenset[str]:
        now = self._monotonic()
        hit = self._known.get(chat_id)
        if hit is not None and hit[0] > now:
            return hit[1]
        try:
            admins, fresh = frozenset(await self._fetch(int(chat_id))), FRESH_FOR
        except Exception as exc:  # never fatal: the member is simply not flagged as an admin
            log.info("group admins unavailable", extra={"error": type(exc).__name__})
            admins, fresh = frozenset(), FAILED_FOR
        if len(self._known) > 10_000:
            self._known.clear()
        self._known[chat_id] = (now + fresh, admins)
        return admins

    async def flag(self, event: Event) -> Event:
        """`event` with its sender flagged when they administer the group it comes from."""
        ref = event.ref
        if ref.is_dm or ref.channel_id is None or not ref.channel_id.lstrip("-").isdigit():
            return event
        if event.sender.user_id not in await self.of(ref.channel_id):
            return event
        return replace(event, sender=replace(event.sender, is_platform_admin=True))
