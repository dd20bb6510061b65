"""One scheduler tick: find the digests due at an instant, claim each once, post through a Publisher,
record the outcome. Safe with several replicas, restarts and Slack errors:

- which subscriptions are due is a pure function (schedule.due_at) of the subscriptions and the instant;
- each run is claimed in the database, unique per (subscription, local date) (runs.claim);
- a failed post is retried on later ticks with backoff while the catch-up window is open;
- after downtime, digests missed within the window are still posted once; older ones are recorded as
  missed and logged, never posted late;
- a channel the bot cannot post to (not_in_channel, channel_not_found, is_archived) pauses the
  subscription with the reason, and its creator is told once.
"""

from __future__ import annotations

import heapq
import logging
import os
import socket
import time
from collections import defaultdict, deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kam_core.audit import record_event
from kam_core.db import read_scope, session_scope
from kam_core.digests.content import Digest, build_digest
from kam_core.digests.runs import claim, last_posted, record_missed
from kam_core.digests.schedule import Occurrence, Slot, Timing, due_at
from kam_core.digests.snapshots import take_snapshots
from kam_core.enums import RunStatus, Source
from kam_core.models import DigestRun, DigestSubscription, Member, Workspace

log = logging.getLogger("kam.digests")
PAUSING_ERRORS = {"not_in_channel", "channel_not_found", "is_archived"}
OUTCOMES = ("posted", "skipped", "failed", "missed", "paused", "abandoned")


@dataclass
class DigestJob:
    workspace_id: int
    team_id: str
    subscription_id: int
    ref: str
    channel_id: str
    run_id: int | None
    local_date: date
    digest: Digest
    creator_user_id: str


@dataclass
class PublishResult:
    ok: bool
    ts: str | None = None
    error: str | None = None
    messages: int = 0


class Publisher(Protocol):
    def publish(self, job: DigestJob) -> PublishResult: ...

    def ready_in(self, channel: str) -> float:
        """Seconds until the channel may take the next message (Slack's pacing)."""
        ...

    def paused(self, session: Session, job: DigestJob, reason: str) -> None: ...


@dataclass
class TickLine:
    outcome: str  # posted | skipped | missed | failed | paused | abandoned
    ref: str
    team_id: str
    channel: str
    local_date: date
    reason: str = ""

    def text(self) -> str:
        why = f" — {self.reason}" if self.reason else ""
        return f"{self.outcome:<9} {self.ref:<6} {self.team_id} #{self.channel} {self.local_date}{why}"


@dataclass
class TickReport:
    at: datetime
    lines: list[TickLine] = field(default_factory=list)

    def count(self, outcome: str) -> int:
        return sum(1 for line in self.lines if line.outcome == outcome)

    def text(self) -> str:
        counts = ", ".join(f"{self.count(o)} {o}" for o in OUTCOMES)
        head = f"tick at {self.at:%Y-%m-%dT%H:%M:%SZ}: {counts}"
        return "\n".join([head, *(line.text() for line in self.lines)])


@dataclass
class TickOptions:
    window: timedelta = timedelta(hours=3)
    stale_after: timedelta = timedelta(minutes=15)
    retry_base: timedelta = timedelta(minutes=1)
    workers: int = 8
    workspace_ids: set[int] | None = None  # None: every workspace (what the scheduler serves)
    worker: str = field(default_factory=lambda: f"{socket.gethostname()}:{os.getpid()}")


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
    report = TickReport(at)
    with session_scope(session_factory) as session:
        slots, subs = active_slots(session, options.workspace_ids)
        teams = {row.id: row.team_id for row in session.execute(select(Workspace.id, Workspace.team_id))}
        for workspace_id in {s.workspace_id for s in subs.values()}:
            take_snapshots(session, workspace_id, at.date())
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
        run_id = _claim(session_factory, sub, occ, at, options, line)
        if run_id is None:
            report.lines.append(line)
        else:
            claimed.append(Claimed(sub, line.team_id, occ, run_id))
    report.lines += publish_all(session_factory, publisher, claimed, at, options)
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


@dataclass
class Claimed:
    """A run this worker owns: build it, post it, record it."""

    sub: DigestSubscription
    team_id: str
    occ: Occurrence
    run_id: int


