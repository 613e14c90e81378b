"""`agora faq export`: a community's whole FAQ from the command line.

A chat message holds a few thousand characters, so `agora faq export` in the chat shows the first entries
only and points facilitators here for the rest:

    agora faq export [--community SLUG] [--format yaml|csv|jsonl] [--output FILE]

It reads the database the bot uses (DATABASE_URL), writes every entry of the community (AGORA_COMMUNITY by
default) in the same format the chat import reads (bot.faq.transfer), to FILE or to standard output, and
records the export in the community's audit log as the chat command does (format and count, no contents).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from bot.config import Settings
from bot.faq import transfer


def add_faq_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """The `faq` group of `agora`."""
    faq = sub.add_parser("faq", help="the community's FAQ")
    actions = faq.add_subparsers(dest="faq_command", required=True, metavar="WHAT")
    export = actions.add_parser("export", help="every FAQ entry of a community, as YAML, CSV or JSON Lines")
    export.add_argument("--community", metavar="SLUG", help="the community (default: AGORA_COMMUNITY)")
    export.add_argument("--format", choices=transfer.FORMATS, default="yaml")
    export.add_argument("--output", type=Path, help="the file to write (default: standard output)")
    export.set_defaults(handler=run_faq_export)


async def export_faq(database_url: str, community_slug: str, fmt: str) -> tuple[str, int] | None:
    """The community's entries in `fmt` and their count; None when there is no such community."""
    from bot.clock import SystemClock
    from bot.faq.store import EntryData, FaqStore
    from bot.store.db import create_engine, session_factory
    from bot.store.uow import UnitOfWork

    engine = create_engine(database_url)
    try:
        async with UnitOfWork(session_factory(engine)) as uow:
            community = await uow.directory.by_slug(community_slug)
            if community is None:
                return None
            entries = [EntryData.of(row) for row in await FaqStore(uow.session, community.id).entries()]
            await uow.audit(community.id).record(None, "faq.export", SystemClock().now(), target=fmt,
                                                 count=len(entries), via="cli")
        return transfer.export(entries, fmt), len(entries)
    finally:
        await engine.dispose()


def run_faq_export(args: argparse.Namespace, settings: Settings) -> int:
    slug = args.community or settings.community_slug
    result = asyncio.run(export_faq(settings.database_url, slug, args.format))
    if result is None:
        print(f"agora faq export: no community {slug!r} in this database", file=sys.stderr)
        return 1
    content, count = result
    if args.output is None:
        sys.stdout.write(content)
        return 0
    try:
        args.output.write_text(content, encoding="utf-8")
    except OSError as err:
        print(f"agora faq export: {err}", file=sys.stderr)
        return 1
    print(f"{count} entries written to {args.output}", file=sys.stderr)
    return 0
