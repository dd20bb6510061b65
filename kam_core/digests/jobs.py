"""The vocabulary of a scheduler tick: its options, the jobs it hands to a Publisher, their results and the
report lines (kam_core.digests.tick runs it, kam_core.digests.deliver posts and records)."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from kam_core.digests.content import Digest
from kam_core.digests.runs import ClaimToken
from kam_core.digests.schedule import Occurrence
from kam_core.models import DigestSubscription

PAUSING_ERRORS = {"not_in_channel", "channel_not_found", "is_archived"}
OUTCOMES = ("posted", "skipped", "failed", "missed", "paused", "abandoned", "lost")
CLOCK_SKEW = timedelta(minutes=5)  # between replicas and Slack: how far before a run's time to look


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
    deadline: float | None = None  # time.monotonic() by which the publisher must have given up
    verify_since: datetime | None = None  # an earlier attempt may have posted it since then: look first


@dataclass
class PublishResult:
    ok: bool
    ts: str | None = None
    error: str | None = None
    messages: int = 0
    ambiguous: bool = False  # failed, but Slack may have posted it: the next attempt looks first
    adopted: bool = False  # an earlier attempt had posted it: its message was found and kept


class Publisher(Protocol):
    def publish(self, job: DigestJob) -> PublishResult: ...

    def ready_in(self, channel: str) -> float:
        """Seconds until the channel may take the next message (Slack's pacing)."""
        ...

    def paused(self, session: Session, job: DigestJob, reason: str) -> None: ...


@dataclass
class TickLine:
    outcome: str  # one of OUTCOMES
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
    publish_within: timedelta | None = None  # default: a third of stale_after; never over half of it

    def deadline(self) -> timedelta:
        """How long after the tick starts a claimed digest may still be sent: well below stale_after, so
        that a claim taken over as stale belongs to a worker that died or gave up."""
        return min(self.publish_within or self.stale_after / 3, self.stale_after / 2)


@dataclass
class Claimed:
    """A run this worker owns: build it, post it, record it (fenced by the token)."""

    sub: DigestSubscription
    team_id: str
    occ: Occurrence
    token: ClaimToken