def _claim(
    session_factory: sessionmaker[Session],
    sub: DigestSubscription,
    occ: Occurrence,
    at: datetime,
    options: TickOptions,
    line: TickLine,
) -> int | None:
    with session_scope(session_factory) as session:
        run, why = claim(
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
        return run.id if run else None


def build_job(session_factory: sessionmaker[Session], item: Claimed) -> DigestJob:
    """The digest's content, read in a read-only transaction (readers never queue behind writers)."""
    sub, occ = item.sub, item.occ
    with read_scope(session_factory) as session:
        fresh = session.get(DigestSubscription, sub.id)
        assert fresh is not None
        previous = last_posted(session, sub.workspace_id, sub.id, occ.local_date)
        digest = build_digest(session, fresh, occ.local_date, previous)
        creator = session.get(Member, fresh.created_by_id)
        return DigestJob(
            sub.workspace_id,
            item.team_id,
            sub.id,
            sub.ref,
            sub.channel_id,
            item.run_id,
            occ.local_date,
            digest,
            creator.slack_user_id if creator else "",
        )


def publish_all(
    session_factory: sessionmaker[Session],
    publisher: Publisher,
    claimed: list[Claimed],
    at: datetime,
    options: TickOptions,
) -> list[TickLine]:
    """Build and post the claimed runs on a pool of workers. Each channel has at most one digest in
    flight, and the next channel served is the one Slack lets us post to soonest (the publisher paces
    every channel to one message per second), so many channels proceed side by side."""
    queues: dict[tuple[int, str], deque[Claimed]] = defaultdict(deque)
    for item in claimed:
        queues[(item.sub.workspace_id, item.sub.channel_id)].append(item)
    ready = [(0.0, n, key) for n, key in enumerate(queues)]
    heapq.heapify(ready)
    lines: list[TickLine] = []
    with ThreadPoolExecutor(max_workers=max(1, options.workers), thread_name_prefix="digest") as pool:
        running: dict[Future[TickLine], tuple[int, str]] = {}
        while ready or running:
            while ready and len(running) < options.workers and ready[0][0] <= time.monotonic():
                _, _, key = heapq.heappop(ready)
                item = queues[key].popleft()
                running[pool.submit(_deliver, session_factory, publisher, item, at, options)] = key
            wait_for = max(0.0, ready[0][0] - time.monotonic()) if ready else None
            if running:
                finished, _ = wait(list(running), timeout=wait_for, return_when=FIRST_COMPLETED)
            else:
                time.sleep(wait_for or 0.0)
                finished = set()
            for future in finished:
                key = running.pop(future)
                lines.append(future.result())
                if queues[key]:
                    next_at = time.monotonic() + publisher.ready_in(key[1])
                    heapq.heappush(ready, (next_at, id(future), key))
    return lines


def _deliver(
    session_factory: sessionmaker[Session],
    publisher: Publisher,
    item: Claimed,
    at: datetime,
    options: TickOptions,
) -> TickLine:
    try:
        job = build_job(session_factory, item)
    except Exception as error:  # never leave a claim hanging on a build error: record it as failed
        log.exception("building digest %s failed", item.sub.ref)
        result = PublishResult(False, error=f"build failed: {error}"[:200])
        outcome = _record(session_factory, item.run_id, result, at, options, item.occ.scheduled_at)
        return TickLine(
            outcome,
            item.sub.ref,
            item.team_id,
            item.sub.channel_id,
            item.occ.local_date,
            f"could not build: {error}",
        )
    return _publish_one(session_factory, publisher, job, at, options, item.occ.scheduled_at)


def _publish_one(
    session_factory: sessionmaker[Session],
    publisher: Publisher,
    job: DigestJob,
    at: datetime,
    options: TickOptions,
    scheduled: datetime,
) -> TickLine:
    line = TickLine("posted", job.ref, job.team_id, job.channel_id, job.local_date)
    try:
        result = publisher.publish(job)
    except Exception as error:
        log.exception("posting digest %s failed", job.ref)
        result = PublishResult(False, error=f"{type(error).__name__}: {error}"[:200])
    outcome = _record(session_factory, job.run_id, result, at, options, scheduled, job.digest.figures)
    if outcome == "paused":
        with session_scope(session_factory) as session:
            publisher.paused(session, job, result.error or "")
    line.outcome = outcome
    line.reason = "" if result.ok else (result.error or "")
    if result.ok and result.messages > 1:
        line.reason = f"{result.messages} messages (continued in the thread)"
    return line


def _record(
    session_factory: sessionmaker[Session],
    run_id: int | None,
    result: PublishResult,
    at: datetime,
    options: TickOptions,
    scheduled_at: datetime,
    figures: dict[str, float] | None = None,
) -> str:
    with session_scope(session_factory) as session:
        run = session.get(DigestRun, run_id)
        if run is None:
            return "failed"
        run.attempts += 1
        if result.ok:
            run.status, run.posted_at, run.message_ts, run.error = RunStatus.POSTED, at, result.ts, None
            run.figures = {"percent": figures or {}}
            return "posted"
        run.error = (result.error or "unknown error")[:300]
        if (result.error or "") in PAUSING_ERRORS:
            run.status = RunStatus.ABANDONED
            _pause(session, run.subscription_id, run.error, at)
            return "paused"
        retry_at = at + options.retry_base * (2 ** (run.attempts - 1))
        if retry_at >= scheduled_at + options.window:
            run.status = RunStatus.ABANDONED
            log.error("digest run %s abandoned after %s attempts: %s", run.id, run.attempts, run.error)
            return "abandoned"
        run.status, run.next_attempt_at = RunStatus.FAILED, retry_at
        return "failed"


def _pause(session: Session, subscription_id: int, reason: str, at: datetime) -> None:
    sub = session.get(DigestSubscription, subscription_id)
    if sub is not None and sub.paused_at is None:
        sub.paused_at, sub.paused_reason = at, reason
        record_event(session, None, "paused", sub, after={"paused_reason": reason}, source=Source.SCHEDULE)
        log.warning("digest %s paused: %s", sub.ref, reason)
