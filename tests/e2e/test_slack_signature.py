"""Authenticity: only requests signed with the signing secret, within Slack's 5-minute window, reach the core.
Forged, stale, unsigned or tampered requests get 401 and leave no trace: nothing sent, nothing stored."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.store.models import Member, ProcessedEvent
from tests.contract.harness import settle
from tests.contract.slack_harness import SlackHarness, harness


@pytest.fixture
async def h(database_url: str, engine: AsyncEngine) -> AsyncIterator[SlackHarness]:
    async with harness(database_url, engine) as started:
        yield started


def join_body(h: SlackHarness, user: str) -> bytes:
    return json.dumps(h.fake.event_body({"type": "team_join", "user": {"id": user, "name": user}})).encode()


async def count(engine: AsyncEngine, model: type[Member] | type[ProcessedEvent]) -> int:
    async with engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(model))).scalar_one())


async def test_forged_stale_and_tampered_requests_are_refused_without_effect(h: SlackHarness,
                                                                             engine: AsyncEngine) -> None:
    fake = h.fake
    body = join_body(h, "U400")
    now = int(time.time())
    attempts = {
        "wrong secret": (body, fake.signature_headers(body, secret="not-the-secret")),
        "stale": (body, fake.signature_headers(body, timestamp=now - 6 * 60)),
        "from the future": (body, fake.signature_headers(body, timestamp=now + 6 * 60)),
        "unsigned": (body, {}),
        "timestamp not a number": (body, fake.signature_headers(body) | {"X-Slack-Request-Timestamp": "x"}),
        "tampered body, replayed signature": (join_body(h, "U401"), fake.signature_headers(body)),
        "unsigned garbage": (b"{not json", {}),
    }
    for name, (raw, headers) in attempts.items():
        delivery = await fake.post(raw, "application/json", headers)
        assert delivery.status == 401, name
    await settle(h, quiet=0.5)
    assert fake.sent == []
    assert await count(engine, ProcessedEvent) == 0
    assert await count(engine, Member) == 0


async def test_a_properly_signed_request_gets_through(h: SlackHarness) -> None:
    """The control for the test above: the same body, signed now with the secret, is handled."""
    delivery = await h.fake.post(join_body(h, "U402"), "application/json")
    assert delivery.status == 200
    await settle(h, quiet=0.5)
    assert any(s.kind == "dm" and s.user == "U402" for s in h.fake.sent)


async def test_url_verification_is_answered_when_signed(h: SlackHarness) -> None:
    raw = json.dumps({"token": "legacy", "challenge": "c-123", "type": "url_verification"}).encode()
    assert json.loads((await h.fake.post(raw, "application/json")).body) == {"challenge": "c-123"}
    forged = await h.fake.post(raw, "application/json", h.fake.signature_headers(raw, secret="nope"))
    assert forged.status == 401
