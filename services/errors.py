"""Refusals a service raises; each names the message key that explains it to the user."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """A refusal with a text key (see ui/templates) and the values the text needs."""

    def __init__(self, key: str, **values: Any) -> None:
        super().__init__(key)
        self.key = key
        self.values = values


class NotAllowed(ServiceError):
    """The user's role does not allow this action."""


class NotFound(ServiceError):
    """The thing acted on does not exist (or is not visible to this user)."""


class Invalid(ServiceError):
    """The input broke a rule the user can fix."""


class AlreadyDone(ServiceError):
    """Someone (maybe the same user) already did this; nothing changed."""
