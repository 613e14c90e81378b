"""The console adapter: the bot in a terminal. Each line typed (or piped in) is a message in the member's DM
with the bot; the bot's replies are printed in order before the next prompt.

A few commands belong to the console itself, not to the bot: acting as another member (`/as NAME`),
simulating a member joining (`/join NAME`), `/who`, `/quit` and `/console` (their help). Every other line
starting with "/" is a slash command for the bot, exactly as Slack or Discord would deliver one.
"""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import logging
import sys
import uuid
from typing import IO, Any

from adapters.console.reader import LineReader
from adapters.console.render import format_message, printable
from bot.clock import Clock, SystemClock
from bot.config import Settings
from bot.events import CommandInvoked, ConversationRef, Event, MemberJoined, MessageReceived, Sender
from bot.i18n import Catalogs, normalise_locale
from bot.ports import Capabilities, EventSink, SendResult
from bot.replies import OutboundMessage
from bot.text import clean_text, strip_invisible

log = logging.getLogger("agora.console")

PLATFORM = "console"
WORKSPACE = "console"
JOIN_CHANNEL = "general"
MAX_USER_ID = 64  # platform_accounts.external_user_id

AS_COMMANDS = frozenset({"as", "en-tant-que"})
WHO_COMMANDS = frozenset({"who"})
QUIT_COMMANDS = frozenset({"quit", "quitter", "exit"})
JOIN_COMMANDS = frozenset({"join"})
HELP_COMMANDS = frozenset({"console"})


def user_id_for(name: str) -> str:
    """The console user id of a display name: what `/as NAME` acts as, and what the demo seed stores
    (so `/as Awa` finds the seeded Awa). Case-insensitive, spaces become dashes."""
    return "-".join(strip_invisible(clean_text(name)).casefold().split())[:MAX_USER_ID]


def _default_name() -> str:
    try:
        return getpass.getuser() or "guest"
    except (KeyError, OSError):  # no login name (some containers)
        return "guest"


