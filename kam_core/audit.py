"""Audit events: who changed what, when, from where, with the values before and after."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from kam_core.actor import Actor
from kam_core.models import AuditEvent, utcnow
from kam_core.models.base import Referenced


def plain(value: Any) -> Any:
    """A JSON-safe copy of a column value."""
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    return value


def capture(record: Any, fields: Iterable[str]) -> dict[str, Any]:
    return {name: plain(getattr(record, name)) for name in fields}


def record_event(
    session: Session,
    actor: Actor | None,
    action: str,
    record: Any,
    *,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    workspace_id: int | None = None,
    source: Any = None,
) -> AuditEvent:
    """Write one audit event for a change to `record` (flushes first when the record has no id yet)."""
    if getattr(record, "id", None) is None:
        session.flush()
    if before is not None and after is not None:
        changed = [k for k in after if before.get(k) != after.get(k)]
        before = {k: before.get(k) for k in changed}
        after = {k: after[k] for k in changed}
    ws = workspace_id if workspace_id is not None else record.workspace_id
    event = AuditEvent(
        workspace_id=ws,
        actor_id=actor.id if actor else None,
        source=source or (actor.source if actor else "cli"),
        action=action,
        record_type=type(record).__tablename__,
        record_id=getattr(record, "id", None),
        record_ref=record.ref if isinstance(record, Referenced) else None,
        before=before,
        after=after,
    )
    session.add(event)
    return event


def record_events(
    session: Session,
    actor: Actor | None,
    action: str,
    model: Any,
    rows: Iterable[tuple[int, str, dict[str, Any], dict[str, Any]]],
) -> None:
    """Audit a set-based change: one event per (record id, ref, before, after), in one statement."""
    values = [
        {
            "workspace_id": actor.workspace_id if actor else None,
            "actor_id": actor.id if actor else None,
            "source": actor.source if actor else "cli",
            "action": action,
            "record_type": model.__tablename__,
            "record_id": record_id,
            "record_ref": ref,
            "before": before,
            "after": after,
            "at": utcnow(),
        }
        for record_id, ref, before, after in rows
    ]
    if values:
        session.execute(insert(AuditEvent), values)


def history(session: Session, workspace_id: int, record: Any, limit: int = 50) -> list[AuditEvent]:
    stmt = (
        select(AuditEvent)
        .where(
            AuditEvent.workspace_id == workspace_id,
            AuditEvent.record_type == type(record).__tablename__,
            AuditEvent.record_id == record.id,
        )
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
        .limit(limit)
    )
    return list(session.scalars(stmt))
