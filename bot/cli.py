"""The `agora` command line: one small function per group of subcommands, so new groups (`agora eval ...`)
plug in without touching the others.

    agora db upgrade [REV] | agora db downgrade REV     schema migrations
    agora chat [--as NAME]                               chat with the bot in this terminal
    agora demo [--as NAME]                               the same, with a seeded demo association
    agora run                                            every configured platform, /healthz, the scheduler
    agora eval faq --faqs F --queries Q [--predictions OUT]   the live FAQ engine on labelled files
    agora eval routing --sectors S --questions Q [--predictions OUT]   the live sector classifier
    agora sectors import FILE [--community SLUG]         the sector taxonomy from a YAML file
    agora faq export [--community SLUG] [--format F] [--output FILE]   the whole FAQ of a community
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from bot.config import Settings
from bot.logging import setup_logging

log = logging.getLogger("agora.cli")

Command = Callable[[argparse.Namespace, Settings], int]


def add_db_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    db = sub.add_parser("db", help="database schema migrations")
    actions = db.add_subparsers(dest="db_command", required=True)
    up = actions.add_parser("upgrade", help="migrate the database up (to the latest revision by default)")
    up.add_argument("revision", nargs="?", default="head")
    up.set_defaults(handler=db_upgrade)
    down = actions.add_parser("downgrade", help="migrate the database down to REV ('base' drops everything)")
    down.add_argument("revision")
    down.set_defaults(handler=db_downgrade)


def add_chat_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    chat = sub.add_parser("chat", help="chat with the bot in this terminal (or pipe a script into it)")
    chat.add_argument("--as", dest="as_", metavar="NAME", help="the member you act as")
    chat.set_defaults(handler=run_chat)
    demo = sub.add_parser("demo", help="seed a demo association in ./agora-demo.db and chat with it")
    demo.add_argument("--as", dest="as_", metavar="NAME", help="the demo member you act as")
    demo.set_defaults(handler=run_demo)


def add_run_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    run = sub.add_parser("run", help="run the bot on every configured platform")
    run.set_defaults(handler=run_bot)


def add_sector_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sectors = sub.add_parser("sectors", help="the community's sector taxonomy (filieres)")
    actions = sectors.add_subparsers(dest="sectors_command", required=True)
    load = actions.add_parser("import", help="add or update sectors from a YAML file (docs/onboarding.md)")
    load.add_argument("file", type=Path)
    load.add_argument("--community", metavar="SLUG", help="the community (default: AGORA_COMMUNITY)")
    load.set_defaults(handler=sectors_import)


def add_eval_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from bot.faq.eval_cli import add_eval_commands as add_group

    add_group(sub)


def add_faq_commands(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from bot.faq.export_cli import add_faq_commands as add_group

    add_group(sub)


COMMAND_GROUPS = [add_db_commands, add_chat_commands, add_run_command, add_sector_commands, add_eval_commands,
                  add_faq_commands]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="agora", description="Agora, a chat-first community bot.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in COMMAND_GROUPS:
        add(sub)
    return parser


# --- implementations -----------------------------------------------------------------------------------
def db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    from bot.store.migrate import upgrade

    upgrade(settings.database_url, args.revision)
    log.info("database upgraded", extra={"revision": args.revision})
    return 0


def db_downgrade(args: argparse.Namespace, settings: Settings) -> int:
    from bot.store.migrate import downgrade

    downgrade(settings.database_url, args.revision)
    log.info("database downgraded", extra={"revision": args.revision})
    return 0


def run_chat(args: argparse.Namespace, settings: Settings) -> int:
    from bot.console_session import chat

    return asyncio.run(chat(settings, user=args.as_))


def run_demo(args: argparse.Namespace, settings: Settings) -> int:
    from bot.console_session import demo_chat

    return asyncio.run(demo_chat(settings, user=args.as_))


def run_bot(args: argparse.Namespace, settings: Settings) -> int:
    from bot.runner import run

    return asyncio.run(run(settings))


def sectors_import(args: argparse.Namespace, settings: Settings) -> int:
    from bot.sector_import import SectorFileError, run_import

    slug = args.community or settings.community_slug
    name = settings.community_name if slug == settings.community_slug else None
    try:
        text = args.file.read_text(encoding="utf-8")
        print(asyncio.run(run_import(settings.database_url, slug, text, community_name=name)))
    except (OSError, SectorFileError) as err:
        print(f"agora sectors import: {err}", file=sys.stderr)
        return 1
    return 0


def _quiet(handler: Command) -> bool:
    """A chat reads cleanly: only warnings and errors are logged (to stderr) while it runs."""
    return handler in (run_chat, run_demo)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = Settings()
    handler: Command = args.handler
    level = "WARNING" if _quiet(handler) else settings.log_level
    setup_logging(level, settings.log_format, stream=sys.stderr)
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:  # a terminal that cannot show a character shows "?" rather than crash
            reconfigure(errors="replace")
    try:
        return handler(args, settings)
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
