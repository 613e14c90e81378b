"""The console adapter: chat with the bot in a terminal, or feed it a script on stdin (the embedded default)."""

from adapters.console.adapter import ConsoleAdapter, user_id_for

__all__ = ["ConsoleAdapter", "user_id_for"]
