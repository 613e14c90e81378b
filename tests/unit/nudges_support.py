"""Helpers of the nudges tests: the community, its settings, a run as the scheduler does it, what members got."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update

from bot import community_settings
from bot.nudges.campaign import NudgeCampaign, RunResult
from bot.nudges.periods import draw
from bot.store.models import Community, Member, Outbox
from bot.store.nudge_models import Nudge
from bot.testing import BotTester, Delivered


async def community_id(bot: BotTester) -> int:
    async with bot.app.services.sessions() as session:
        return int((await session.execute(select(Community.id).where(Community.slug == "test"))).scalar_one())


async def configure(bot: BotTester, **values: Any) -> None:
    """Settings by key with "_" for "." after "nudge": configure(bot, holdout_share=0.0)."""
    cid = await community_id(bot)
    async with bot.app.services.sessions() as session, session.begin():
        for key, value in values.items():
            await community_settings.store(session, cid, f"nudge.{key}", value, bot.clock.now())


async def run(bot: BotTester) -> tuple[RunResult, list[Delivered]]:
    """The weekly run (what the scheduler calls), then the outbox delivered; returns the nudges delivered."""
    before = len(bot.adapter.sent)
    result = await NudgeCampaign.of(bot.app.services).run(await community_id(bot))
    await bot.app.sender.drain("test")
    return result, nudges_in(bot.adapter.sent[before:])


def nudges_in(sent: list[Delivered]) -> list[Delivered]:
    return [d for d in sent if any(b.action_id.startswith("nudge.") for b in d.buttons)]


def to(sent: list[Delivered], user: str) -> list[Delivered]:
    return [d for d in sent if d.user_id == user]


def button(message: Delivered, action: str) -> Any:
    return next(b for b in message.buttons if b.action_id.startswith(action + "|"))


async def member_id(bot: BotTester, user: str) -> int:
    async with bot.app.services.sessions() as session:
        return int((await session.execute(select(Member.id).where(Member.display_name == user.capitalize())))
                   .scalar_one())


async def set_member(bot: BotTester, user: str, **values: Any) -> None:
    mid = await member_id(bot, user)
    async with bot.app.services.sessions() as session, session.begin():
        await session.execute(update(Member).where(Member.id == mid).values(**values))


async def nudge_rows(bot: BotTester) -> list[Nudge]:
    async with bot.app.services.sessions() as session:
        return list((await session.scalars(select(Nudge).order_by(Nudge.id))).all())


async def outbox_keys(bot: BotTester) -> list[str]:
    async with bot.app.services.sessions() as session:
        return list((await session.scalars(select(Outbox.idempotency_key).where(
            Outbox.idempotency_key.like("nudge:%")).order_by(Outbox.id))).all())


async def in_holdout(bot: BotTester, user: str, share: float) -> bool:
    return draw(await community_id(bot), await member_id(bot, user)) < share
