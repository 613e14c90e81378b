"""`sector` / `filiere`: the facilitators' hold on the community's taxonomy, each change in the audit log.

    sector                                   the list, with member counts
    sector add SLUG Nom français | English name
    sector rename SLUG Nom français | English name
    sector retire SLUG INTO                  SLUG's members move to INTO; SLUG stays, retired, for history
"""

from __future__ import annotations

from bot.context import Context, Services
from bot.markup import user_text
from bot.replies import Visibility
from bot.router import Router
from bot.store.taxonomy import SectorSpec, Taxonomy, TaxonomyError

VERBS = {"list": "list", "liste": "list", "add": "add", "ajouter": "add", "rename": "rename",
         "renommer": "rename", "retire": "retire", "retirer": "retire"}


def _private(ctx: Context) -> Visibility:
    return Visibility.CHANNEL if ctx.event.ref.is_dm else Visibility.EPHEMERAL


def _names(text: str) -> tuple[str, str]:
    """"Nom | Name" -> both; one name only -> the same in both languages."""
    french, _, english = text.partition("|")
    return french.strip(), (english.strip() or french.strip())


async def _list(ctx: Context, taxonomy: Taxonomy) -> None:
    sectors, counts = await taxonomy.all(), await taxonomy.member_counts()
    if not sectors:
        ctx.reply(ctx.t("sector.list.empty"), visibility=_private(ctx))
        return
    lines = [ctx.t("sector.list.title")]
    for sector in sectors:
        key = "sector.list.retired" if sector.retired_at is not None else "sector.list.row"
        lines.append(ctx.t(key, slug=user_text(sector.slug), fr=user_text(sector.name_fr),
                           en=user_text(sector.name_en), count=counts.get(sector.id, 0)))
    lines.append(ctx.t("sector.usage"))
    ctx.reply("\n".join(lines), visibility=_private(ctx))


def setup(router: Router, services: Services) -> None:
    @router.command("sector", "sectors", "filiere", "filière", "filieres", role="facilitator",
                    help_key="sector.cmd")
    async def sector(ctx: Context) -> None:
        assert ctx.member is not None
        words = (ctx.route.args if ctx.route else "").split(maxsplit=2)
        verb = VERBS.get(words[0].lower()) if words else "list"
        uow = await ctx.uow()
        taxonomy = Taxonomy(uow.session, ctx.community_id)
        audit, now = uow.audit(ctx.community_id), ctx.clock.now()
        if verb == "list":
            await _list(ctx, taxonomy)
            return
        if verb is None or len(words) < 3:
            ctx.reply(ctx.t("sector.usage"), visibility=_private(ctx))
            return
        slug, rest = words[1].lower(), words[2]
        try:
            if verb == "add":
                name_fr, name_en = _names(rest)
                await taxonomy.add(SectorSpec(slug=slug, name_fr=name_fr, name_en=name_en))
                await audit.record(ctx.member.id, "sector.add", now, target=slug, name_fr=name_fr,
                                   name_en=name_en)
                ctx.reply(ctx.t("sector.added", slug=user_text(slug), name=user_text(name_fr)),
                          visibility=_private(ctx))
            elif verb == "rename":
                name_fr, name_en = _names(rest)
                old_fr, old_en = await taxonomy.rename(slug, name_fr, name_en)
                await audit.record(ctx.member.id, "sector.rename", now, target=slug, old_fr=old_fr,
                                   old_en=old_en, name_fr=name_fr, name_en=name_en)
                ctx.reply(ctx.t("sector.renamed", slug=user_text(slug), name=user_text(name_fr)),
                          visibility=_private(ctx))
            else:
                into = rest.split()[0].lower()
                moved = await taxonomy.retire(slug, into, now)
                await audit.record(ctx.member.id, "sector.retire", now, target=slug, into=into, moved=moved)
                ctx.reply(ctx.t("sector.retired", slug=user_text(slug), into=user_text(into), moved=moved),
                          visibility=_private(ctx))
        except TaxonomyError as err:
            ctx.reply(ctx.t(f"sector.error.{err.reason}", slug=user_text(err.slug or slug)),
                      visibility=_private(ctx))
