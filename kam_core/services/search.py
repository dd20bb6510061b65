"""Text search across plans, objectives, tactics, tasks, business objectives, sprints and stakeholders,
limited to what the actor may see."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.orm import Session

from kam_core.actor import Actor
from kam_core.errors import InvalidInput
from kam_core.models import BusinessObjective, Contact, Objective, Plan, Sprint, Stakeholder, Tactic, Task
from kam_core.permissions import visible_plans_clause


@dataclass(frozen=True)
class Hit:
    ref: str
    kind: str
    title: str
    context: str  # e.g. the plan it sits in
    status: str


def like_pattern(text: str) -> str:
    """A case-insensitive "contains" pattern for LIKE ... ESCAPE '\\', with %, _ and \\ taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def find(*, session: Session, actor: Actor, text: str, limit: int = 40) -> list[Hit]:
    """Case-insensitive substring search; every query is scoped to the workspace and visible plans."""
    text = (text or "").strip()
    if len(text) < 2:
        raise InvalidInput.one("text", "give at least 2 characters to search for")
    pattern = like_pattern(text)
    ws = actor.workspace_id
    visible = select(Plan.id).where(Plan.workspace_id == ws, visible_plans_clause(actor.member))
    hits: list[Hit] = []

    def like(column: Any) -> ColumnElement[bool]:
        return func.lower(column).like(pattern, escape="\\")

    for plan in session.scalars(
        select(Plan).where(Plan.id.in_(visible), or_(like(Plan.name), like(Plan.vision))).limit(limit)
    ):
        hits.append(
            Hit(plan.ref, plan.LABEL, plan.name, plan.period_start.isoformat()[:4], plan.status.label)
        )
    for goal in session.scalars(
        select(BusinessObjective)
        .where(BusinessObjective.workspace_id == ws, like(BusinessObjective.name))
        .limit(limit)
    ):
        hits.append(Hit(goal.ref, "business objective", goal.name, goal.level.label, goal.status.label))
    objective_rows = session.execute(
        select(Objective, Plan)
        .join(Plan, Plan.id == Objective.plan_id)
        .where(
            Objective.workspace_id == ws,
            Objective.plan_id.in_(visible),
            or_(like(Objective.name), like(Objective.description)),
        )
        .limit(limit)
    )
    for objective, parent in objective_rows:
        hits.append(Hit(objective.ref, "objective", objective.name, parent.ref, objective.status.label))
    tactic_rows = session.execute(
        select(Tactic, Objective)
        .join(Objective, Objective.id == Tactic.objective_id)
        .where(Tactic.workspace_id == ws, Objective.plan_id.in_(visible), like(Tactic.name))
        .limit(limit)
    )
    for tactic, objective in tactic_rows:
        hits.append(Hit(tactic.ref, "tactic", tactic.name, objective.ref, tactic.status.label))
    task_rows = session.execute(
        select(Task, Tactic)
        .join(Tactic, Tactic.id == Task.tactic_id)
        .join(Objective, Objective.id == Tactic.objective_id)
        .where(
            Task.workspace_id == ws, Objective.plan_id.in_(visible), or_(like(Task.title), like(Task.notes))
        )
        .order_by(Task.number)
        .limit(limit)
    )
    for task, tactic in task_rows:
        hits.append(Hit(task.ref, "task", task.title, tactic.ref, task.status.label))
    for sprint in session.scalars(
        select(Sprint)
        .where(Sprint.workspace_id == ws, or_(like(Sprint.name), like(Sprint.goal)))
        .limit(limit)
    ):
        hits.append(
            Hit(sprint.ref, "sprint", sprint.name, sprint.start_date.isoformat(), sprint.status.label)
        )
    stakeholder_rows = session.execute(
        select(Stakeholder, Contact)
        .join(Contact, Contact.id == Stakeholder.contact_id)
        .where(
            Stakeholder.workspace_id == ws,
            Stakeholder.plan_id.in_(visible),
            or_(like(Contact.name), like(Stakeholder.role)),
        )
        .limit(limit)
    )
    for stakeholder, contact in stakeholder_rows:
        hits.append(
            Hit(stakeholder.ref, "stakeholder", contact.name, stakeholder.role, stakeholder.influence.label)
        )
    return hits[:limit]
