"""The console adapter, in process (io streams) and through the real `agora` command (subprocesses)."""

from __future__ import annotations

import asyncio
import io
import os
import signal
import sqlite3
import threading
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.console import ConsoleAdapter, user_id_for
from adapters.console.reader import MAX_LINE_BYTES, FdLines
from adapters.console.render import format_message
from bot.clock import ManualClock
from bot.composition import build_app
from bot.config import Settings
from bot.i18n import Catalogs
from bot.replies import OutboundMessage, Visibility
from tests.e2e.agora_cli import Terminal, agora, sqlite_url

FRENCH_HELP = "Voici ce que je peux faire"
ENGLISH_HELP = "Here is what I can do"


def settings_for(database_url: str) -> Settings:
    return Settings.model_validate({"DATABASE_URL": database_url, "AGORA_COMMUNITY": "test",
                                    "AGORA_COMMUNITY_NAME": "Test", "AGORA_DEFAULT_LOCALE": "fr"})


async def converse(database_url: str, engine: AsyncEngine, clock: ManualClock, script: str,
                   **console: object) -> str:
    """Feed `script` to a console on the real app; return everything it printed once the input ended."""
    settings = settings_for(database_url)
    out = io.StringIO()
    adapter = ConsoleAdapter(settings=settings, stdin=io.StringIO(script), stdout=out, user="Alice", clock=clock,
                             **console)  # type: ignore[arg-type]
    app = build_app(settings, clock=clock, adapters=[adapter], engine=engine)
    await app.start()
    try:
        await asyncio.wait_for(adapter.finished(), 30)
    finally:
        await app.stop()
    return out.getvalue()


def in_order(text: str, *parts: str) -> bool:
    """Every part appears, each after the previous one."""
    pos = 0
    for part in parts:
        found = text.find(part, pos)
        if found < 0:
            return False
        pos = found + len(part)
    return True


# --- in process -------------------------------------------------------------------------------------------
async def test_conversation_prints_replies_in_order(database_url: str, engine: AsyncEngine,
                                                    clock: ManualClock) -> None:
    out = await converse(database_url, engine, clock,
                         "aide\n/as Bob\n/who\nlangue\n2\naide\n/as Alice\naide\n")
    assert in_order(out, FRENCH_HELP, "Vous êtes maintenant Bob.", "Vous êtes Bob.",
                    "Dans quelle langue", "1. Français\n2. English", "I will write to you in English",
                    ENGLISH_HELP, "Vous êtes maintenant Alice.", FRENCH_HELP), out
    assert "Alice>" not in out  # no prompt when the input is not a terminal


async def test_slash_commands_go_to_the_bot_and_console_commands_do_not(
        database_url: str, engine: AsyncEngine, clock: ManualClock) -> None:
    out = await converse(database_url, engine, clock, "/frobnicate now\n/aide\n/lang en\n/console\n/as\n")
    assert in_order(out, "frobnicate", FRENCH_HELP, "in English", "/join", "/as NOM"), out


async def test_join_welcomes_the_newcomer_by_name(database_url: str, engine: AsyncEngine,
                                                 clock: ManualClock) -> None:
    out = await converse(database_url, engine, clock, "/join Zoé Martin\n")
    assert in_order(out, "Zoé Martin rejoint la communauté.", "Agora → Zoé Martin : Bienvenue dans Test"), out


async def test_quit_stops_reading(database_url: str, engine: AsyncEngine, clock: ManualClock) -> None:
    out = await converse(database_url, engine, clock, "aide\n/quit\nhelp\n")
    assert out.count("Agora :") == 1 and FRENCH_HELP in out


