"""The one user-facing error type. Raise it anywhere in a handler; the error middleware answers politely."""

from __future__ import annotations


class UserFacingError(Exception):
    """A problem the member should hear about, as an i18n key and its parameters (never a raw sentence)."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class DuplicateEvent(Exception):
    """The event was already handled (here or by another process): stop quietly, leave no effect."""


class PermissionDenied(UserFacingError):
    def __init__(self, needed: str) -> None:
        super().__init__(f"error.permission.{needed}")
        self.needed = needed
