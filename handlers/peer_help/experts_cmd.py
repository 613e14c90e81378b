"""`expert on|off|away until DATE` for members, `agora experts [sector]` for facilitators (who is an expert,
who is free now, and the sectors with nobody free), and what happens to requests when an expert turns away
or leaves mid-request: their pending offers are withdrawn and the requests they held go back to the next
experts, with a clear word to the asker."""

from __future__ import annotations

import re
from datetime import datetime, time, timedelta

from bot.context import Context
from bot.local_time import zone
from bot.peer_help import experts
from bot.peer_help.store import HelpRequests
from bot.store.models import Sector
from bot.store.repositories import Sectors
from handlers.peer_help import claiming
from handlers.peer_help.common import community_tz, default_locale, quote, settings, store

SNOOZE = timedelta(days=1)
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_DMY = re.compile(r"^(\d{1,2})[/.](\d{1,2})(?:[/.](\d{2,4}))?$")
ON = {"on", "oui", "yes", "actif"}
OFF = {"off", "non", "no", "stop"}
AWAY = {"away", "absent", "pause", "snooze"}
UNTIL = {"until", "jusqu'au", "jusquau", "au", "to", "jusqu"}


def parse_date(text: str, now: datetime, tz: str) -> datetime | None:
    """The end of the given day (local time), from 2026-03-01, 01/03/2026, 01/03 or 1.3; None if unreadable
    or not in the future. The expert is available again from the next morning."""
    text = text.strip()
    m = _ISO.match(text)
    try:
        if m:
            day = datetime(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        elif (m := _DMY.match(text)) is not None:
            local_now = now.astimezone(zone(None, tz))
            year = int(m.group(3)) if m.group(3) else local_now.year
            year = year + 2000 if year < 100 else year
            day = datetime(year, int(m.group(2)), int(m.group(1)))
            if not m.group(3) and day.date() < local_now.date():
                day = day.replace(year=year + 1)
        else:
            return None
    except ValueError:
        return None
    end = datetime.combine(day.date(), time(23, 59), tzinfo=zone(None, tz))
    return end if end > now and end - now < timedelta(days=400) else None


async def turn_away(ctx: Context, member_id: int, asker_key: str) -> int:
    """The expert is no longer available: pending offers withdrawn, held requests handed on; returns how
    many requests were handed on."""
    requests = await store(ctx)
    await requests.withdraw_expert(member_id, ctx.clock.now())
    moved = 0
    for row in await requests.active_of(member_id):
        if row.status == "claimed" and row.expert_id == member_id:
            moved += await claiming.release(ctx, row, member_id, asker_key)
    return moved


async def expert_command(ctx: Context) -> None:
    assert ctx.member is not None
    words = (ctx.route.args if ctx.route else "").strip().lower().split()
    uow = await ctx.uow()
    requests = HelpRequests(uow.session, ctx.community_id)
    members = uow.members(ctx.community_id)
    now = ctx.clock.now()
    if not words:
        row = await members.get(ctx.member.id)
        availability = await requests.availability(ctx.member.id)
        if row is None or not row.is_expert:
            ctx.say("help_req.expert.status_off")
        elif availability and availability.away_until and availability.away_until.replace(
                tzinfo=availability.away_until.tzinfo or now.tzinfo) > now:
            ctx.say("help_req.expert.status_away", date=availability.away_until.date().isoformat())
        else:
            ctx.say("help_req.expert.status_on")
        return
    verb = words[0]
    if verb in ON:
        await members.set_fields(ctx.member.id, is_expert=True)
        await requests.set_availability(ctx.member.id, now, away_until=None, snoozed_until=None)
        ctx.say("help_req.expert.on")
    elif verb in OFF:
        await members.set_fields(ctx.member.id, is_expert=False)
        moved = await turn_away(ctx, ctx.member.id, "help_req.released.away")
        ctx.say("help_req.expert.off", count=moved)
    elif verb in AWAY:
        rest = [w for w in words[1:] if w not in UNTIL]
        if not rest:
            await requests.set_availability(ctx.member.id, now, away_until=None, snoozed_until=now + SNOOZE)
            moved = await turn_away(ctx, ctx.member.id, "help_req.released.away")
            ctx.say("help_req.expert.snoozed", count=moved)
            return
        until = parse_date(rest[0], now, community_tz(ctx))
        if until is None or len(rest) > 1:
            ctx.say("help_req.expert.bad_date")
            return
        await requests.set_availability(ctx.member.id, now, away_until=until, snoozed_until=None)
        moved = await turn_away(ctx, ctx.member.id, "help_req.released.away")
        ctx.say("help_req.expert.away", date=until.date().isoformat(), count=moved)
    else:
        ctx.say("help_req.expert.usage")


async def experts_report(ctx: Context) -> None:
    """`agora experts [sector]`: the experts of a sector (or all) and why each is not free, then the sectors
    where nobody is free right now."""
    uow = await ctx.uow()
    conf = await settings(ctx)
    now = ctx.clock.now()
    arg = (ctx.route.args if ctx.route else "").strip().lower()
    sectors = await Sectors(uow.session, ctx.community_id).active()

    async def look(sector_id: int | None) -> list[experts.ExpertStatus]:
        return await experts.statuses(uow.session, ctx.community_id, now=now, cap=conf.integer("help.expert_cap"),
                                      community_tz=community_tz(ctx), default_locale=default_locale(ctx),
                                      sector_id=sector_id)

    chosen: Sector | None = None
    if arg:
        chosen = next((s for s in sectors if arg in (s.slug, s.name_fr.lower(), s.name_en.lower())), None)
        if chosen is None:
            ctx.say("help_req.experts.unknown_sector", sector=arg[:40].replace("`", ""))
            return
    found = await look(chosen.id if chosen else None)
    lines = [ctx.t("help_req.experts.title", count=len(found))]
    for s in found:
        state = ctx.t(f"help_req.state.{s.reason or 'free'}",
                      date=s.away_until.date().isoformat() if s.away_until else "")
        lines.append(ctx.t("help_req.experts.line", name=quote(s.name, 80), language=s.locale, state=state,
                           holding=s.holding, claims=s.claims, asked=s.asked, kudos=s.kudos))
    if not found:
        lines.append(ctx.t("help_req.experts.none"))
    uncovered = []
    for sector in sectors:
        if chosen is not None and sector.id != chosen.id:
            continue
        free = [s for s in await look(sector.id) if s.reason is None]
        if not free:
            uncovered.append(sector.name_en if ctx.locale == "en" else sector.name_fr)
    if uncovered:
        lines.append(ctx.t("help_req.experts.uncovered", sectors=", ".join(uncovered)))
    elif sectors:
        lines.append(ctx.t("help_req.experts.covered"))
    ctx.reply("\n".join(lines))
