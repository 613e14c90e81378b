"""Placeholder registration, replaced by the feature's handlers."""

from __future__ import annotations

from bot.context import Services
from bot.router import Router


def setup(router: Router, services: Services) -> None:
    return None
