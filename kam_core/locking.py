"""Optimistic locking helpers: a stale edit fails with a clear conflict and writes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm.exc import StaleDataError

from kam_core.errors import Conflict


def check_version(record: Any, expected: int | None) -> None:
    if expected is not None and record.version != expected:
        raise Conflict(
            f"{getattr(record, 'ref', 'This record')} was changed by someone else a moment ago "
            f"(version {record.version}, you saw {expected}). Nothing was saved; look again and retry."
        )


@contextmanager
def conflicts_as_errors(what: str = "This record") -> Iterator[None]:
    """Turn SQLAlchemy's StaleDataError (a lost optimistic-lock race) into a Conflict."""
    try:
        yield
    except StaleDataError:
        raise Conflict(
            f"{what} was changed by someone else at the same moment. Nothing was saved; look again and retry."
        ) from None
