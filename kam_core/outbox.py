"""The outbox table's writer: messages to send after the transaction that caused them commits."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kam_core.models import OutboxMessage


def enqueue(
    session: Session, workspace_id: int, method: str, payload: dict[str, Any], dedupe_key: str | None = None
) -> bool:
    """Queue a message inside the caller's transaction; with a dedupe key, at most once ever."""
    if dedupe_key and session.scalar(
        select(OutboxMessage.id).where(
            OutboxMessage.workspace_id == workspace_id, OutboxMessage.dedupe_key == dedupe_key
        )
    ):
        return False
    session.add(
        OutboxMessage(workspace_id=workspace_id, method=method, payload=payload, dedupe_key=dedupe_key)
    )
    return True
