"""Tactics (TAC-n): groups of tasks under an objective, ad hoc or from a template."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.orm import Session

from kam_core.actor import Actor
from kam_core.audit import capture, record_event
from kam_core.enums import SprintStatus, TacticStatus, TaskStatus
from kam_core.errors import InvalidInput
from kam_core.locking import check_version
from kam_core.models import Objective, Sprint, Tactic, TacticTemplate, Task, utcnow
from kam_core.permissions import require_edit_plan, require_member_sees, require_view_plan
from kam_core.rollup import today_utc
from kam_core.schemas import TacticCreate, parse
from kam_core.services.common import by_ref, check_within, new_record, resolve_member, template_by_key

TACTIC_FIELDS = ("name", "description", "owner_id", "sprint_id", "status", "weight", "start_date", "due_date")


def tactic_template(session: Session, actor: Actor, key: str, field: str = "template") -> TacticTemplate:
    return template_by_key(session, actor, TacticTemplate, key, field, "Tactic template")


def open_sprint(session: Session, actor: Actor, ref: str, field: str = "sprint") -> Sprint:
    sprint = by_ref(session, actor, Sprint, ref, field)
    if sprint.status is SprintStatus.CLOSED:
        raise InvalidInput.one(field, f"{sprint.ref} is closed; pick a planned or active sprint")
    return sprint


def add_tactic(*, session: Session, actor: Actor, data: TacticCreate | dict[str, Any]) -> Tactic:
    """Add a tactic. From a template, its tasks are created too, each due `offset_days` after the
    tactic's start (today when no start is given), never later than the plan's end."""
    data = data if isinstance(data, TacticCreate) else parse(TacticCreate, data)
    objective = by_ref(session, actor, Objective, data.objective, "objective")
    plan = objective.plan
    require_edit_plan(session, actor, plan)
    check_within(plan, data.start_date, "start_date")
    check_within(plan, data.due_date, "due_date")
    template = tactic_template(session, actor, data.template) if data.template else None
    sprint = open_sprint(session, actor, data.sprint) if data.sprint else None
    owner = resolve_member(session, actor, data.owner, "owner")
    require_member_sees(session, owner, plan, "owner")  # a template's tasks are assigned to the owner
    name = data.name or (template.name if template else "")
    tactic = new_record(
        session,
        actor,
        Tactic(
            objective_id=objective.id,
            name=name,
            description=data.description or (template.description if template else None),
            owner_id=owner.id,
            sprint_id=sprint.id if sprint else None,
            weight=data.weight,
            start_date=data.start_date,
            due_date=data.due_date,
            template_id=template.id if template else None,
            status=TacticStatus.NOT_STARTED,
        ),
    )
    record_event(session, actor, "created", tactic, after=capture(tactic, TACTIC_FIELDS))
    if template is not None:
        start = max(data.start_date or today_utc(), plan.period_start)
        for item in template.items:
            due = min(start + timedelta(days=item.offset_days), plan.period_end)
            task = new_record(
                session,
                actor,
                Task(
                    tactic_id=tactic.id,
                    title=item.title,
                    notes=item.notes,
                    due_date=due,
                    assignee_id=owner.id,
                    status=TaskStatus.NOT_STARTED,
                ),
            )
            record_event(
                session,
                actor,
                "created",
                task,
                after={"title": task.title, "due_date": due.isoformat(), "template": template.name},
            )
    return tactic


def get_tactic(*, session: Session, actor: Actor, ref: str, field: str = "tactic") -> Tactic:
    tactic = by_ref(session, actor, Tactic, ref, field)
    require_view_plan(session, actor, tactic.objective.plan)
    return tactic


def tactic_for_edit(session: Session, actor: Actor, ref: str, field: str = "tactic") -> Tactic:
    tactic = by_ref(session, actor, Tactic, ref, field)
    require_edit_plan(session, actor, tactic.objective.plan)
    return tactic


def set_tactic_status(
    *,
    session: Session,
    actor: Actor,
    ref: str,
    status: TacticStatus | str,
    expected_version: int | None = None,
) -> Tactic:
    status = TacticStatus.parse(status) if isinstance(status, str) else status
    tactic = tactic_for_edit(session, actor, ref)
    check_version(tactic, expected_version)
    before = {"status": tactic.status.value}
    tactic.status = status
    tactic.completed_at = utcnow() if status is TacticStatus.COMPLETED else None
    record_event(session, actor, "status_changed", tactic, before=before, after={"status": status.value})
    return tactic


def set_tactic_sprint(*, session: Session, actor: Actor, ref: str, sprint: str | None) -> Tactic:
    tactic = tactic_for_edit(session, actor, ref)
    target = open_sprint(session, actor, sprint) if sprint else None
    before = {"sprint": tactic.sprint.ref if tactic.sprint else None}
    tactic.sprint_id = target.id if target else None
    record_event(
        session,
        actor,
        "sprint_changed",
        tactic,
        before=before,
        after={"sprint": target.ref if target else None},
    )
    return tactic


def update_tactic(*, session: Session, actor: Actor, ref: str, changes: dict[str, Any]) -> Tactic:
    tactic = tactic_for_edit(session, actor, ref)
    before = capture(tactic, TACTIC_FIELDS)
    allowed = {"name", "description", "weight", "start_date", "due_date", "owner"}
    unknown = set(changes) - allowed
    if unknown:
        raise InvalidInput({k: "cannot be changed here" for k in unknown})
    merged = parse(
        TacticCreate,
        objective=tactic.objective.ref,
        name=changes.get("name", tactic.name),
        weight=changes.get("weight", tactic.weight),
        start_date=changes.get("start_date", tactic.start_date),
        due_date=changes.get("due_date", tactic.due_date),
    )
    check_within(tactic.objective.plan, merged.start_date, "start_date")
    check_within(tactic.objective.plan, merged.due_date, "due_date")
    owner = resolve_member(session, actor, changes["owner"], "owner") if "owner" in changes else None
    for key in ("name", "weight", "start_date", "due_date"):
        if key in changes:
            setattr(tactic, key, getattr(merged, key))
    if "description" in changes:
        tactic.description = changes["description"]
    if owner is not None:
        tactic.owner_id = owner.id
    record_event(session, actor, "updated", tactic, before=before, after=capture(tactic, TACTIC_FIELDS))
    return tactic
