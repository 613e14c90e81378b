"""Rounds and timers: asking the next experts, escalating to the facilitators, the one check-in.

Each round asks `help.experts_per_round` experts and lasts `help.claim_timeout_hours`; the request's
`next_action_at` holds when it ends, so the timer survives restarts. The "help" tick (every 5 minutes) picks
the due requests; every step is a conditional UPDATE on (status, round), so when several processes tick at
once exactly one of them moves a request on. After `help.rounds` rounds nobody took, the request goes to the
facilitators; the asker hears at each step.
"""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update

from bot.community_settings import CommunitySettings
from bot.context import Context
from bot.peer_help import experts
from bot.replies import Button, Visibility
from bot.store.models import Member
from bot.store.peer_help_models import HelpRequest
from handlers.peer_help.common import (
    claim_timeout,
    community_tz,
    default_locale,
    facilitator_channels,
    person,
    quote,
    sector_name,
    settings,
    store,
    tell,
)

log = logging.getLogger("agora.peer_help")
TICK = "help"


def offer_buttons(ctx: Context, locale: str, rid: int) -> list[Button]:
    t = ctx.services.translator(locale)
    return [Button(t("help_req.button.take"), "help.take", value=str(rid), style="primary"),
            Button(t("help_req.button.pass"), "help.pass", value=str(rid))]


async def _set_timer(ctx: Context, row: HelpRequest, when: datetime) -> None:
    uow = await ctx.uow()
    await uow.session.execute(update(HelpRequest).where(
        HelpRequest.id == row.id, HelpRequest.community_id == ctx.community_id, HelpRequest.status == "open",
        HelpRequest.round == row.round).values(next_action_at=when).execution_options(synchronize_session=False))


async def run_round(ctx: Context, row: HelpRequest, conf: CommunitySettings, *, first: bool = False) -> None:
    """Ask the next experts for an open request (its round already counted), or escalate when nobody is
    left to ask."""
    requests = await store(ctx)
    uow = await ctx.uow()
    now = ctx.clock.now()
    chosen, eligible = await experts.choose(
        uow.session, ctx.community_id, row, count=conf.integer("help.experts_per_round"),
        cap=conf.integer("help.expert_cap"), now=now, community_tz=community_tz(ctx),
        default_locale=default_locale(ctx))
    asker = await person(ctx, row.asker_id)
    hours = f"{conf.number('help.claim_timeout_hours'):g}"
    if not chosen and (eligible == 0 or row.round >= conf.integer("help.rounds")):
        await escalate(ctx, row)
        return
    await _set_timer(ctx, row, now + claim_timeout(conf))
    if not chosen:
        tell(ctx, asker, "help_req.waiting", id=row.id, hours=hours)
        return
    await requests.add_attempts(row.id, [c.member_id for c in chosen], row.round, now)
    asker_name = asker.name if asker else "?"
    for expert in chosen:
        who = await person(ctx, expert.member_id)
        if who is None:
            continue
        sector = await sector_name(ctx, row.sector_id, who.locale)
        tell(ctx, who, "help_req.offer", offer_buttons(ctx, who.locale, row.id), id=row.id, sector=sector,
             name=quote(asker_name, 80), question=quote(row.question), hours=hours)
    key = "help_req.opened" if first else "help_req.next_round"
    tell(ctx, asker, key, [Button(asker.t(ctx)("help_req.button.cancel"), "help.cancel", value=str(row.id))]
         if asker else None, id=row.id, count=len(chosen), hours=hours,
         sector=await sector_name(ctx, row.sector_id, asker.locale if asker else default_locale(ctx)))


async def escalate(ctx: Context, row: HelpRequest) -> None:
    """Nobody took it: the facilitators' channel (each workspace's fallback channel) gets the question with
    [I'll take it]; without such a channel, the facilitators get it by DM."""
    requests = await store(ctx)
    if not await requests.escalate(row.id, row.round, ctx.clock.now()):
        return
    uow = await ctx.uow()
    who = await person(ctx, row.asker_id)
    channels = await facilitator_channels(ctx)
    locale = default_locale(ctx)
    t = ctx.services.translator(locale)
    params = {"id": row.id, "name": quote(who.name if who else "?", 80), "question": quote(row.question),
              "sector": await sector_name(ctx, row.sector_id, locale)}
    for channel in channels:
        ctx.reply(t("help_req.escalated.channel", **params), target=channel, visibility=Visibility.CHANNEL,
                  buttons=[Button(t("help_req.button.take"), "help.take", value=str(row.id), style="primary")])
    if not channels:
        facilitators = (await uow.session.execute(select(Member.id).where(
            Member.community_id == ctx.community_id, Member.role.in_(("facilitator", "admin")),
            Member.left_at.is_(None)).order_by(Member.id))).scalars()
        for member_id in facilitators:
            if member_id == row.asker_id:
                continue
            f = await person(ctx, member_id)
            if f is not None:
                tell(ctx, f, "help_req.escalated.channel", offer_buttons(ctx, f.locale, row.id)[:1],
                     **{**params, "sector": await sector_name(ctx, row.sector_id, f.locale)})
    log.info("help request escalated", extra={"request_id": row.id, "channels": len(channels)})
    tell(ctx, who, "help_req.escalated.asker", id=row.id)


async def on_tick(ctx: Context) -> int:
    """Move on every due request of the tick's community; returns how many were handled."""
    requests = await store(ctx)
    conf = await settings(ctx)
    now = ctx.clock.now()
    handled = 0
    for row in await requests.due(now):
        if row.status == "claimed":
            if await requests.check_in(row.id, now):
                asker = await person(ctx, row.asker_id)
                expert = await person(ctx, row.expert_id)
                if asker is not None:
                    t = asker.t(ctx)
                    tell(ctx, asker, "help_req.checkin", [
                        Button(t("help_req.button.resolved"), "help.done", value=str(row.id), style="primary"),
                        Button(t("help_req.button.someone_else"), "help.reopen", value=str(row.id))],
                        id=row.id, name=quote(expert.name if expert else "?", 80))
                handled += 1
            continue
        await requests.expire_pending(row.id, now)
        if row.round >= conf.integer("help.rounds"):
            await escalate(ctx, row)
        elif await requests.next_round(row.id, row.round, now + claim_timeout(conf)):
            await requests.refresh(row)
            await run_round(ctx, row, conf)
        handled += 1
    return handled

