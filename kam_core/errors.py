"""Domain errors. The Slack edge and the CLI turn them into clear messages."""

from __future__ import annotations


class KamError(Exception):
    """Base of every error a user can be told about."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(KamError):
    def __init__(self, what: str, ref: str, field: str | None = None) -> None:
        super().__init__(f"{what} {ref} was not found in this workspace.")
        self.ref = ref
        self.field = field


class NotAllowed(KamError):
    """A refused action; `message` says why."""


class Conflict(KamError):
    """Someone else changed the record first; nothing was written."""


class InvalidInput(KamError):
    """Bad input: `errors` maps a field name to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        self.errors = dict(errors)
        text = "; ".join(f"{field.replace('_', ' ').capitalize()} — {msg}" for field, msg in errors.items())
        super().__init__(text)

    @classmethod
    def one(cls, field: str, message: str) -> InvalidInput:
        return cls({field: message})
