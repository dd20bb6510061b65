"""Operational records: references, audit, digests, snapshots, idempotency and the outbox."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kam_core.enums import DigestKind, RunStatus, ScopeType, Source
from kam_core.models.base import Base, Referenced, WorkspaceScoped, code, utcnow
from kam_core.models.org import Member


class RefCounter(Base):
    """The last number handed out for a reference prefix in a workspace (row-locked on allocation)."""

    __tablename__ = "ref_counters"
    workspace_id: Mapped[int] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True
    )
    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class AuditEvent(WorkspaceScoped, Base):
    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_events_record", "workspace_id", "record_type", "record_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), default=None)
    source: Mapped[Source] = mapped_column(code(Source))
    action: Mapped[str] = mapped_column(String(60))
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int | None] = mapped_column(Integer, default=None)
    record_ref: Mapped[str | None] = mapped_column(String(40), default=None)
    before: Mapped[dict[str, Any] | None] = mapped_column(default=None)
    after: Mapped[dict[str, Any] | None] = mapped_column(default=None)

    actor: Mapped[Member | None] = relationship()


class DigestSubscription(Referenced, Base):
    """A channel's daily (or chosen weekdays') digest at a local time in an IANA time zone."""

    __tablename__ = "digest_subscriptions"
    __table_args__ = (UniqueConstraint("workspace_id", "number"),)
    PREFIX = "DG"
    LABEL = "digest subscription"
    id: Mapped[int] = mapped_column(primary_key=True)
    channel_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[DigestKind] = mapped_column(code(DigestKind))
    scope_type: Mapped[ScopeType] = mapped_column(code(ScopeType))
    scope_id: Mapped[int] = mapped_column(Integer)
    local_time: Mapped[str] = mapped_column(String(5))
    timezone: Mapped[str] = mapped_column(String(64))
    weekdays: Mapped[int] = mapped_column(Integer, default=0b0011111)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    paused_reason: Mapped[str | None] = mapped_column(String(200), default=None)
    paused_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    created_by: Mapped[Member] = relationship()


class DigestRun(WorkspaceScoped, Base):
    """One digest for one subscription and local day: claimed once, posted once."""

    __tablename__ = "digest_runs"
    __table_args__ = (UniqueConstraint("subscription_id", "local_date"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("digest_subscriptions.id", ondelete="CASCADE"))
    local_date: Mapped[date] = mapped_column()
    scheduled_at: Mapped[datetime] = mapped_column()
    status: Mapped[RunStatus] = mapped_column(code(RunStatus), default=RunStatus.CLAIMED)
    claimed_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_by: Mapped[str] = mapped_column(String(120), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(default=None)
    posted_at: Mapped[datetime | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(String(300), default=None)
    message_ts: Mapped[str | None] = mapped_column(String(40), default=None)
    figures: Mapped[dict[str, Any] | None] = mapped_column(default=None)


class Snapshot(WorkspaceScoped, Base):
    """Daily progress of a plan, objective, tactic, sprint or business objective."""

    __tablename__ = "snapshots"
    __table_args__ = (UniqueConstraint("workspace_id", "record_type", "record_id", "day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column()
    record_type: Mapped[str] = mapped_column(String(20))
    record_id: Mapped[int] = mapped_column(Integer)
    percent: Mapped[float] = mapped_column(Float)
    done: Mapped[int] = mapped_column(Integer, default=0)
    open: Mapped[int] = mapped_column(Integer, default=0)
    total: Mapped[int] = mapped_column(Integer, default=0)
    measure_current: Mapped[float | None] = mapped_column(Float, default=None)
    taken_at: Mapped[datetime] = mapped_column(default=utcnow)


class ProcessedRequest(WorkspaceScoped, Base):
    """A Slack request already handled (retries, double submissions): the key is unique."""

    __tablename__ = "processed_requests"
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    result: Mapped[str | None] = mapped_column(Text, default=None)


class OutboxMessage(WorkspaceScoped, Base):
    """A Slack message to send after the change that caused it commits (assignment DMs, notices)."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "sent_at", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
    method: Mapped[str] = mapped_column(String(60))
    payload: Mapped[dict[str, Any]] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(default=None)
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
    error: Mapped[str | None] = mapped_column(String(300), default=None)
    given_up: Mapped[bool] = mapped_column(Boolean, default=False)
