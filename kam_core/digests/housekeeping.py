"""What the scheduler tick does besides posting digests, each step in its own short transaction, a failure
in one never stopping the others:

- the daily snapshot of every workspace (subscribed to digests or not), keyed by the UTC day;
- pruning the processed-request keys (Slack retries and double submissions are de-duplicated within
  minutes; a key older than PROCESSED_KEEP is never needed again), a bounded batch per tick.
"""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import delete, exists, select
from sqlalchemy.orm import Session, sessionmaker

from kam_core.db import read_scope, session_scope
from kam_core.digests.snapshots import has_snapshot, take_snapshots
from kam_core.models import ProcessedRequest, Snapshot, Workspace, utcnow
from kam_core.rollup import rollup_workspace

log = logging.getLogger("kam.digests")
PROCESSED_KEEP = timedelta(days=2)
PRUNE_BATCH = 5000


def snapshot_day(at: datetime) -> date:
    """The day a snapshot taken at `at` belongs to: the UTC day (see kam_core.digests.snapshots)."""
    return at.astimezone(UTC).date()


def take_daily_snapshots(
    session_factory: sessionmaker[Session], at: datetime, workspace_ids: set[int] | None = None
) -> int:
    """Today's snapshot of every workspace that has none yet (or of the given ones): the rollup is read in
    a read-only transaction, the rows written in a short one of their own. Returns the rows written."""
    day = snapshot_day(at)
    with read_scope(session_factory) as session:
        taken = exists().where(Snapshot.workspace_id == Workspace.id, Snapshot.day == day)
        stmt = select(Workspace.id).where(~taken).order_by(Workspace.id)
        if workspace_ids is not None:
            stmt = stmt.where(Workspace.id.in_(workspace_ids))
        pending = list(session.scalars(stmt))
    written = 0
    for workspace_id in pending:
        try:
            with read_scope(session_factory) as session:
                if has_snapshot(session, workspace_id, day):  # another replica was quicker
                    continue
                rollup = rollup_workspace(session, workspace_id, day)
            with session_scope(session_factory) as session:
                written += take_snapshots(session, workspace_id, day, rollup)
        except Exception:
            log.exception("daily snapshot of workspace %s for %s failed", workspace_id, day)
    return written


def prune_processed_requests(
    session_factory: sessionmaker[Session], at: datetime, workspace_ids: set[int] | None = None
) -> int:
    """Delete up to PRUNE_BATCH processed-request keys older than PROCESSED_KEEP (one short transaction).
    Measured from the earlier of `at` and the clock, so a tick run "as of" a future instant keeps them."""
    cutoff = min(at, utcnow()) - PROCESSED_KEEP
    oldest = select(ProcessedRequest.id).where(ProcessedRequest.created_at < cutoff)
    if workspace_ids is not None:
        oldest = oldest.where(ProcessedRequest.workspace_id.in_(workspace_ids))
    try:
        with session_scope(session_factory) as session:
            ids = list(session.scalars(oldest.order_by(ProcessedRequest.created_at).limit(PRUNE_BATCH)))
            if not ids:
                return 0
            result: Any = session.execute(
                delete(ProcessedRequest)
                .where(ProcessedRequest.id.in_(ids))
                .execution_options(synchronize_session=False)
            )
            return int(result.rowcount or 0)
    except Exception:
        log.exception("pruning processed requests failed")
        return 0


def housekeeping(
    session_factory: sessionmaker[Session], at: datetime, workspace_ids: set[int] | None = None
) -> None:
    take_daily_snapshots(session_factory, at, workspace_ids)
    prune_processed_requests(session_factory, at, workspace_ids)
