"""The weekly nudges' rules, driven like a chat with a ManualClock: who is nudged, once, and who never is."""

from __future__ import annotations

import asyncio

from sqlalchemy import select, update

from bot.clock import ManualClock
from bot.nudges.campaign import NudgeCampaign
from bot.ports import PermanentFailure
from bot.store.models import Member, Outbox, PlatformAccount
from bot.testing import BotTester
from tests.unit.nudges_support import (
    button,
    community_id,
    configure,
    in_holdout,
    member_id,
    nudge_rows,
    outbox_keys,
    run,
    set_member,
    to,
)


async def test_silent_22_days_is_nudged_once_and_not_again_within_the_window(bot: BotTester,
                                                                              clock: ManualClock) -> None:
    await configure(bot, holdout_share=0.0)
    await bot.join("alice", locale="fr")
    await bot.join("bob", locale="en")
    clock.advance(days=20)
    await bot.say("bonjour", as_="bob", channel="C-general")  # active two days before the run
    clock.advance(days=2)

    result, sent = await run(bot)
    assert result.status == "done" and result.nudged == 1
    assert [d.user_id for d in sent] == ["alice"] and sent[0].visibility == "dm"
    assert "22 jours" in sent[0].text  # why she got it
    assert [b.label for b in sent[0].buttons] == ["Voir", "Pas ce mois-ci", "Ne plus recevoir"]

    again, sent = await run(bot)
    assert again.status == "already" and sent == []
    clock.advance(days=7)  # next week: still within the 14-day window
    assert (await run(bot))[1] == []
    clock.advance(days=8)  # 15 days after the first: due again (bob has been silent 17 days only)
    _, sent = await run(bot)
    assert [d.user_id for d in sent] == ["alice"]
    clock.advance(days=7)  # bob silent 24 days
    _, sent = await run(bot)
    assert [d.user_id for d in sent] == ["bob"] and "We haven't seen you" in sent[0].text  # in his language
    assert len(await outbox_keys(bot)) == 3


async def test_newcomers_and_the_recently_active_are_left_alone(bot: BotTester, clock: ManualClock) -> None:
    await configure(bot, holdout_share=0.0, inactive_days=3)
    await bot.join("old", locale="fr")
    clock.advance(days=4)
    await bot.join("new", locale="fr")  # silent 4 days, but joined less than a week ago
    clock.advance(days=4)
    _, sent = await run(bot)
    assert [d.user_id for d in sent] == ["old"]


async def test_a_member_who_pressed_stop_is_never_nudged_again(bot: BotTester, clock: ManualClock) -> None:
    await configure(bot, holdout_share=0.0, window_days=1)
    await bot.join("alice", locale="en")
    clock.advance(days=22)
    _, sent = await run(bot)
    reply = await bot.click(button(sent[0], "nudge.stop"), as_="alice")
    assert "not get these messages any more" in reply[0].text and "`profile`" not in reply[0].text
    assert [r.response for r in await nudge_rows(bot)] == ["stop"]
    for _ in range(6):  # and months later, silent again, never
        clock.advance(days=30)
        assert (await run(bot))[1] == []


async def test_snooze_pauses_a_month(bot: BotTester, clock: ManualClock) -> None:
    await configure(bot, holdout_share=0.0, window_days=1, inactive_days=1)
    await bot.join("alice", locale="fr")
    clock.advance(days=8)
    _, sent = await run(bot)
    reply = await bot.click(button(sent[0], "nudge.snooze"), as_="alice")
    assert "pas de relance avant le 2026-02-12" in reply[0].text
    clock.advance(days=7)
    assert (await run(bot))[1] == []
    clock.advance(days=21)
    assert (await run(bot))[1] == []  # day 29 of the snooze
    clock.advance(days=7)
    assert len((await run(bot))[1]) == 1


async def test_after_three_unanswered_nudges_nothing_until_they_come_back(bot: BotTester,
                                                                        clock: ManualClock) -> None:
    await configure(bot, holdout_share=0.0, window_days=7)
    await bot.join("alice", locale="fr")
    clock.advance(days=22)
    counts = []
    for _ in range(5):
        counts.append(len((await run(bot))[1]))
        clock.advance(days=7)
    assert counts == [1, 1, 1, 0, 0]
    await bot.say("me revoilà", as_="alice", channel="C-general")  # she comes back...
    clock.advance(days=21, hours=1)  # ... then drifts away again
    assert len((await run(bot))[1]) == 1


async def test_the_holdout_is_never_nudged_and_is_recorded(bot: BotTester, clock: ManualClock) -> None:
    await configure(bot, holdout_share=0.5, window_days=1)
    users = [f"user{i}" for i in range(16)]
    for user in users:
        await bot.join(user, locale="fr")
    held = {u for u in users if await in_holdout(bot, u, 0.5)}
    assert 0 < len(held) < len(users)  # the draw splits them (fixed by the ids: deterministic)
    for _ in range(3):
        clock.advance(days=22)
        result, sent = await run(bot)
        assert {d.user_id for d in sent} == set(users) - held
        assert result.held_out == len(held)
        await bot.app.sender.drain("test")
    assert not [d for d in bot.adapter.sent if d.user_id in held and d.buttons
                and d.buttons[0].action_id.startswith("nudge.")]
    rows = await nudge_rows(bot)
    ids = {await member_id(bot, u): u for u in users}
    assert {ids[r.member_id] for r in rows if r.holdout} == held
    assert len(rows) == 3 * len(users)


