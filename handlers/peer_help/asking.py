"""Opening a help request: the question, the sector the classifier proposes, the asker's confirmation (or
another sector) with buttons, then the first round of experts. A draft is a row, so a restart between the
question and the click loses nothing; a second click on a spent button gets a clear "already done"."""

from __future__ import annotations

from sqlalchemy import select

from bot.context import Context
from bot.faq.text import fold
from bot.peer_help.classifier import Classifiers
from bot.replies import Button
from bot.store.models import Sector
from handlers.peer_help import routing
from handlers.peer_help.common import MAX_QUESTION, asked_by_member, quote, request_id, settings, store

SHOWN_GUESSES = 3


def _name(sector: Sector, locale: str) -> str:
    return sector.name_en if locale == "en" else sector.name_fr


async def _sectors(ctx: Context) -> list[Sector]:
    uow = await ctx.uow()
    stmt = select(Sector).where(Sector.community_id == ctx.community_id, Sector.retired_at.is_(None))
    return list((await uow.session.execute(stmt.order_by(Sector.id))).scalars())


async def ask(ctx: Context, question: str) -> None:
    """Open a help request for the member behind `ctx` (the `peer` command, the FAQ's [No, ask a member])."""
    if ctx.member is None or ctx.community is None:
        return
    question = question.strip()
    if not fold(question):
        ctx.say("help_req.ask.usage")
        return
    if len(question) > MAX_QUESTION:
        ctx.say("help_req.ask.too_long", limit=MAX_QUESTION)
        return
    requests = await store(ctx)
    now = ctx.clock.now()
    sectors = await _sectors(ctx)
    classifiers: Classifiers = ctx.services.extras["peer_help.classifiers"]
    texts = await requests.sector_texts()
    guess = classifiers.for_sectors(ctx.community_id, texts).classify(question, ctx.locale) if texts else None
    by_slug = {s.slug: s for s in sectors}
    ranked = [by_slug[key] for key, _ in (guess.ranked if guess else ()) if key in by_slug]
    best = ranked[0] if ranked else None
    row = await requests.create(ctx.member.id, question, ctx.locale, best.id if best else None, now)
    if best is None:  # no sectors in this community: every expert may be asked, once the asker says so
        ctx.say("help_req.ask.confirm", question=quote(question, 300), buttons=[
            Button(ctx.t("help_req.button.send"), "help.send", value=str(row.id), style="primary"),
            Button(ctx.t("help_req.button.cancel"), "help.cancel", value=str(row.id), style="danger")])
        return
    buttons = [Button(ctx.t("help_req.button.sector", sector=_name(best, ctx.locale)), "help.sector",
                      value=f"{row.id}:{best.id}", style="primary")]
    buttons += [Button(_name(s, ctx.locale), "help.sector", value=f"{row.id}:{s.id}")
                for s in ranked[1:SHOWN_GUESSES]]
    if len(sectors) > SHOWN_GUESSES:
        buttons.append(Button(ctx.t("help_req.button.other"), "help.other", value=str(row.id)))
    buttons.append(Button(ctx.t("help_req.button.cancel"), "help.cancel", value=str(row.id), style="danger"))
    ctx.say("help_req.ask.sector", buttons=buttons, question=quote(question, 300),
            sector=_name(best, ctx.locale))


async def confirm(ctx: Context, rid: int, sector_id: int | None) -> None:
    """The asker confirmed a sector (or there are none): the request opens and the first experts are asked."""
    found = await asked_by_member(ctx, rid)
    if found is None:
        return
    requests, row = found
    if row.status != "draft":
        ctx.say("help_req.already_open", id=row.id)
        return
    if sector_id is not None:
        sectors = {s.id for s in await _sectors(ctx)}
        if sector_id not in sectors or not await requests.set_sector(rid, sector_id):
            ctx.say("help_req.stale")
            return
    conf = await settings(ctx)
    now = ctx.clock.now()
    if not await requests.open(rid, now, now):
        ctx.say("help_req.already_open", id=row.id)
        return
    await requests.refresh(row)
    await routing.run_round(ctx, row, conf, first=True)


async def other_sectors(ctx: Context, rid: int) -> None:
    assert ctx.member is not None
    row = await (await store(ctx)).get(rid)
    if row is None or row.asker_id != ctx.member.id or row.status != "draft":
        ctx.say("help_req.stale")
        return
    buttons = [Button(_name(s, ctx.locale), "help.sector", value=f"{rid}:{s.id}") for s in await _sectors(ctx)]
    buttons.append(Button(ctx.t("help_req.button.cancel"), "help.cancel", value=str(rid), style="danger"))
    ctx.say("help_req.ask.choose", buttons=buttons)


def parse_sector_value(value: str) -> tuple[int | None, int | None]:
    rid = request_id(value)
    _, _, tail = value.partition(":")
    return rid, (int(tail) if tail.isdigit() and len(tail) < 12 else None)
