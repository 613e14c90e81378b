"""Bad input from Slack's side, properly signed: malformed bodies, unknown event types, payloads missing what
they need, huge messages and odd Unicode. Each is answered (400 for what cannot be parsed, 200 otherwise),
nothing crashes, and the adapter keeps working afterwards."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.contract.harness import settle, wait_for
from tests.contract.slack_harness import SlackHarness, harness

FORM = "application/x-www-form-urlencoded"
JSON = "application/json"


@pytest.fixture
async def h(database_url: str, engine: AsyncEngine) -> AsyncIterator[SlackHarness]:
    async with harness(database_url, engine) as started:
        yield started


def dm(h: SlackHarness, user: str, text: str) -> dict[str, Any]:
    return {"type": "message", "channel": h.fake.dm_channel(user), "channel_type": "im", "user": user,
            "text": text, "ts": h.fake.ts()}


async def test_malformed_bodies_get_400_and_change_nothing(h: SlackHarness) -> None:
    broken_click = dict(h.fake.action_payload("U500", "language.set|en"), actions=[])
    malformed = [
        (urlencode({"payload": json.dumps(broken_click)}).encode(), FORM),
        (b"{not json", JSON),
        (b"[1, 2, 3]", JSON),
        (b'{"type": "event_callback", "event": "not an object"}', JSON),
        (b"payload=%7Bbroken", FORM),
    ]
    for raw, content_type in malformed:
        delivery = await h.fake.post(raw, content_type)
        assert delivery.status == 400, raw
    # Not UTF-8: Slack never sends that, and the signature cannot even be checked (slack_sdk decodes first).
    assert (await h.fake.post(b"\xff\xfe\x00garbage", "application/json")).status in (400, 401)
    await settle(h, quiet=0.3)
    assert h.fake.sent == []


async def test_odd_payloads_are_acknowledged_and_ignored(h: SlackHarness) -> None:
    fake = h.fake
    odd_events: list[Any] = [
        {"type": "a_type_slack_invents_tomorrow", "user": "U500"},
        {"type": "message", "channel": "C1"},  # no user
        {"type": "message", "user": ["U500"], "channel": "C1", "text": "list as user"},
        {"type": "team_join", "user": "U500"},  # a bare id where the user object belongs
        {"type": "message", "subtype": "message_changed", "channel": "C1", "message": {"user": "U500"}},
        {"type": "message", "bot_id": "B999", "user": "U999", "channel": "C1", "text": "aide"},
    ]
    for event in odd_events:
        raw = json.dumps(fake.event_body(event)).encode()
        assert (await fake.post(raw, "application/json")).status == 200, event
    no_team = json.dumps({**fake.event_body(dm(h, "U500", "aide")), "team_id": None}).encode()
    assert (await fake.post(no_team, "application/json")).status == 200
    view = {"type": "view_submission", "user": {"id": "U500"}, "team": {"id": "T0AGORA"},
            "view": {"id": "V1"}}
    assert (await fake.post(urlencode({"payload": json.dumps(view)}).encode(), FORM)).status == 200
    no_user = {k: v for k, v in fake.command_form("U500", "aide").items() if k != "user_id"}
    assert (await fake.post(urlencode(no_user).encode(), FORM)).status == 200
    await settle(h, quiet=0.5)
    assert h.fake.sent == []
    # Still alive: the next real event is handled.
    await fake.event({"type": "team_join", "user": {"id": "U501", "name": "still-here"}})
    await wait_for(h, lambda s: s.kind == "dm" and s.user == "U501")


async def test_huge_messages_and_odd_unicode_are_answered_politely(h: SlackHarness) -> None:
    fake = h.fake
    huge = "bonjour " * 30_000  # 240 kB of text
    await fake.event(dm(h, "U502", huge))
    reply = await wait_for(h, lambda s: s.user == "U502")
    assert 0 < len(reply.text) < 4000

    # NUL, a lone surrogate (valid JSON, invalid UTF-16), a right-to-left override, zero-width spaces and
    # combining accents, around the word "aide": the help still comes back.
    odd = '"\\u0000\\ud800 \\u202e a\\u200bi\\u200bd\\u200be \\u0301\\ud83d\\ude00"'
    body = fake.event_body(dm(h, "U503", "PLACEHOLDER"))
    raw = json.dumps(body).replace('"PLACEHOLDER"', odd).encode()
    assert (await fake.post(raw, "application/json")).status == 200
    await wait_for(h, lambda s: s.user == "U503")

    await fake.command("U504", "\u202e" + "x" * 5000)
    await wait_for(h, lambda s: s.user == "U504")