async def test_hostile_lines_do_not_crash_and_the_member_carries_on(
        database_url: str, engine: AsyncEngine, clock: ManualClock) -> None:
    lines = [
        "x" * 10_000,
        "/" + "y" * 10_000,
        "\u202eedia\u202c שלום עולם مرحبا",
        "a\u200bi\u200dd\ufeffe",  # "aide" with zero-width characters inside
        "🧑‍🔧🏳️‍🌈" * 200,
        "nul\x00byte \x1b[2J escape",
        "\ud800 lone surrogate",
        "aide",
    ]
    out = await converse(database_url, engine, clock, "\n".join(lines) + "\n")
    assert out.count(FRENCH_HELP) == 2, out  # the zero-width "aide" and the plain one
    assert "\x1b" not in out and "\x00" not in out
    # Every line got exactly one answer, plus the offer to ask the members where the FAQ had none for a line
    # that reads like a question (the right-to-left one has four words).
    assert out.count("Agora :") == len(lines) + out.count("Je la transmets aux membres"), out


async def test_interactive_mode_shows_a_banner_and_the_prompt(database_url: str, engine: AsyncEngine,
                                                             clock: ManualClock) -> None:
    out = await converse(database_url, engine, clock, "/as Bob\n", interactive=True, greeting="Bonjour !")
    assert in_order(out, "Vous êtes Alice", "Bonjour !", "Alice> ", "Vous êtes maintenant Bob.", "Bob> "), out


def test_user_ids_ignore_case_spacing_and_invisible_characters() -> None:
    assert user_id_for("Awa") == user_id_for(" awa ") == user_id_for("A\u200bWA") == "awa"
    assert user_id_for("Jean  Marc") == "jean-marc"
    assert user_id_for("\u200b") == ""
    assert len(user_id_for("z" * 500)) == 64


def test_messages_name_their_recipient_and_drop_terminal_controls() -> None:
    t = Catalogs().translator("en")

    def message(text: str, user: str, visibility: Visibility, channel: str | None) -> OutboundMessage:
        return OutboundMessage(id=1, idempotency_key="k", platform="console", workspace_id="console",
                               channel_id=channel, user_id=user, thread_id=None, visibility=visibility, text=text)

    names = {"awa": "Awa"}
    mine = message("*Hi* \x1b[31mthere", "bob", Visibility.DM, "dm-bob")
    assert format_message(mine, "bob", names, t) == "Agora: Hi [31mthere"
    theirs = message("Welcome", "awa", Visibility.DM, None)
    assert format_message(theirs, "bob", names, t) == "Agora → Awa: Welcome"
    public = message("Hello @everyone", "awa", Visibility.CHANNEL, "general")
    assert format_message(public, "bob", names, t) == "Agora in #general: Hello @\u200beveryone"


def test_fd_reader_survives_invalid_bytes_and_endless_lines() -> None:
    read_fd, write_fd = os.pipe()
    payload = b"caf\xc3\xa9 \xff\xfe\n" + b"z" * (MAX_LINE_BYTES * 3) + b"\nafter\nlast without newline"

    def write() -> None:
        os.write(write_fd, payload)
        os.close(write_fd)

    writer = threading.Thread(target=write)  # the payload is larger than a pipe's buffer
    writer.start()
    try:
        lines = FdLines(read_fd)
        assert lines() == "café \ufffd\ufffd"
        long = lines()
        assert long is not None and len(long) == MAX_LINE_BYTES and set(long) == {"z"}
        assert lines() == "after"
        assert lines() == "last without newline"
        assert lines() is None
    finally:
        writer.join(10)
        os.close(read_fd)


# --- through the command line ----------------------------------------------------------------------------
def test_chat_switches_member_and_answers_numbered_choices(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "chat.db")
    script = b"aide\n/as Bob\n/who\nlangue\n2\naide\n/as Carla\naide\n"
    result = agora("chat", "--as", "Alice", cwd=tmp_path, stdin=script, DATABASE_URL=url)
    out, err = result.stdout.decode(), result.stderr.decode()
    assert result.returncode == 0, err
    assert in_order(out, FRENCH_HELP, "Vous êtes maintenant Bob.", "Vous êtes Bob.", "Dans quelle langue",
                    "1. Français", "2. English", "I will write to you in English", ENGLISH_HELP,
                    "Vous êtes maintenant Carla.", FRENCH_HELP), out
    assert "Traceback" not in err
    with sqlite3.connect(tmp_path / "chat.db") as db:
        locales = dict(db.execute("select display_name, locale from members").fetchall())
    assert locales == {"Alice": None, "Bob": "en", "Carla": None}