async def test_unreachable_members_are_skipped_and_a_closed_dm_is_not_retried(bot: BotTester,
                                                                            clock: ManualClock) -> None:
    await configure(bot, holdout_share=0.0, window_days=1)
    await bot.join("alice", locale="fr")
    clock.advance(days=2)
    await bot.join("bob", locale="fr")
    clock.advance(days=20)
    bot.adapter.failures.append(PermanentFailure("dm closed", unreachable=True))  # alice's nudge is refused
    _, sent = await run(bot)
    assert sent == []
    async with bot.app.services.sessions() as session:
        failed = (await session.execute(select(Outbox.status, Outbox.attempts).where(
            Outbox.idempotency_key.like("nudge:%"), Outbox.user_id == "alice"))).one()
        unreachable = (await session.execute(select(PlatformAccount.unreachable_at).where(
            PlatformAccount.external_user_id == "alice"))).scalar_one()
    assert failed.status == "failed" and unreachable is not None
    for _ in range(3):
        clock.advance(days=7)
        _, sent = await run(bot)
        assert [d.user_id for d in sent] == ["bob"]  # bob every week (window 1 day), alice never
    alice = await member_id(bot, "alice")
    assert sum(1 for k in await outbox_keys(bot) if k.endswith(f":{alice}:0")) == 1


async def test_quiet_hours_hold_the_message_until_morning_in_the_members_time_zone(
        bot: BotTester, clock: ManualClock) -> None:
    await configure(bot, holdout_share=0.0)
    await bot.join("tane", locale="en")
    await set_member(bot, "tane", timezone="Pacific/Auckland")  # 09:00 UTC is 22:00 there in January
    clock.advance(days=22)
    result, sent = await run(bot)
    assert result.nudged == 1 and sent == []
    clock.advance(hours=9, minutes=59)  # 07:59 in Auckland
    await bot.app.sender.drain("test")
    assert not [d for d in bot.adapter.sent if d.buttons and d.buttons[0].action_id.startswith("nudge.")]
    clock.advance(minutes=1)
    await bot.app.sender.run_once("test")
    assert to([d for d in bot.adapter.sent if d.buttons and d.buttons[0].action_id.startswith("nudge.")], "tane")


async def test_two_runs_at_once_write_each_member_once(bot: BotTester, clock: ManualClock) -> None:
    await configure(bot, holdout_share=0.1)
    for i in range(30):
        await bot.join(f"m{i}", locale="fr")
    clock.advance(days=22)
    services = bot.app.services
    cid = await community_id(bot)
    first, second = NudgeCampaign(services, batch=7), NudgeCampaign(services, batch=5)
    results = await asyncio.gather(first.run(cid), second.run(cid))
    assert sorted(r.status for r in results) in (["done", "taken"], ["already", "done"])
    rows = await nudge_rows(bot)
    assert len(rows) == 30 and len({r.member_id for r in rows}) == 30
    keys = await outbox_keys(bot)
    assert len(keys) == len(set(keys)) == sum(1 for r in rows if not r.holdout)


async def test_a_run_that_died_is_resumed_once_its_lease_expired(bot: BotTester, clock: ManualClock) -> None:
    await configure(bot, holdout_share=0.0)
    for i in range(25):
        await bot.join(f"m{i}", locale="fr")
    clock.advance(days=22)
    cid = await community_id(bot)
    dying = NudgeCampaign(bot.app.services, batch=10)

    async def crash(batch: int) -> None:
        raise RuntimeError("the process died")

    dying.after_batch = crash
    try:
        await dying.run(cid)
    except RuntimeError:
        pass
    assert len(await nudge_rows(bot)) == 10
    survivor = NudgeCampaign(bot.app.services, batch=10)
    assert await survivor.resume() == 0  # its lease still runs
    assert (await survivor.run(cid)).status == "taken"
    clock.advance(minutes=3)
    assert await survivor.resume() == 1
    rows = await nudge_rows(bot)
    assert len(rows) == 25 and len({r.member_id for r in rows}) == 25
    await bot.app.sender.drain("test")
    keys = await outbox_keys(bot)
    assert len(keys) == len(set(keys)) == 25
    assert (await survivor.run(cid)).status == "already"


async def test_members_who_left_or_chose_monthly(bot: BotTester, clock: ManualClock) -> None:
    await configure(bot, holdout_share=0.0)
    await bot.join("gone", locale="fr")
    await bot.join("monthly", locale="fr")
    await set_member(bot, "gone", left_at=clock.now())
    await set_member(bot, "monthly", nudge_frequency="monthly")
    clock.advance(days=22)
    _, sent = await run(bot)
    assert [d.user_id for d in sent] == ["monthly"]
    clock.advance(days=15)  # the 14-day window is over, not the month
    assert (await run(bot))[1] == []
    clock.advance(days=15)
    assert [d.user_id for d in (await run(bot))[1]] == ["monthly"]
    async with bot.app.services.sessions() as session:
        assert (await session.execute(select(Member.nudge_frequency).where(
            Member.display_name == "Monthly"))).scalar_one() == "monthly"
        await session.execute(update(Member).where(Member.id == -1).values(left_at=None))  # tenant-safe no-op
