"""One scheduler tick: find the digests due at an instant, claim each once, post through a Publisher,
record the outcome. Safe with several replicas, restarts and Slack errors:

- which subscriptions are due is a pure function (schedule.due_at) of the subscriptions and the instant;
- each run is claimed in the database, unique per (subscription, local date) (runs.claim), and every
  later update of it is fenced by the claim (runs.settle);
- claimed digests are sent before the tick's deadline (TickOptions.deadline) or not at all;
- a failed post is retried on later ticks with backoff while the catch-up window is open; a run taken
  over or retried after an ambiguous failure looks for the message in the channel first;
- after downtime, digests missed within the window are still posted once; older ones are recorded as
  missed and logged, never posted late;
- a channel the bot cannot post to (not_in_channel, channel_not_found, is_archived) pauses the
  subscription with the reason, and its creator is told once;
- after the digests: the daily snapshots and pruning of old request keys (digests.housekeeping).
"""

from __future__ import annotations

import logging
import time
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kam_core.db import session_scope
from kam_core.digests.deliver import build_job, publish_all
from kam_core.digests.housekeeping import housekeeping
from kam_core.digests.jobs import (
    OUTCOMES,
    PAUSING_ERRORS,
    Claimed,
    DigestJob,
    Publisher,
    PublishResult,
    TickLine,
    TickOptions,
    TickReport,
)
from kam_core.digests.runs import ClaimToken, claim, record_missed
from kam_core.digests.schedule import Occurrence, Slot, Timing, due_at
from kam_core.models import DigestSubscription, Workspace

__all__ = [
    "OUTCOMES",
    "PAUSING_ERRORS",
    "Claimed",
    "DigestJob",
    "PublishResult",
    "Publisher",
    "TickLine",
    "TickOptions",
    "TickReport",
    "active_slots",
    "build_job",
    "run_tick",
]
log = logging.getLogger("kam.digests")


def active_slots(
    session: Session, workspace_ids: set[int] | None = None
) -> tuple[list[Slot], dict[int, DigestSubscription]]:
    """Every active, unpaused subscription of every workspace (the scheduler serves them all), or of
    the given workspaces."""
    stmt = select(DigestSubscription).where(
        DigestSubscription.active.is_(True), DigestSubscription.paused_at.is_(None)
    )
    if workspace_ids is not None:
        stmt = stmt.where(DigestSubscription.workspace_id.in_(workspace_ids))
    subs = list(session.scalars(stmt))
    slots = [Slot(s.id, s.local_time, s.timezone, s.weekdays, s.created_at) for s in subs]
    return slots, {s.id: s for s in subs}


def run_tick(
    session_factory: sessionmaker[Session],
    publisher: Publisher,
    at: datetime,
    options: TickOptions | None = None,
) -> TickReport:
    options = options or TickOptions()
    deadline = time.monotonic() + options.deadline().total_seconds()
    report = TickReport(at)
    with session_scope(session_factory) as session:
        slots, subs = active_slots(session, options.workspace_ids)
        teams = {row.id: row.team_id for row in session.execute(select(Workspace.id, Workspace.team_id))}
    claimed: list[Claimed] = []
    for occ in due_at(slots, at, options.window):
        sub = subs[occ.subscription_id]
        line = TickLine("skipped", sub.ref, teams.get(sub.workspace_id, "?"), sub.channel_id, occ.local_date)
        if occ.timing is Timing.MISSED:
            reason = _missed(session_factory, sub, occ, at, options)
            if reason:
                line.outcome, line.reason = "missed", reason
                report.lines.append(line)
            continue
        token = _claim(session_factory, sub, occ, at, options, line)
        if token is None:
            report.lines.append(line)
        else:
            claimed.append(Claimed(sub, line.team_id, occ, token))
    report.lines += publish_all(session_factory, publisher, claimed, at, options, deadline)
    housekeeping(session_factory, at, options.workspace_ids)
    return report


def _missed(
    session_factory: sessionmaker[Session],
    sub: DigestSubscription,
    occ: Occurrence,
    at: datetime,
    options: TickOptions,
) -> str | None:
    """Record an occurrence that fell out of the catch-up window, once; the reason when recorded now."""
    late = sub.created_at > occ.scheduled_at
    reason = (
        "subscribed after its time that day"
        if late
        else f"due {occ.scheduled_at:%H:%M}Z, past the catch-up window"
    )
    with session_scope(session_factory) as session:
        recorded = record_missed(
            session,
            workspace_id=sub.workspace_id,
            subscription_id=sub.id,
            local_date=occ.local_date,
            scheduled_at=occ.scheduled_at,
            at=at,
            worker=options.worker,
            reason=reason,
        )
    if not recorded:
        return None
    (log.info if late else log.warning)("digest %s for %s not posted: %s", sub.ref, occ.local_date, reason)
    return reason


def _claim(
    session_factory: sessionmaker[Session],
    sub: DigestSubscription,
    occ: Occurrence,
    at: datetime,
    options: TickOptions,
    line: TickLine,
) -> ClaimToken | None:
    with session_scope(session_factory) as session:
        token, why = claim(
            session,
            workspace_id=sub.workspace_id,
            subscription_id=sub.id,
            local_date=occ.local_date,
            scheduled_at=occ.scheduled_at,
            at=at,
            worker=options.worker,
            stale_after=options.stale_after,
        )
        line.reason = why
        return token
