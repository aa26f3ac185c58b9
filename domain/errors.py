"""Domain errors: raised by services with a message key, turned into a localized answer."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the programme said no; `key` names the message shown to the person."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class NotAllowed(DomainError):
    """The person's role does not allow this action."""
