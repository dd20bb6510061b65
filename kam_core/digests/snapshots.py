"""Daily progress snapshots of plans, objectives, tactics, sprints and business objectives: the memory
behind trends (↑6 this week) and sprint burndowns.

One snapshot per workspace and day, taken by the scheduler tick for every workspace (whether or not it has
digest subscriptions; kam_core.digests.housekeeping), each workspace in its own short transaction. A day
is the UTC day: trends and burndowns read days, and one workspace has members in many time zones, so the
snapshot of a day is the first one taken after 00:00 UTC. Replicas racing for the same day are settled
by the unique constraint: the second insert fails and writes nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kam_core.models import Snapshot, utcnow
from kam_core.rollup import Rollup, rollup_workspace

KINDS = ("plan", "objective", "tactic", "sprint", "goal")


def has_snapshot(session: Session, workspace_id: int, day: date) -> bool:
    stmt = select(func.count(Snapshot.id)).where(Snapshot.workspace_id == workspace_id, Snapshot.day == day)
    return bool(session.scalar(stmt))


def take_snapshots(session: Session, workspace_id: int, day: date, rollup: Rollup | None = None) -> int:
    """Record the day's figures of every node once (a second call the same day writes nothing).
    One rollup and one bulk insert, whatever the size of the workspace."""
    if has_snapshot(session, workspace_id, day):
        return 0
    rollup = rollup or rollup_workspace(session, workspace_id, day)
    now = utcnow()
    rows = [
        {
            "workspace_id": workspace_id,
            "day": day,
            "record_type": node.kind,
            "record_id": node.id,
            "percent": node.percent,
            "done": node.counts.done,
            "open": node.counts.open,
            "total": node.counts.counted,
            "taken_at": now,
            "measure_current": float(node.measure.current)
            if node.measure and node.measure.current is not None
            else None,
        }
        for node in rollup.nodes.values()
        if node.kind in KINDS
    ]
    if not rows:
        return 0
    try:
        with session.begin_nested():
            session.execute(insert(Snapshot), rows)
    except IntegrityError:  # another replica took today's snapshot at the same moment
        return 0
    return len(rows)


def series(
    session: Session, workspace_id: int, record_type: str, record_id: int, start: date, end: date
) -> dict[date, Snapshot]:
    stmt = select(Snapshot).where(
        Snapshot.workspace_id == workspace_id,
        Snapshot.record_type == record_type,
        Snapshot.record_id == record_id,
        Snapshot.day >= start,
        Snapshot.day <= end,
    )
    return {s.day: s for s in session.scalars(stmt)}
