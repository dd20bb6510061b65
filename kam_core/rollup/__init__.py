"""Progress rollup: one rule set, set-based, explainable (product.md §3)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kam_core.models import Objective, Tactic
from kam_core.models import Plan as PlanModel
from kam_core.rollup.engine import Counts, Measure, Node, Rollup, _load, add_goals, add_sprints, goal_rows
from kam_core.rollup.risk import Risk, Schedule

__all__ = [
    "Counts",
    "Measure",
    "Node",
    "Risk",
    "Rollup",
    "Schedule",
    "rollup_goals",
    "rollup_plans",
    "rollup_sprints",
    "rollup_workspace",
    "today_utc",
]


def _ids(session: Session, stmt: Any) -> list[int]:
    """The plans in scope as a literal list: every later query of the rollup is then a plain lookup by
    id, which no query planner gets wrong, statistics or not."""
    return list(session.scalars(stmt))


def today_utc() -> date:
    return datetime.now(UTC).date()


def rollup_workspace(session: Session, workspace_id: int, today: date | None = None) -> Rollup:
    """Every plan, objective, tactic, sprint and business objective of the workspace."""
    rollup = _load(session, workspace_id, None, today or today_utc())
    add_sprints(session, workspace_id, rollup, None)
    add_goals(session, workspace_id, rollup, goal_rows(session, workspace_id))
    return rollup


def rollup_plans(
    session: Session,
    workspace_id: int,
    plan_ids: list[int],
    today: date | None = None,
    without_tasks: Collection[int] = (),
) -> Rollup:
    """The plans in full; `without_tasks` computes them as if those tasks did not exist (the figures
    before a task was added, by the same rules)."""
    return _load(session, workspace_id, PlanModel.id.in_(plan_ids), today or today_utc(), without_tasks)


def rollup_sprints(
    session: Session, workspace_id: int, sprint_ids: list[int], today: date | None = None
) -> Rollup:
    """The sprints, and in full every plan that has a tactic in them."""
    plans = (
        select(Objective.plan_id)
        .join(Tactic, Tactic.objective_id == Objective.id)
        .where(Tactic.workspace_id == workspace_id, Tactic.sprint_id.in_(sprint_ids))
        .distinct()
    )
    rollup = _load(session, workspace_id, PlanModel.id.in_(_ids(session, plans)), today or today_utc())
    add_sprints(session, workspace_id, rollup, sprint_ids)
    return rollup


def rollup_goals(session: Session, workspace_id: int, today: date | None = None) -> Rollup:
    """The business-objective tree with every plan that contributes to it."""
    plans = (
        select(Objective.plan_id)
        .where(Objective.workspace_id == workspace_id, Objective.contributes_to_id.is_not(None))
        .distinct()
    )
    rollup = _load(session, workspace_id, PlanModel.id.in_(_ids(session, plans)), today or today_utc())
    add_goals(session, workspace_id, rollup, goal_rows(session, workspace_id))
    return rollup
