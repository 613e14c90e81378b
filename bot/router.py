"""The router: commands, button actions, event types and free-text intents, each to one handler.

Commands carry their required role and their help text keys, so `help` lists exactly what a member may do
and permissions are checked in one place (bot.middleware.permissions), not in each handler.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.events import ButtonClicked, CommandInvoked, Event, MessageReceived
from bot.replies import decode_action
from bot.text import strip_invisible

if TYPE_CHECKING:
    from bot.context import Context

Handler = Callable[["Context"], Awaitable[None]]
TextMatcher = Callable[["Context", str], bool]


@dataclass(frozen=True, slots=True)
class CommandSpec:
    name: str
    handler: Handler
    aliases: tuple[str, ...] = ()
    role: str = "member"
    help_key: str | None = None  # i18n key of a one-line description; None: not listed in help


@dataclass(frozen=True, slots=True)
class Route:
    """What the router decided for one event: the handler, the role it needs, and parsed arguments."""

    handler: Handler
    role: str = "member"
    command: str | None = None
    args: str = ""
    action: str | None = None
    value: str = ""


class Router:
    def __init__(self) -> None:
        self._commands: dict[str, CommandSpec] = {}
        self._groups: set[str] = set()  # first words of two-word commands ("agora" of "agora faq")
        self._specs: list[CommandSpec] = []
        self._actions: dict[str, tuple[Handler, str]] = {}
        self._events: dict[type[Event], list[Handler]] = {}
        self._texts: list[tuple[int, TextMatcher, Handler]] = []
        self._unknown_command: Handler | None = None
        self._fallback: Handler | None = None

    # --- registration ------------------------------------------------------------------------------------
    def command(self, name: str, *aliases: str, role: str = "member",
                help_key: str | None = None) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            spec = CommandSpec(name, fn, tuple(aliases), role, help_key)
            for word in (name, *aliases):
                if word.lower() in self._commands:
                    raise ValueError(f"command {word!r} registered twice")
                self._commands[word.lower()] = spec
                if " " in word:  # "agora faq": `/agora faq ...` routes here, with its own role
                    self._groups.add(word.lower().split(" ", 1)[0])
            self._specs.append(spec)
            return fn

        return register

    def action(self, name: str, role: str = "member") -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            self._actions[name] = (fn, role)
            return fn

        return register

    def on(self, event_type: type[Event]) -> Callable[[Handler], Handler]:
        def register(fn: Handler) -> Handler:
            self._events.setdefault(event_type, []).append(fn)
            return fn

        return register

    def text(self, matcher: TextMatcher, priority: int = 100) -> Callable[[Handler], Handler]:
        """Free-text intent: the first matcher (lowest priority number) that accepts the text wins."""

        def register(fn: Handler) -> Handler:
            self._texts.append((priority, matcher, fn))
            self._texts.sort(key=lambda item: item[0])
            return fn

        return register

    def unknown_command(self, fn: Handler) -> Handler:
        self._unknown_command = fn
        return fn

    def fallback(self, fn: Handler) -> Handler:
        """Free text nobody claimed (in a DM or addressed to the bot)."""
        self._fallback = fn
        return fn

    @property
    def commands(self) -> list[CommandSpec]:
        return list(self._specs)

    def is_command(self, word: str) -> bool:
        return word.lower() in self._commands or word.lower() in self._groups

    # --- resolution --------------------------------------------------------------------------------------
    def resolve(self, ctx: Context) -> Route | None:
        event = ctx.event
        if isinstance(event, CommandInvoked):
            return self._command_route(event.name, event.args)
        if isinstance(event, ButtonClicked):
            action, value = decode_action(event.action_id)
            found = self._actions.get(action)
            if found is None:
                return Route(self._unknown_command, action=action) if self._unknown_command else None
            return Route(found[0], role=found[1], action=action, value=value)
        if isinstance(event, MessageReceived):
            text = strip_invisible(event.text).strip()
            addressed = event.ref.is_dm or event.mentions_bot
            if addressed and text:
                first, _, rest = text.partition(" ")
                word = first.lstrip("/!").lower()
                if word in self._commands or word in self._groups:
                    return self._command_route(word, rest.strip())
            for _, matcher, handler in self._texts:
                if matcher(ctx, text):
                    return Route(handler)
            if addressed and self._fallback is not None:
                return Route(self._fallback)
            return None
        handlers = self._events.get(type(event))
        if handlers:
            return Route(_all(handlers))
        return None

    def _command_route(self, name: str, args: str) -> Route | None:
        name = name.lower().lstrip("/")
        sub, _, rest = args.strip().partition(" ")
        if name in self._groups and name not in self._commands:
            found = self._commands.get(f"{name} {sub.lower()}") if sub else None
            if found is not None:
                return Route(found.handler, role=found.role, command=found.name, args=rest.strip())
            # `/agora help`, `/agora` alone, `/agora link ...`: the group word is optional, as it is on the
            # platforms whose adapters strip it (Slack, Discord: `/agora stats` arrives as `stats`).
            if not sub:
                sub = "help"
            if sub.lower() not in self._groups:
                return self._command_route(sub, rest)
        if name not in self._commands and name not in self._groups:
            for group in sorted(self._groups):  # `stats` from Slack or Discord is `agora stats`
                found = self._commands.get(f"{group} {name}")
                if found is not None:
                    return Route(found.handler, role=found.role, command=found.name, args=args.strip())
        spec = self._commands.get(name)
        if spec is None:
            if self._unknown_command is None:
                return None
            return Route(self._unknown_command, command=name, args=args)
        return Route(spec.handler, role=spec.role, command=spec.name, args=args)


def _all(handlers: list[Handler]) -> Handler:
    async def run(ctx: Context) -> None:
        for handler in handlers:
            await handler(ctx)

    return run