class ConsoleAdapter:
    """Implements bot.ports.Adapter for a terminal or a pipe. `finished()` returns when the input has ended
    (end of file or `/quit`), which is when `agora chat` stops the app."""

    platform = PLATFORM
    capabilities = Capabilities(buttons=False, ephemeral=False, threads=False, dm=True, rate_per_second=1000)
    deliver_inline = True  # App.handle drains the outbox before returning: replies print before the next prompt

    def __init__(self, settings: Settings | None = None, stdin: IO[Any] | None = None,
                 stdout: IO[str] | None = None, *, user: str | None = None, clock: Clock | None = None,
                 catalogs: Catalogs | None = None, interactive: bool | None = None,
                 greeting: str | None = None) -> None:
        settings = settings or Settings()
        self._in: IO[Any] = stdin if stdin is not None else sys.stdin
        self._out: IO[str] = stdout if stdout is not None else sys.stdout
        self._clock = clock or SystemClock()
        locale = normalise_locale(settings.default_locale) or "fr"
        self.t = (catalogs or Catalogs()).translator(locale)
        self.interactive = self._isatty() if interactive is None else interactive
        self.greeting = greeting
        self.names: dict[str, str] = {}  # user id -> display name, for "Agora → Awa:" lines
        self.user_id, self.user_name = "", ""
        self.act_as(user or settings.console_user or _default_name())
        self._reader = LineReader(self._in)
        self._task: asyncio.Task[None] | None = None
        self._done = asyncio.Event()
        self._handling = False
        self._stopping = False

    def _isatty(self) -> bool:
        try:
            return bool(self._in.isatty())
        except (AttributeError, ValueError, OSError):
            return False

    # --- the port ----------------------------------------------------------------------------------------
    async def start(self, sink: EventSink) -> None:
        self._done.clear()
        self._stopping = False
        self._task = asyncio.create_task(self._run(sink), name="agora-console")

    async def stop(self) -> None:
        """Stop reading; an event being handled is finished first, a pending read is abandoned."""
        self._stopping = True
        self._reader.close()
        if self._task is not None:
            if not self._handling:
                self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self._done.set()

    async def send(self, message: OutboundMessage) -> SendResult:
        self._print(format_message(message, self.user_id, self.names, self.t))
        return SendResult(external_id=uuid.uuid4().hex)

    async def finished(self) -> None:
        """Return once the input has ended or the member typed /quit."""
        await self._done.wait()

    # --- acting as a member ------------------------------------------------------------------------------
    def act_as(self, name: str) -> bool:
        """Become the member called `name` (created by the core on their first message)."""
        shown = strip_invisible(clean_text(name, limit=200)).strip()
        user_id = user_id_for(shown)
        if not user_id:
            return False
        self.user_id, self.user_name = user_id, shown
        self.names[user_id] = shown
        return True

    def _ref(self, user_id: str) -> ConversationRef:
        return ConversationRef(PLATFORM, WORKSPACE, f"dm-{user_id}", user_id, is_dm=True)

    def _sender(self) -> Sender:
        return Sender(user_id=self.user_id, display_name=self.user_name)

    # --- the reading loop --------------------------------------------------------------------------------
    async def _run(self, sink: EventSink) -> None:
        try:
            if self.interactive:
                self._print(self.t("console.banner", name=printable(self.user_name)))
                if self.greeting:
                    self._print(self.greeting)
            while not self._stopping:
                if self.interactive:
                    self._write(self.t("console.prompt", name=printable(self.user_name)))
                line = await self._reader.next_line()
                if line is None:
                    if self.interactive:
                        self._print("")
                    break
                self._handling = True
                try:
                    if not await self._line(line, sink):
                        break
                finally:
                    self._handling = False
        finally:
            self._done.set()

    async def _line(self, raw: str, sink: EventSink) -> bool:
        """Handle one line; False when the member asked to quit."""
        text = clean_text(raw)
        bare = strip_invisible(text).strip()
        if not bare:
            return True
        if bare.startswith("/") and len(bare) > 1:
            word, _, rest = bare[1:].partition(" ")
            name, args = word.lower(), rest.strip()
            if name in QUIT_COMMANDS:
                if self.interactive:
                    self._print(self.t("console.bye"))
                return False
            if name in AS_COMMANDS | WHO_COMMANDS | JOIN_COMMANDS | HELP_COMMANDS:
                await self._console_command(name, args, sink)
                return True
            await self._deliver(CommandInvoked(**self._common(), name=word, args=args), sink)
            return True
        await self._deliver(MessageReceived(**self._common(), text=text), sink)
        return True

    def _common(self) -> dict[str, Any]:
        return {"platform": PLATFORM, "event_id": uuid.uuid4().hex, "ref": self._ref(self.user_id),
                "sender": self._sender(), "ts": self._clock.now()}

    async def _console_command(self, name: str, args: str, sink: EventSink) -> None:
        if name in WHO_COMMANDS:
            self._print(self.t("console.who", name=printable(self.user_name)))
        elif name in HELP_COMMANDS:
            self._print(self.t("console.help"))
        elif name in AS_COMMANDS:
            if self.act_as(args):
                self._print(self.t("console.now_as", name=printable(self.user_name)))
            else:
                self._print(self.t("console.usage_as"))
        elif name in JOIN_COMMANDS:
            shown = strip_invisible(clean_text(args, limit=200)).strip()
            user_id = user_id_for(shown)
            if not user_id:
                self._print(self.t("console.usage_join"))
                return
            self.names[user_id] = shown
            self._print(self.t("console.joined", name=printable(shown)))
            ref = ConversationRef(PLATFORM, WORKSPACE, JOIN_CHANNEL, user_id)
            await self._deliver(MemberJoined(platform=PLATFORM, event_id=uuid.uuid4().hex, ref=ref,
                                             sender=Sender(user_id=user_id, display_name=shown),
                                             ts=self._clock.now()), sink)

    async def _deliver(self, event: Event, sink: EventSink) -> None:
        try:
            await sink(event)
        except Exception as err:  # the console keeps going; the cause is in the logs (ids only)
            log.warning("console event failed", extra={"event_id": event.event_id, "error": type(err).__name__},
                        exc_info=True)
            self._print(self.t("console.error"))

    # --- output ------------------------------------------------------------------------------------------
    def _write(self, text: str) -> None:
        try:
            self._out.write(text)
            self._out.flush()
        except UnicodeEncodeError:  # a terminal that cannot show some characters: show the rest
            encoding = getattr(self._out, "encoding", None) or "ascii"
            self._out.write(text.encode(encoding, errors="replace").decode(encoding))
            self._out.flush()
        except (BrokenPipeError, ValueError):  # the reader of our output went away
            pass

    def _print(self, text: str) -> None:
        self._write(text + "\n")
