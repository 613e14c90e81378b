"""Socket Mode (SLACK_APP_TOKEN set): Bolt's AsyncSocketModeHandler asks the fake's `apps.connections.open`
for a websocket URL, connects, and acknowledges the envelopes the fake pushes; no HTTP route is served."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.contract.harness import settle, wait_for
from tests.contract.slack_harness import SlackHarness, started
from tests.fakes.slack_fake import APP_TOKEN, SlackFake


@pytest.fixture
async def h(database_url: str, engine: AsyncEngine) -> AsyncIterator[SlackHarness]:
    fake = await SlackFake().start()
    try:
        async with started(database_url, engine, fake, SLACK_APP_TOKEN=APP_TOKEN) as ready:
            yield ready
    finally:
        await fake.stop()


async def test_events_and_commands_arrive_over_the_socket_and_are_acknowledged(h: SlackHarness) -> None:
    fake = h.fake
    assert h.adapter.routes() == []
    join = fake.event_body({"type": "team_join", "user": {"id": "U700", "name": "socket"}})
    delivery = await fake.envelope("events_api", join)
    assert delivery.in_time and delivery.body is not None and "envelope_id" in delivery.body
    await wait_for(h, lambda s: s.kind == "dm" and s.user == "U700")

    retried = await fake.envelope("events_api", join, retry_attempt=1)  # the same event_id again
    assert retried.in_time
    await settle(h)
    assert sum(s.user == "U700" for s in fake.sent) == 1

    command = await fake.envelope("slash_commands", fake.command_form("U701", "aide"))
    assert command.in_time
    await wait_for(h, lambda s: s.user == "U701" and "Voici ce que je peux faire" in s.text)
    assert any(c.method == "apps.connections.open" for c in fake.calls)