def test_chat_in_a_terminal_prompts_and_ends_on_ctrl_d(tmp_path: Path) -> None:
    term = Terminal("chat", "--as", "Zoé", cwd=tmp_path, DATABASE_URL=sqlite_url(tmp_path / "chat.db"))
    banner = term.read_until("Zoé> ")
    assert "Vous êtes Zoé" in banner and "/quit" in banner
    term.type("aide\n")
    assert FRENCH_HELP in term.read_until("Zoé> ")  # the reply comes before the next prompt
    term.type("/as Bob\n")
    assert "Vous êtes maintenant Bob." in term.read_until("Bob> ")
    term.type("\x04")  # Ctrl-D: the end of input
    code, err = term.wait()
    assert code == 0 and "Traceback" not in err, err


def test_chat_in_a_terminal_stops_on_ctrl_c(tmp_path: Path) -> None:
    term = Terminal("chat", "--as", "Zoé", cwd=tmp_path, DATABASE_URL=sqlite_url(tmp_path / "chat.db"))
    term.read_until("Zoé> ")
    term.process.send_signal(signal.SIGINT)
    code, err = term.wait()
    assert code == 130, err
    assert "Traceback" not in err and "Fatal" not in err, err


def test_chat_survives_hostile_bytes(tmp_path: Path) -> None:
    url = sqlite_url(tmp_path / "chat.db")
    script = b"\n".join([
        b"x" * 10_000,
        "\u202eedia\u202c שלום".encode(),
        "a\u200bide".encode(),
        "🧑‍🔧 émoji ✨".encode(),
        b"nul\x00byte",
        b"invalid \xff\xfe\xc3\x28 utf-8",
        b"\x1b]0;title\x07",
        b"aide",
    ]) + b"\n"
    result = agora("chat", "--as", "Alice", cwd=tmp_path, stdin=script, DATABASE_URL=url)
    out, err = result.stdout.decode(), result.stderr.decode()
    assert result.returncode == 0, err
    assert out.count(FRENCH_HELP) == 2, out
    assert out.count("Agora :") == 8, out
    assert "Traceback" not in err


def test_chat_ends_cleanly_on_empty_input(tmp_path: Path) -> None:
    result = agora("chat", cwd=tmp_path, DATABASE_URL=sqlite_url(tmp_path / "chat.db"))
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == b""


def test_db_upgrade_creates_the_schema_and_downgrade_removes_it(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    result = agora("db", "upgrade", cwd=tmp_path, DATABASE_URL=sqlite_url(path))
    assert result.returncode == 0, result.stderr.decode()
    with sqlite3.connect(path) as db:
        tables = {row[0] for row in db.execute("select name from sqlite_master where type = 'table'")}
        assert {"communities", "members", "platform_accounts", "outbox", "alembic_version"} <= tables
        assert db.execute("select count(*) from alembic_version").fetchone() == (1,)
    result = agora("db", "downgrade", "base", cwd=tmp_path, DATABASE_URL=sqlite_url(path))
    assert result.returncode == 0, result.stderr.decode()
    with sqlite3.connect(path) as db:
        tables = {row[0] for row in db.execute("select name from sqlite_master where type = 'table'")}
    assert "members" not in tables and "outbox" not in tables


def test_unknown_subcommand_is_refused(tmp_path: Path) -> None:
    result = agora("frobnicate", cwd=tmp_path)
    assert result.returncode == 2 and b"invalid choice" in result.stderr

