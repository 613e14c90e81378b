"""Keeping message contents out of the logs that python-telegram-bot writes itself.

At DEBUG level PTB logs every request's parameters (the text we send), every raw update it processes (the text
members send) and the Bot API URL (which holds the token). The lines are useful, their arguments are not ours
to keep: a filter on those loggers drops the arguments and keeps the line.
"""

from __future__ import annotations

import logging

# The PTB loggers whose records carry request parameters or updates as arguments.
CHATTY = ("telegram.Bot", "telegram.ext.ExtBot", "telegram.ext.Application")


class WithoutArguments(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = f"{record.msg} (arguments withheld)"
            record.args = ()
        return True


def quiet_sdk_logs() -> None:
    """Install the filter once per process (idempotent: adapters may be built several times)."""
    for name in CHATTY:
        logger = logging.getLogger(name)
        if not any(isinstance(f, WithoutArguments) for f in logger.filters):
            logger.addFilter(WithoutArguments())
