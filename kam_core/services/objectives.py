"""Objectives (OBJ-n) of a plan: owner, dates, weight, measure, and the business objective they serve."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy.orm import Session

from kam_core.actor import Actor
from kam_core.audit import capture, record_event
from kam_core.enums import Level, WorkStatus
from kam_core.errors import InvalidInput
from kam_core.locking import check_version
from kam_core.models import BusinessObjective, Objective, ObjectiveTemplate, Plan, utcnow
from kam_core.permissions import require_edit_plan, require_view_plan
from kam_core.schemas import MeasureInput, ObjectiveCreate, TacticCreate, parse
from kam_core.services.common import (
    by_ref,
    check_within,
    new_record,
    parse_amount,
    resolve_member,
    template_by_key,
)
from kam_core.services.goals import MEASURE_FIELDS, apply_measure
from kam_core.services.tactics import add_tactic

OBJECTIVE_FIELDS = (
    "name",
    "description",
    "owner_id",
    "start_date",
    "due_date",
    "status",
    "priority",
    "weight",
    "contributes_to_id",
)


def objective_template(
    session: Session, actor: Actor, key: str, field: str = "template"
) -> ObjectiveTemplate:
    return template_by_key(session, actor, ObjectiveTemplate, key, field, "Objective template")


def contributed_goal(session: Session, actor: Actor, ref: str | None) -> BusinessObjective | None:
    """The business objective an objective serves. Objectives contribute to territory-level goals; an
    affiliate goal is the mean of its territories, a global goal the mean of its affiliates (§3)."""
    if not ref:
        return None
    goal = by_ref(session, actor, BusinessObjective, ref, "contributes_to")
    if goal.level is not Level.TERRITORY:
        raise InvalidInput.one(
            "contributes_to",
            f"objectives contribute to territory-level business objectives; {goal.ref} is "
            f"{goal.level.value}-level (its progress comes from the objectives below it)",
        )
    return goal


def add_objective(*, session: Session, actor: Actor, data: ObjectiveCreate | dict[str, Any]) -> Objective:
    """Add an objective to a plan; from a template it brings the template's measure and tactics."""
    data = data if isinstance(data, ObjectiveCreate) else parse(ObjectiveCreate, data)
    plan = by_ref(session, actor, Plan, data.plan, "plan")
    require_edit_plan(session, actor, plan)
    check_within(plan, data.start_date, "start_date")
    check_within(plan, data.due_date, "due_date")
    template = objective_template(session, actor, data.template) if data.template else None
    goal = contributed_goal(session, actor, data.contributes_to)
    owner = resolve_member(session, actor, data.owner, "owner")
    objective = new_record(
        session,
        actor,
        Objective(
            plan_id=plan.id,
            name=data.name,
            description=data.description or (template.description if template else None),
            owner_id=owner.id,
            start_date=data.start_date,
            due_date=data.due_date,
            priority=data.priority,
            weight=data.weight,
            contributes_to_id=goal.id if goal else None,
            status=WorkStatus.NOT_STARTED,
            template_id=template.id if template else None,
        ),
    )
    measure = data.measure
    if measure is None and template is not None and template.measure_unit and template.measure_target:
        measure = MeasureInput(
            unit=template.measure_unit, target=template.measure_target, label=template.measure_label
        )
    if measure is not None:
        apply_measure(objective, measure)
    record_event(
        session, actor, "created", objective, after=capture(objective, OBJECTIVE_FIELDS + MEASURE_FIELDS)
    )
    if template is not None:
        for tactic_template in template.tactics:
            add_tactic(
                session=session,
                actor=actor,
                data=TacticCreate(
                    objective=objective.ref,
                    template=str(tactic_template.id),
                    owner=owner.slack_user_id,
                    start_date=data.start_date,
                ),
            )
    return objective


def get_objective(*, session: Session, actor: Actor, ref: str, field: str = "objective") -> Objective:
    objective = by_ref(session, actor, Objective, ref, field)
    require_view_plan(session, actor, objective.plan)
    return objective


def objective_for_edit(session: Session, actor: Actor, ref: str, field: str = "objective") -> Objective:
    objective = by_ref(session, actor, Objective, ref, field)
    require_edit_plan(session, actor, objective.plan)
    return objective


def update_objective(
    *, session: Session, actor: Actor, ref: str, changes: dict[str, Any], expected_version: int | None = None
) -> Objective:
    objective = objective_for_edit(session, actor, ref)
    check_version(objective, expected_version)
    before = capture(objective, OBJECTIVE_FIELDS)
    allowed = {"name", "description", "start_date", "due_date", "priority", "weight"}
    unknown = set(changes) - allowed - {"owner", "contributes_to"}
    if unknown:
        raise InvalidInput({k: "cannot be changed here" for k in unknown})
    merged = parse(
        ObjectiveCreate,
        plan=objective.plan.ref,
        name=changes.get("name", objective.name),
        start_date=changes.get("start_date", objective.start_date),
        due_date=changes.get("due_date", objective.due_date),
        weight=changes.get("weight", objective.weight),
        priority=changes.get("priority", objective.priority),
    )
    check_within(objective.plan, merged.start_date, "start_date")
    check_within(objective.plan, merged.due_date, "due_date")
    goal = contributed_goal(session, actor, changes.get("contributes_to"))
    owner = resolve_member(session, actor, changes["owner"], "owner") if "owner" in changes else None
    for key in allowed & set(changes):
        setattr(objective, key, getattr(merged, key, changes[key]))
    if owner is not None:
        objective.owner_id = owner.id
    if "contributes_to" in changes:
        objective.contributes_to_id = goal.id if goal else None
    record_event(
        session, actor, "updated", objective, before=before, after=capture(objective, OBJECTIVE_FIELDS)
    )
    return objective


def set_objective_status(*, session: Session, actor: Actor, ref: str, status: WorkStatus | str) -> Objective:
    status = WorkStatus.parse(status) if isinstance(status, str) else status
    objective = objective_for_edit(session, actor, ref)
    before = {"status": objective.status.value}
    objective.status = status
    objective.completed_at = utcnow() if status is WorkStatus.COMPLETED else None
    record_event(session, actor, "status_changed", objective, before=before, after={"status": status.value})
    return objective


def set_objective_measure(
    *,
    session: Session,
    actor: Actor,
    ref: str,
    current: Decimal | str | float,
    target: Decimal | str | float | None = None,
    unit: str | None = None,
    label: str | None = None,
) -> Objective:
    """Record the measure's current value (and optionally define the measure: unit, target, label)."""
    objective = objective_for_edit(session, actor, ref)
    before = capture(objective, MEASURE_FIELDS)
    if unit is not None or objective.measure_unit is None:
        if target is None:
            raise InvalidInput.one(
                "target",
                f"{objective.ref} has no measure yet: give a target, e.g. "
                f"`/kam objective measure {objective.ref} 0 of 5 hospitals`",
            )
        measure = parse(
            MeasureInput,
            unit=unit or "number",
            target=str(parse_amount(target, "target")),
            current=str(parse_amount(current, "current")),
            label=label,
        )
        apply_measure(objective, measure)
    else:
        objective.measure_current = parse_amount(current, "current")
        if target is not None:
            objective.measure_target = parse_amount(target, "target")
        if label is not None:
            objective.measure_label = label
        objective.measure_updated_at = utcnow()
    record_event(
        session, actor, "measure_updated", objective, before=before, after=capture(objective, MEASURE_FIELDS)
    )
    return objective
