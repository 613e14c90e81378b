"""`directory` / `annuaire`: find members by sector, skill, region or name. Only members who agreed to be
listed appear, only from the member's own community; results come a page at a time with buttons (numbered
choices where there are none). The search behind a page button is kept in the database (a button payload)."""

from __future__ import annotations

from typing import Any

from bot.context import Context, Services
from bot.markup import user_text
from bot.replies import Button, Visibility
from bot.router import Router
from bot.store.directory import Directory, Entry
from bot.store.models import ActionPayload
from bot.store.profiles import Profiles

ACTION = "dir"
PER_PAGE = 5
MAX_QUERY = 100
MAX_SECTOR_BUTTONS = 20


def _private(ctx: Context) -> Visibility:
    return Visibility.CHANNEL if ctx.event.ref.is_dm else Visibility.EPHEMERAL


def entry_text(ctx: Context, entry: Entry) -> str:
    """One member as the directory shows them; mentioned when they have an account where the reader is."""
    name = f"*{user_text(entry.name)}*"
    if entry.is_expert:
        name += " " + ctx.t("directory.expert")
    details = [", ".join(user_text(s.name(ctx.locale)) for s in entry.sectors)]
    details.append(user_text(entry.region or ""))
    if entry.locale:
        details.append(ctx.t(f"language.name.{entry.locale}"))
    lines = [" · ".join([name, *(d for d in details if d)])]
    if entry.tags:
        lines.append("  " + ctx.t("directory.skills", tags=", ".join(user_text(t) for t in entry.tags)))
    here = ctx.member.workspace_id if ctx.member else None
    contact = next((user for workspace, user in entry.accounts if workspace == here), None)
    if contact is not None and (ctx.member is None or entry.member_id != ctx.member.id):
        lines.append("  " + ctx.t("directory.contact", mention=f"@[{contact}]"))
    return "\n".join(lines)


async def show(ctx: Context, query: str, sector_id: int | None, page: int) -> None:
    uow = await ctx.uow()
    found = await Directory(uow.session, ctx.community_id).search(query, sector_id, page, PER_PAGE)
    label = user_text(query)
    if sector_id is not None:
        sector = next((s for s in await Profiles(uow.session, ctx.community_id).active_sectors()
                       if s.id == sector_id), None)
        label = user_text(sector.name(ctx.locale)) if sector else label
    if not found.entries:
        ctx.reply(ctx.t("directory.none", query=label), visibility=_private(ctx))
        return
    lines = [ctx.t("directory.results", count=found.total, query=label)]
    lines += [entry_text(ctx, entry) for entry in found.entries]
    buttons = []
    if found.pages > 1:
        lines.append(ctx.t("directory.page", page=found.page, pages=found.pages))
        search = {"q": query, "s": sector_id}
        if found.page > 1:
            buttons.append(Button(ctx.t("directory.previous"), ACTION,
                                  payload={**search, "p": found.page - 1}))
        if found.page < found.pages:
            buttons.append(Button(ctx.t("directory.next"), ACTION,
                                  payload={**search, "p": found.page + 1}, style="primary"))
    ctx.reply("\n".join(lines), buttons=buttons, visibility=_private(ctx))


async def _payload(ctx: Context) -> dict[str, Any] | None:
    """The search a page button stands for, read back from the community's stored button payloads."""
    value = ctx.route.value if ctx.route else ""
    if not value.startswith("#"):
        return None
    uow = await ctx.uow()
    row = await uow.session.get(ActionPayload, value[1:])
    if row is None or row.community_id != ctx.community_id or row.action != ACTION:
        return None
    return dict(row.payload)


def setup(router: Router, services: Services) -> None:
    @router.command("directory", "annuaire", help_key="directory.cmd")
    async def directory(ctx: Context) -> None:
        query = " ".join((ctx.route.args if ctx.route else "").split())[:MAX_QUERY]
        if query:
            await show(ctx, query, None, 1)
            return
        uow = await ctx.uow()
        sectors = await Profiles(uow.session, ctx.community_id).active_sectors()
        buttons = [Button(s.name(ctx.locale), ACTION, payload={"q": "", "s": s.id, "p": 1})
                   for s in sectors[:MAX_SECTOR_BUTTONS]]
        ctx.reply(ctx.t("directory.ask"), buttons=buttons, visibility=_private(ctx))

    @router.action(ACTION)
    async def page(ctx: Context) -> None:
        search = await _payload(ctx)
        if search is None:
            ctx.reply(ctx.t("directory.stale"), visibility=_private(ctx))
            return
        sector = search.get("s")
        number = search.get("p")
        await show(ctx, str(search.get("q") or ""), sector if isinstance(sector, int) else None,
                   number if isinstance(number, int) else 1)
