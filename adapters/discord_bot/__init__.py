"""Discord, through discord.py's gateway client (see adapter.py). Named `discord_bot` so that it can never
shadow the `discord` package it uses."""

from adapters.discord_bot.adapter import DiscordAdapter

__all__ = ["DiscordAdapter"]
