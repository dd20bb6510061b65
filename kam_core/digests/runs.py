"""Claiming a digest run in the database: unique per (subscription, local date), so that however many
replicas tick at the same instant, exactly one of them posts it.

Claim rules (all compare-and-set in one statement, safe on PostgreSQL under concurrency):
- no run yet: INSERT; the unique constraint lets one inserter win, the others skip;
- a failed run whose retry time has come: UPDATE ... WHERE status = failed AND attempts = n;
- a stale claim (claimed more than `stale_after` ago and never finished: its worker died or gave up):
  UPDATE ... WHERE status = claimed AND claimed_at = <the stale value>. See README, "Digests".

Fencing: a claim is a token (run id, worker, claim time). Every later update of the run (`settle`) applies
only WHERE id, claimed_by and claimed_at still match, so a worker whose claim was taken over records
nothing. A run taken over from a stale claim, or retried after an answer that left it unknown whether
Slack posted it (an error starting with AMBIGUOUS), is claimed with `verify`: look for the message in the
channel before posting it again.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kam_core.enums import RunStatus
from kam_core.models import DigestRun

AMBIGUOUS = "ambiguous: "  # prefix of a run's error when Slack may have posted it anyway


@dataclass(frozen=True)
class ClaimToken:
    """What a worker holds while it owns a run: the fence of every update it makes."""

    run_id: int
    worker: str
    claimed_at: datetime
    attempts: int  # attempts made before this claim
    verify: bool  # an earlier attempt may have posted it: look before posting


def _token(run: DigestRun, verify: bool) -> ClaimToken:
    return ClaimToken(run.id, run.claimed_by, run.claimed_at, run.attempts, verify)


def existing_run(
    session: Session, workspace_id: int, subscription_id: int, local_date: date
) -> DigestRun | None:
    stmt = select(DigestRun).where(
        DigestRun.workspace_id == workspace_id,
        DigestRun.subscription_id == subscription_id,
        DigestRun.local_date == local_date,
    )
    return session.scalars(stmt).one_or_none()


def claim(
    session: Session,
    *,
    workspace_id: int,
    subscription_id: int,
    local_date: date,
    scheduled_at: datetime,
    at: datetime,
    worker: str,
    stale_after: timedelta,
) -> tuple[ClaimToken | None, str]:
    """Try to take the run. Returns (token, "") when this worker owns it now, else (None, why not)."""
    run = existing_run(session, workspace_id, subscription_id, local_date)
    if run is None:
        try:
            with session.begin_nested():
                run = DigestRun(
                    workspace_id=workspace_id,
                    subscription_id=subscription_id,
                    local_date=local_date,
                    scheduled_at=scheduled_at,
                    status=RunStatus.CLAIMED,
                    claimed_at=at,
                    claimed_by=worker,
                    attempts=0,
                )
                session.add(run)
            return _token(run, verify=False), ""
        except IntegrityError:
            return None, "claimed by another worker"
    if run.status is RunStatus.POSTED:
        return (
            None,
            f"already posted at {run.posted_at:%Y-%m-%d %H:%M}Z" if run.posted_at else "already posted",
        )
    if run.status in (RunStatus.MISSED, RunStatus.ABANDONED):
        return None, f"{run.status.value}: {run.error or ''}".rstrip(": ")
    if run.status is RunStatus.FAILED:
        if run.next_attempt_at and run.next_attempt_at > at:
            return None, f"failed ({run.error}); next attempt at {run.next_attempt_at:%H:%M:%S}Z"
        guard: Any = DigestRun.attempts == run.attempts
        expected = RunStatus.FAILED
        verify = (run.error or "").startswith(AMBIGUOUS)
    else:  # claimed
        if run.claimed_at + stale_after > at:
            return None, f"being posted by {run.claimed_by}"
        guard = DigestRun.claimed_at == run.claimed_at
        expected = RunStatus.CLAIMED
        verify = True  # its worker may have posted it before dying
    result: Any = session.execute(
        update(DigestRun)
        .where(DigestRun.id == run.id, DigestRun.status == expected, guard)
        .values(status=RunStatus.CLAIMED, claimed_at=at, claimed_by=worker)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        return None, "claimed by another worker"
    session.refresh(run)
    return _token(run, verify), ""


def settle(session: Session, token: ClaimToken, values: dict[str, Any]) -> bool:
    """Update the run only if `token` still owns it (fenced); False when the claim was taken over."""
    result: Any = session.execute(
        update(DigestRun)
        .where(
            DigestRun.id == token.run_id,
            DigestRun.status == RunStatus.CLAIMED,
            DigestRun.claimed_by == token.worker,
            DigestRun.claimed_at == token.claimed_at,
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount == 1)


def record_missed(
    session: Session,
    *,
    workspace_id: int,
    subscription_id: int,
    local_date: date,
    scheduled_at: datetime,
    at: datetime,
    worker: str,
    reason: str,
) -> bool:
    """Remember a digest that fell out of the catch-up window (once); True when this call recorded it."""
    if existing_run(session, workspace_id, subscription_id, local_date) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(
                DigestRun(
                    workspace_id=workspace_id,
                    subscription_id=subscription_id,
                    local_date=local_date,
                    scheduled_at=scheduled_at,
                    status=RunStatus.MISSED,
                    claimed_at=at,
                    claimed_by=worker,
                    error=reason[:300],
                )
            )
        return True
    except IntegrityError:
        return False


def last_posted(session: Session, workspace_id: int, subscription_id: int, before: date) -> DigestRun | None:
    stmt = (
        select(DigestRun)
        .where(
            DigestRun.workspace_id == workspace_id,
            DigestRun.subscription_id == subscription_id,
            DigestRun.status == RunStatus.POSTED,
            DigestRun.local_date < before,
        )
        .order_by(DigestRun.local_date.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()
