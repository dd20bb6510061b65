"""Stable codes stored in the database, with the labels people see."""

from __future__ import annotations

from enum import StrEnum
from typing import Self


class Labeled(StrEnum):
    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()

    @classmethod
    def parse(cls, text: str) -> Self:
        """Accept a code or a label in any case ("In progress", "in-progress", "IN_PROGRESS")."""
        key = text.strip().lower().replace("-", "_").replace(" ", "_")
        for member in cls:
            if member.value == key:
                return member
        choices = ", ".join(m.value for m in cls)
        raise ValueError(f"must be one of {choices}")


class Role(Labeled):
    ADMIN = "admin"
    MANAGER = "manager"
    KAM = "kam"
    VIEWER = "viewer"

    @property
    def label(self) -> str:
        return "KAM" if self is Role.KAM else super().label


class Level(Labeled):
    GLOBAL = "global"
    AFFILIATE = "affiliate"
    TERRITORY = "territory"


class WorkStatus(Labeled):
    """Plans, objectives and business objectives."""

    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    DEFERRED = "deferred"
    CANCELLED = "cancelled"


class TacticStatus(Labeled):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class TaskStatus(Labeled):
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    BLOCKED = "blocked"
    COMPLETED = "completed"
    SKIPPED = "skipped"

    @property
    def is_open(self) -> bool:
        return self in (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED)


class SprintStatus(Labeled):
    PLANNED = "planned"
    ACTIVE = "active"
    CLOSED = "closed"


class PlanKind(Labeled):
    ACCOUNT = "account"
    TERRITORY = "territory"


class Visibility(Labeled):
    WORKSPACE = "workspace"
    PRIVATE = "private"


class Rating(Labeled):
    """Stakeholder influence and strength of relationship."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class Priority(Labeled):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


class MeasureUnit(Labeled):
    NUMBER = "number"
    CURRENCY = "currency"
    PERCENT = "percent"


class DigestKind(Labeled):
    SPRINT = "sprint"
    ROLLUP = "rollup"


class ScopeType(Labeled):
    SPRINT = "sprint"
    PLAN = "plan"
    TERRITORY = "territory"
    BUSINESS_OBJECTIVE = "business_objective"
    MEMBER = "member"


class Source(Labeled):
    """Where a change came from, for the audit trail."""

    COMMAND = "command"
    MODAL = "modal"
    BUTTON = "button"
    SHORTCUT = "shortcut"
    SCHEDULE = "schedule"
    CLI = "cli"
    IMPORT = "import"

    @property
    def label(self) -> str:
        return "CLI" if self is Source.CLI else super().label


class RunStatus(Labeled):
    """A digest run for one subscription and local day."""

    CLAIMED = "claimed"
    POSTED = "posted"
    FAILED = "failed"
    MISSED = "missed"
    ABANDONED = "abandoned"
