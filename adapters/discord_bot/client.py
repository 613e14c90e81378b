"""Setting discord.py up: where it connects, which intents it asks, the application commands it registers, and
what its logs may say.

Where: discord.py keeps the REST base and the gateway URL in two class attributes (`discord.http.Route.BASE`
and `discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY`), not per client. The adapter sets them from
DISCORD_API_URL and DISCORD_GATEWAY_URL when it starts (the real Discord when unset), so one process talks to
one Discord API base; that is all a deployment needs, and what lets tests point discord.py at a local fake.

Commands: `/agora` with a `command` option and an `args` option (so every command of the core works without
the adapter knowing the list), plus bare `/help` and `/aide`. Their descriptions come from the catalogs, in
the default language with French and English localisations. discord.py's tree is used to describe and sync
them (PUT /applications/{id}/commands); it does not dispatch them: the adapter handles every interaction
from the raw INTERACTION_CREATE, so buttons need no registered View and keep working after a restart.
"""

from __future__ import annotations

import logging
import re
from typing import Any, Protocol

import discord
import yarl
from discord import app_commands

from bot.i18n import SUPPORTED, Catalogs, normalise_locale

DEFAULT_API = "https://discord.com/api/v10"
DEFAULT_GATEWAY = "wss://gateway.discord.gg/"
_SECRET_PATH = re.compile(r"/(webhooks|interactions)/(\d+)/[^/\s?'\"]+")
_NOISY = ("discord.http", "discord.gateway", "discord.webhook.async_")
_GUARDED = (*_NOISY, "discord.client", "discord.state", "discord.app_commands.tree")


def configure_endpoints(api_url: str | None, gateway_url: str | None) -> None:
    """Point discord.py (process-wide) at the given Discord API base and gateway."""
    discord.http.Route.BASE = (api_url or DEFAULT_API).rstrip("/")
    discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url or DEFAULT_GATEWAY)


def intents() -> discord.Intents:
    """Guilds (the workspaces), members (joins; privileged), guild and DM messages, message content
    (privileged: needed to read what members write to the bot), and reactions (activity, for the nudges)."""
    return discord.Intents(guilds=True, members=True, guild_messages=True, dm_messages=True,
                           message_content=True, guild_reactions=True, dm_reactions=True)


class _LogGuard(logging.Filter):
    """discord.py logs request bodies and gateway payloads at DEBUG, and interaction tokens sit in webhook
    URLs: drop the former, mask the latter, so Agora's rule (no contents, no secrets in logs) holds."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.INFO and record.name in _NOISY:
            return False
        if isinstance(record.msg, str):
            record.msg = _SECRET_PATH.sub(r"/\1/\2/***", record.msg)
        if record.args and isinstance(record.args, tuple):
            record.args = tuple(_SECRET_PATH.sub(r"/\1/\2/***", a) if isinstance(a, str) else a
                                for a in record.args)
        return True


def guard_logs() -> None:
    for name in _GUARDED:
        logger = logging.getLogger(name)
        if not any(isinstance(f, _LogGuard) for f in logger.filters):
            logger.addFilter(_LogGuard())


class CatalogTranslator(app_commands.Translator):
    """Command descriptions in French and English, from the same catalogs as every other string."""

    def __init__(self, catalogs: Catalogs) -> None:
        self._catalogs = catalogs

    async def translate(self, string: app_commands.locale_str, locale: discord.Locale,
                        context: app_commands.TranslationContextTypes) -> str | None:
        key = string.extras.get("key")
        lang = normalise_locale(locale.value)
        if not isinstance(key, str) or lang not in SUPPORTED:
            return None
        return self._catalogs.translate(lang, key)[:100]


class AgoraTree(app_commands.CommandTree[discord.Client]):
    """Describes and syncs the commands; refuses to run them, because the adapter handles them itself."""

    async def interaction_check(self, interaction: discord.Interaction[discord.Client], /) -> bool:
        return False


def build_tree(client: discord.Client, catalogs: Catalogs, locale: str) -> AgoraTree:
    tree = AgoraTree(client)

    def text(key: str) -> app_commands.locale_str:
        return app_commands.locale_str(catalogs.translate(locale, key)[:100], key=key)

    @app_commands.describe(command=text("discord.opt.command"), args=text("discord.opt.args"))
    async def agora(interaction: discord.Interaction[Any], command: str | None = None,
                    args: str | None = None) -> None:
        """Never called (see AgoraTree)."""

    tree.add_command(app_commands.Command(name="agora", description=text("discord.cmd.agora"),
                                          callback=agora))

    async def bare(interaction: discord.Interaction[Any]) -> None:
        """Never called (see AgoraTree)."""

    for name in ("help", "aide"):
        tree.add_command(app_commands.Command(name=name, description=text("discord.cmd.help"), callback=bare))
    return tree


class Hooks(Protocol):
    """What the client calls on the adapter."""

    def connected(self) -> None: ...

    async def on_message(self, message: discord.Message) -> None: ...

    async def on_member_join(self, member: discord.Member) -> None: ...

    async def on_interaction(self, interaction: discord.Interaction[discord.Client]) -> None: ...

    async def on_reaction(self, payload: discord.RawReactionActionEvent) -> None: ...


class GatewayClient(discord.Client):
    """A discord.Client that hands what it receives to the adapter's callbacks; nothing else."""

    def __init__(self, hooks: Hooks, **options: Any) -> None:
        super().__init__(intents=intents(), chunk_guilds_at_startup=False, max_ratelimit_timeout=30.0,
                         **options)
        self.hooks = hooks

    async def on_connect(self) -> None:
        self.hooks.connected()

    async def on_message(self, message: discord.Message) -> None:
        await self.hooks.on_message(message)

    async def on_member_join(self, member: discord.Member) -> None:
        await self.hooks.on_member_join(member)

    async def on_interaction(self, interaction: discord.Interaction[discord.Client]) -> None:
        await self.hooks.on_interaction(interaction)

    async def on_raw_reaction_add(self, payload: discord.RawReactionActionEvent) -> None:
        await self.hooks.on_reaction(payload)
