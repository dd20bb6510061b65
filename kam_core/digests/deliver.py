"""Building, posting and recording the runs a tick claimed, on a pool of workers.

Every run update after the claim is fenced by the claim token (runs.settle): a worker whose claim was
taken over records nothing and logs it. Nothing is started after the tick's deadline (TickOptions.deadline,
well below stale_after), and the publisher gives up by then too, so a claim that goes stale belongs to a
worker that died or gave up.
"""

from __future__ import annotations

import heapq
import logging
import time
from collections import defaultdict, deque
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from kam_core.audit import record_event
from kam_core.db import read_scope, session_scope
from kam_core.digests.content import Digest, build_digest
from kam_core.digests.jobs import (
    CLOCK_SKEW,
    PAUSING_ERRORS,
    Claimed,
    DigestJob,
    Publisher,
    PublishResult,
    TickLine,
    TickOptions,
)
from kam_core.digests.runs import AMBIGUOUS, last_posted, settle
from kam_core.enums import RunStatus, Source
from kam_core.models import DigestSubscription, Member

log = logging.getLogger("kam.digests")


def build_job(
    session_factory: sessionmaker[Session], item: Claimed, deadline: float | None = None
) -> DigestJob:
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
            item.token.run_id,
            occ.local_date,
            digest,
            creator.slack_user_id if creator else "",
            deadline=deadline,
            verify_since=occ.scheduled_at - CLOCK_SKEW if item.token.verify else None,
        )


def publish_all(
    session_factory: sessionmaker[Session],
    publisher: Publisher,
    claimed: list[Claimed],
    at: datetime,
    options: TickOptions,
    deadline: float,
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
                future = pool.submit(_deliver, session_factory, publisher, item, at, options, deadline)
                running[future] = key
            # with every worker busy, or nothing else queued, only a finished digest can change anything
            full = len(running) >= options.workers
            wait_for = None if full or not ready else max(0.0, ready[0][0] - time.monotonic())
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
    deadline: float,
) -> TickLine:
    line = TickLine("posted", item.sub.ref, item.team_id, item.sub.channel_id, item.occ.local_date)
    unsure = item.token.verify  # an earlier attempt may have posted it; this one will not find out
    digest: Digest | None = None
    job: DigestJob | None = None
    if time.monotonic() >= deadline:
        result = PublishResult(False, error="not started before the tick's deadline", ambiguous=unsure)
    else:
        try:
            job = build_job(session_factory, item, deadline)
            digest = job.digest
        except Exception as error:  # never leave a claim hanging on a build error: record it as failed
            log.exception("building digest %s failed", item.sub.ref)
            result = PublishResult(False, error=f"build failed: {error}"[:200], ambiguous=unsure)
    if job is not None:
        try:
            result = publisher.publish(job)
        except Exception as error:  # it may have been sent before the error: look before the next attempt
            log.exception("posting digest %s failed", job.ref)
            result = PublishResult(False, error=f"{type(error).__name__}: {error}"[:200], ambiguous=True)
    line.outcome = _record(session_factory, item, result, at, options, digest)
    if line.outcome == "paused" and job is not None:
        with session_scope(session_factory) as session:
            publisher.paused(session, job, result.error or "")
    line.reason = "" if result.ok else (result.error or "")
    if result.adopted:
        line.reason = f"already posted by an earlier attempt (ts {result.ts}): kept, not posted again"
    elif result.ok and result.messages > 1:
        line.reason = f"{result.messages} messages (continued in the thread)"
    if line.outcome == "lost":
        line.reason = "the claim was taken over by another worker: nothing recorded"
    return line


def _record(
    session_factory: sessionmaker[Session],
    item: Claimed,
    result: PublishResult,
    at: datetime,
    options: TickOptions,
    digest: Digest | None = None,
) -> str:
    """Record the attempt, fenced: only while this worker still owns the claim."""
    token = item.token
    values: dict[str, Any] = {"attempts": token.attempts + 1}
    error = result.error or "unknown error"
    if result.ok:
        figures: dict[str, Any] = {"percent": digest.figures if digest else {}}
        built_at = getattr(digest, "built_at", None)
        if built_at is not None:
            figures["built_at"] = built_at.isoformat()
        values.update(
            status=RunStatus.POSTED, posted_at=at, message_ts=result.ts, error=None, figures=figures
        )
        outcome = "posted"
    else:
        values["error"] = ((AMBIGUOUS if result.ambiguous else "") + error)[:300]
        retry_at = at + options.retry_base * (2**token.attempts)
        if error in PAUSING_ERRORS and not result.ambiguous:
            values["status"], outcome = RunStatus.ABANDONED, "paused"
        elif retry_at >= item.occ.scheduled_at + options.window:
            values["status"], outcome = RunStatus.ABANDONED, "abandoned"
        else:
            values.update(status=RunStatus.FAILED, next_attempt_at=retry_at)
            outcome = "failed"
    with session_scope(session_factory) as session:
        if not settle(session, token, values):
            log.warning(
                "digest %s for %s: run %s was taken over by another worker; recording nothing (%s)",
                item.sub.ref,
                item.occ.local_date,
                token.run_id,
                f"posted as ts {result.ts}" if result.ok else f"this attempt failed: {error}",
            )
            return "lost"
        if outcome == "paused":
            _pause(session, item.sub.id, error, at)
    if outcome == "abandoned":
        log.error("digest run %s abandoned after %s attempts: %s", token.run_id, token.attempts + 1, error)
    return outcome


def _pause(session: Session, subscription_id: int, reason: str, at: datetime) -> None:
    sub = session.get(DigestSubscription, subscription_id)
    if sub is not None and sub.paused_at is None:
        sub.paused_at, sub.paused_reason = at, reason
        record_event(session, None, "paused", sub, after={"paused_reason": reason}, source=Source.SCHEDULE)
        log.warning("digest %s paused: %s", sub.ref, reason)
