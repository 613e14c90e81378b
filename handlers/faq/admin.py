"""`agora faq ...`: facilitators add, edit, remove, list, search, import and export entries, read the knowledge
gaps and turn one into an entry in one step, tune the confidence threshold and channel spotting.

The core checks the facilitator role before any of this runs; every change is written to the audit log (ids
and settings only, never contents).
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable
from dataclasses import replace

from bot.context import Context, Services
from bot.errors import UserFacingError
from bot.faq import transfer
from bot.faq.gaps import group_gaps
from bot.faq.service import FaqService
from bot.faq.store import EntryData, FaqStore
from bot.markup import user_text
from bot.router import Router

PAGE = 20
EXPORT_LIMIT = 3000  # characters of export shown in one message
EDITABLE = ("question", "answer", "tags", "sector", "lang")

Sub = Callable[[Context, FaqStore, str], Awaitable[None]]


def setup(router: Router, services: Services, service: FaqService) -> None:
    admin = FaqAdmin(service)

    @router.command("agora faq", role="facilitator", help_key="faq.cmd.admin")
    async def faq_admin(ctx: Context) -> None:
        raw = ctx.route.args if ctx.route else ""
        first_line, _, more = raw.partition("\n")
        sub, _, rest = first_line.strip().partition(" ")
        handler = admin.subcommands.get(sub.lower())
        if handler is None:
            ctx.say("faq.admin.help" if sub.lower() in ("", "help", "aide") else "faq.admin.unknown")
            return
        uow = await ctx.uow()
        store = FaqStore(uow.session, ctx.community_id)
        await handler(ctx, store, rest.strip() + ("\n" + more if more else ""))


async def _audit(ctx: Context, action: str, target: str = "", **details: object) -> None:
    uow = await ctx.uow()
    await uow.audit(ctx.community_id).record(ctx.member.id if ctx.member else None, action, ctx.clock.now(),
                                             target=target[:200], **details)


class FaqAdmin:
    def __init__(self, service: FaqService) -> None:
        self.service = service
        self.subcommands: dict[str, Sub] = {
            "add": self.add, "ajouter": self.add,
            "edit": self.edit, "modifier": self.edit,
            "example": self.example, "exemple": self.example,
            "remove": self.remove, "supprimer": self.remove,
            "list": self.list, "liste": self.list,
            "search": self.search, "chercher": self.search,
            "gaps": self.gaps, "manques": self.gaps,
            "answer": self.answer_gap, "repondre": self.answer_gap,
            "import": self.import_, "importer": self.import_,
            "export": self.export, "exporter": self.export,
            "threshold": self.threshold, "seuil": self.threshold,
            "spot": self.spot, "reperer": self.spot,
        }

    async def _unique_key(self, store: FaqStore, question: str) -> str:
        base = transfer.slug(question)
        taken = await store.keys()
        key, n = base, 2
        while key in taken:
            key, n = f"{base}-{n}", n + 1
        return key

    async def add(self, ctx: Context, store: FaqStore, args: str) -> None:
        question, sep, answer = args.partition("=")
        if not sep or not question.strip() or not answer.strip():
            raise UserFacingError("faq.admin.bad_add")
        entry = transfer.to_entry({"question": question.strip(), "answer": answer.strip()}, ctx.locale)
        assert entry is not None
        entry = replace(entry, key=await self._unique_key(store, entry.question))
        await store.upsert([entry], ctx.clock.now())
        await _audit(ctx, "faq.add", entry.key)
        ctx.say("faq.admin.added", entry=entry.key)

    async def edit(self, ctx: Context, store: FaqStore, args: str) -> None:
        head, sep, value = args.partition("=")
        key, _, field_name = head.strip().partition(" ")
        field_name = field_name.strip().lower()
        if not sep or field_name not in EDITABLE or not key:
            raise UserFacingError("faq.admin.bad_edit")
        row = await store.by_key(key)
        if row is None:
            raise UserFacingError("faq.admin.not_found", entry=user_text(key[:60]))
        current = EntryData.of(row)
        record = {"id": current.key, "question": current.question, "answer": current.answer,
                  "examples": list(current.examples), "tags": list(current.tags), "sector": current.sector,
                  "lang": current.lang, field_name: value.strip()}
        entry = transfer.to_entry(record, current.lang)
        if entry is None:
            raise UserFacingError("faq.admin.bad_edit")
        await store.upsert([entry], ctx.clock.now())
        await _audit(ctx, "faq.edit", key, field=field_name)
        ctx.say("faq.admin.updated", entry=key)

    async def example(self, ctx: Context, store: FaqStore, args: str) -> None:
        key, _, phrasing = args.partition(" ")
        if not phrasing.strip():
            raise UserFacingError("faq.admin.bad_edit")
        if not await store.add_example(key, phrasing.strip()[: transfer.MAX_QUESTION], ctx.clock.now()):
            raise UserFacingError("faq.admin.not_found", entry=user_text(key[:60]))
        await _audit(ctx, "faq.example", key)
        ctx.say("faq.admin.example_added", entry=key)

    async def remove(self, ctx: Context, store: FaqStore, args: str) -> None:
        key = args.strip()
        if not key or not await store.remove(key, ctx.clock.now()):
            raise UserFacingError("faq.admin.not_found", entry=user_text(key[:60]))
        await _audit(ctx, "faq.remove", key)
        ctx.say("faq.admin.removed", entry=key)

    async def list(self, ctx: Context, store: FaqStore, args: str) -> None:
        rows = await store.entries()
        if not rows:
            ctx.say("faq.admin.empty")
            return
        pages = max(1, math.ceil(len(rows) / PAGE))
        page = min(max(int(args) if args.strip().isdigit() else 1, 1), pages)
        lines = [ctx.t("faq.admin.list_header", count=len(rows), page=page, pages=pages)]
        for row in rows[(page - 1) * PAGE : page * PAGE]:
            lines.append(f"- `{user_text(row.key)}` {user_text(row.question[:120])}")
        ctx.reply("\n".join(lines))

    async def search(self, ctx: Context, store: FaqStore, args: str) -> None:
        engine = await self.service.engine(store)
        match = engine.match(args, ctx.locale)
        if not args.strip() or not match.candidates:
            ctx.say("faq.admin.search_none")
            return
        lines = [ctx.t("faq.admin.search_header")]
        by_key = {r.key: r for r in await store.entries()}
        for candidate in match.candidates:
            row = by_key.get(candidate.key)
            if row is not None:
                lines.append(f"- `{user_text(row.key)}` {user_text(row.question[:120])} ({candidate.score:.2f})")
        ctx.reply("\n".join(lines))

    async def gaps(self, ctx: Context, store: FaqStore, args: str) -> None:
        groups = group_gaps([(g.id, g.question) for g in await store.open_gaps()], self.service.analyzer)
        if not groups:
            ctx.say("faq.admin.gaps_none")
            return
        lines = [ctx.t("faq.admin.gaps_header")]
        for group in groups[:10]:
            lines.append(ctx.t("faq.admin.gap_line", number=group.number, count=group.count,
                               question=user_text(group.questions[0][:150])))
        ctx.reply("\n".join(lines))

    async def answer_gap(self, ctx: Context, store: FaqStore, args: str) -> None:
        number_text, _, answer = args.strip().lstrip("#").partition(" ")
        if not number_text.isdigit() or not answer.strip():
            raise UserFacingError("faq.admin.bad_answer")
        number = int(number_text)
        groups = group_gaps([(g.id, g.question) for g in await store.open_gaps()], self.service.analyzer)
        group = next((g for g in groups if number in g.ids), None)
        if group is None:
            raise UserFacingError("faq.admin.gap_not_found", number=number)
        question = group.questions[0]
        entry = transfer.to_entry({"question": question, "answer": answer.strip(),
                                   "examples": list(group.questions[1:])}, ctx.locale)
        assert entry is not None
        entry = replace(entry, key=await self._unique_key(store, question))
        now = ctx.clock.now()
        await store.upsert([entry], now)
        await store.resolve_gaps(group.ids, now)
        await _audit(ctx, "faq.gap_answered", entry.key, gaps=len(group.ids))
        ctx.say("faq.admin.gap_answered", entry=entry.key, count=group.count)

    async def import_(self, ctx: Context, store: FaqStore, args: str) -> None:
        fmt, _, content = args.partition("\n")
        fmt = fmt.strip().lower() or "yaml"
        if fmt not in transfer.FORMATS or not content.strip():
            raise UserFacingError("faq.admin.bad_import")
        try:
            parsed = transfer.parse(content, fmt, default_lang=ctx.locale)
        except transfer.ImportFailed as exc:
            raise UserFacingError("faq.admin.import_failed", format=fmt) from exc
        added, updated = await store.upsert(parsed.entries, ctx.clock.now())
        await _audit(ctx, "faq.import", fmt, added=added, updated=updated, rejected=len(parsed.rejected))
        ctx.say("faq.admin.imported", added=added, updated=updated, rejected=len(parsed.rejected))

    async def export(self, ctx: Context, store: FaqStore, args: str) -> None:
        fmt = args.strip().lower() or "yaml"
        if fmt not in transfer.FORMATS:
            fmt = "yaml"
        entries = [EntryData.of(r) for r in await store.entries()]
        content = transfer.export(entries, fmt)
        shown = entries
        while len(content) > EXPORT_LIMIT and len(shown) > 1:
            shown = shown[: max(1, len(shown) * EXPORT_LIMIT // len(content))]
            content = transfer.export(shown, fmt)
        await _audit(ctx, "faq.export", fmt, count=len(shown))
        ctx.reply(ctx.t("faq.admin.export", format=fmt, count=len(shown), content=content.replace("```", "'''")))
        if len(shown) < len(entries):
            ctx.say("faq.admin.export_truncated", count=len(shown))

    async def threshold(self, ctx: Context, store: FaqStore, args: str) -> None:
        value = args.strip().lower().replace(",", ".")
        if not value:
            ctx.say("faq.admin.threshold", threshold=f"{await self.service.threshold(store):.2f}")
            return
        if value in ("default", "defaut"):
            chosen = None
        else:
            try:
                chosen = float(value)
            except ValueError:
                chosen = -1.0
            if not 0.2 <= chosen <= 0.95:
                raise UserFacingError("faq.admin.bad_threshold")
        await store.set_threshold(chosen, ctx.clock.now())
        await _audit(ctx, "faq.threshold", threshold=chosen)
        shown = self.service.settings.threshold if chosen is None else chosen
        ctx.say("faq.admin.threshold_set", threshold=f"{shown:.2f}")

    async def spot(self, ctx: Context, store: FaqStore, args: str) -> None:
        on = args.strip().lower() in ("on", "oui", "yes", "1")
        channel = f"{ctx.event.ref.platform}:{ctx.event.ref.channel_id}"
        await store.set_spotting(channel, on, ctx.clock.now())
        await _audit(ctx, "faq.spot", channel, on=on)
        ctx.say("faq.admin.spot_on" if on else "faq.admin.spot_off")
