"""Execution: tactics (groups of tasks), tasks and sprints."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kam_core.enums import SprintStatus, TacticStatus, TaskStatus
from kam_core.models.base import Base, Referenced, Timestamps, Versioned, code
from kam_core.models.org import Member
from kam_core.models.planning import Objective, Stakeholder, TacticTemplate


class Sprint(Referenced, Versioned, Timestamps, Base):
    __tablename__ = "sprints"
    __table_args__ = (UniqueConstraint("workspace_id", "number"),)
    PREFIX = "SPR"
    LABEL = "sprint"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column()
    owner_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    start_date: Mapped[date] = mapped_column()
    end_date: Mapped[date] = mapped_column()
    goal: Mapped[str | None] = mapped_column(Text, default=None)
    status: Mapped[SprintStatus] = mapped_column(code(SprintStatus), default=SprintStatus.PLANNED)
    closed_at: Mapped[datetime | None] = mapped_column(default=None)

    owner: Mapped[Member] = relationship()


class Tactic(Referenced, Versioned, Timestamps, Base):
    __tablename__ = "tactics"
    __table_args__ = (UniqueConstraint("workspace_id", "number"),)
    PREFIX = "TAC"
    LABEL = "tactic"
    id: Mapped[int] = mapped_column(primary_key=True)
    objective_id: Mapped[int] = mapped_column(ForeignKey("objectives.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column()
    description: Mapped[str | None] = mapped_column(Text, default=None)
    owner_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    sprint_id: Mapped[int | None] = mapped_column(ForeignKey("sprints.id"), default=None, index=True)
    status: Mapped[TacticStatus] = mapped_column(code(TacticStatus), default=TacticStatus.NOT_STARTED)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    start_date: Mapped[date | None] = mapped_column(default=None)
    due_date: Mapped[date | None] = mapped_column(default=None)
    template_id: Mapped[int | None] = mapped_column(ForeignKey("tactic_templates.id"), default=None)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)

    objective: Mapped[Objective] = relationship()
    owner: Mapped[Member] = relationship()
    sprint: Mapped[Sprint | None] = relationship()
    template: Mapped[TacticTemplate | None] = relationship()


class Task(Referenced, Versioned, Timestamps, Base):
    __tablename__ = "tasks"
    __table_args__ = (
        UniqueConstraint("workspace_id", "number"),
        Index("ix_tasks_tactic_status", "tactic_id", "status"),
        Index("ix_tasks_assignee_status", "workspace_id", "assignee_id", "status"),
    )
    PREFIX = "TSK"
    LABEL = "task"
    id: Mapped[int] = mapped_column(primary_key=True)
    tactic_id: Mapped[int] = mapped_column(ForeignKey("tactics.id", ondelete="CASCADE"))
    title: Mapped[str] = mapped_column(String(300))
    notes: Mapped[str | None] = mapped_column(Text, default=None)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), default=None)
    due_date: Mapped[date | None] = mapped_column(default=None)
    status: Mapped[TaskStatus] = mapped_column(code(TaskStatus), default=TaskStatus.NOT_STARTED)
    stakeholder_id: Mapped[int | None] = mapped_column(ForeignKey("stakeholders.id"), default=None)
    blocked_reason: Mapped[str | None] = mapped_column(String(300), default=None)
    started_at: Mapped[datetime | None] = mapped_column(default=None)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)
    completed_by_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), default=None)
    source_permalink: Mapped[str | None] = mapped_column(String(500), default=None)

    tactic: Mapped[Tactic] = relationship()
    assignee: Mapped[Member | None] = relationship(foreign_keys=[assignee_id])
    completed_by: Mapped[Member | None] = relationship(foreign_keys=[completed_by_id])
    stakeholder: Mapped[Stakeholder | None] = relationship()
