"""Tasks (TSK-n): add, assign, start, block, skip, complete, reopen. Every status change reports how the
rollup moved along the task's path, e.g. TAC-5 60% -> 80% · OBJ-3 40% -> 47% · AP-1 31% -> 33%."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy.orm import Session

from kam_core.actor import Actor
from kam_core.audit import capture, record_event
from kam_core.enums import TacticStatus, TaskStatus
from kam_core.errors import InvalidInput
from kam_core.locking import check_version
from kam_core.models import Member, Plan, Stakeholder, Tactic, Task, utcnow
from kam_core.permissions import (
    require_edit_plan,
    require_member_sees,
    require_task_update,
    require_view_plan,
)
from kam_core.rollup import rollup_plans
from kam_core.schemas import TaskCreate, TaskUpdate, parse
from kam_core.services.common import by_ref, check_within, new_record, resolve_member

TASK_FIELDS = ("title", "notes", "assignee_id", "due_date", "status", "stakeholder_id", "blocked_reason")


Figures = dict[str, float]


class TaskChange:
    """A task after a change, with the rollup percentages along its path before and after. Figures given
    as a function are worked out on first use, in the same session: a new task's, which a form's
    submission never shows, cost no rollup unless asked for."""

    def __init__(
        self,
        task: Task,
        path: list[str],
        before: Figures | Callable[[], Figures] | None = None,
        after: Figures | Callable[[], Figures] | None = None,
        *,
        assigned_to: Member | None = None,  # set when the change assigned the task to someone new
        changed: bool = True,
    ) -> None:
        self.task, self.path, self.assigned_to, self.changed = task, path, assigned_to, changed
        self._before, self._after = before or {}, after or {}

    @property
    def before(self) -> Figures:
        if callable(self._before):
            self._before = self._before()
        return self._before

    @property
    def after(self) -> Figures:
        if callable(self._after):
            self._after = self._after()
        return self._after

    def moves(self) -> list[tuple[str, float, float]]:
        return [(ref, self.before.get(ref, 0.0), self.after.get(ref, 0.0)) for ref in self.path]


def _path(task: Task) -> tuple[list[str], Plan]:
    tactic = task.tactic
    plan = tactic.objective.plan
    return [tactic.ref, tactic.objective.ref, plan.ref], plan


def _measure(
    session: Session, actor: Actor, plan: Plan, refs: list[str], without_tasks: tuple[int, ...] = ()
) -> dict[str, float]:
    session.flush()
    return rollup_plans(session, actor.workspace_id, [plan.id], without_tasks=without_tasks).percents(refs)


def _stakeholder(session: Session, actor: Actor, ref: str | None, plan: Plan) -> Stakeholder | None:
    if not ref:
        return None
    stakeholder = by_ref(session, actor, Stakeholder, ref, "stakeholder")
    if stakeholder.plan_id != plan.id:
        raise InvalidInput.one("stakeholder", f"{stakeholder.ref} belongs to another plan, not {plan.ref}")
    return stakeholder


def add_task(*, session: Session, actor: Actor, data: TaskCreate | dict[str, Any]) -> TaskChange:
    data = data if isinstance(data, TaskCreate) else parse(TaskCreate, data)
    tactic = by_ref(session, actor, Tactic, data.tactic, "tactic")
    plan = tactic.objective.plan
    require_edit_plan(session, actor, plan)
    if tactic.status in (TacticStatus.COMPLETED, TacticStatus.CANCELLED):
        raise InvalidInput.one("tactic", f"{tactic.ref} is {tactic.status.label.lower()}; reopen it first")
    check_within(plan, data.due_date, "due_date")
    stakeholder = _stakeholder(session, actor, data.stakeholder, plan)
    assignee = resolve_member(session, actor, data.assignee, "assignee") if data.assignee else None
    if assignee is not None:
        require_member_sees(session, assignee, plan, "assignee")
    refs = [tactic.ref, tactic.objective.ref, plan.ref]
    task = new_record(
        session,
        actor,
        Task(
            tactic_id=tactic.id,
            title=data.title,
            notes=data.notes,
            due_date=data.due_date,
            assignee_id=assignee.id if assignee else None,
            stakeholder_id=stakeholder.id if stakeholder else None,
            source_permalink=data.source_permalink,
            status=TaskStatus.NOT_STARTED,
        ),
    )
    task.tactic = tactic
    record_event(session, actor, "created", task, after=capture(task, TASK_FIELDS))
    assigned = assignee if assignee is not None and assignee.id != actor.id else None
    return TaskChange(  # the figures are computed only if someone asks (a form's submission does not)
        task,
        refs,
        lambda: _measure(session, actor, plan, refs, without_tasks=(task.id,)),
        lambda: _measure(session, actor, plan, refs),
        assigned_to=assigned,
    )


def get_task(*, session: Session, actor: Actor, ref: str, field: str = "task") -> Task:
    task = by_ref(session, actor, Task, ref, field)
    require_view_plan(session, actor, task.tactic.objective.plan)
    return task


TRANSITIONS: dict[TaskStatus, set[TaskStatus]] = {
    TaskStatus.IN_PROGRESS: {TaskStatus.NOT_STARTED, TaskStatus.BLOCKED, TaskStatus.IN_PROGRESS},
    TaskStatus.BLOCKED: {TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED},
    TaskStatus.COMPLETED: {
        TaskStatus.NOT_STARTED,
        TaskStatus.IN_PROGRESS,
        TaskStatus.BLOCKED,
        TaskStatus.COMPLETED,
    },
    TaskStatus.SKIPPED: {
        TaskStatus.NOT_STARTED,
        TaskStatus.IN_PROGRESS,
        TaskStatus.BLOCKED,
        TaskStatus.SKIPPED,
    },
    TaskStatus.NOT_STARTED: {
        TaskStatus.COMPLETED,
        TaskStatus.SKIPPED,
        TaskStatus.IN_PROGRESS,
        TaskStatus.BLOCKED,
    },
}


def _set_status(
    session: Session,
    actor: Actor,
    ref: str,
    status: TaskStatus,
    *,
    reason: str | None = None,
    expected_version: int | None = None,
    action: str,
) -> TaskChange:
    task = by_ref(session, actor, Task, ref, "task")
    refs, plan = _path(task)
    require_task_update(session, actor, task, plan)
    check_version(task, expected_version)
    if task.status is status and (status is not TaskStatus.BLOCKED or reason == task.blocked_reason):
        # a repeated click (Start twice, Done twice): nothing to do, report the figures as they stand
        now = _measure(session, actor, plan, refs)
        return TaskChange(task, refs, now, now, changed=False)
    if task.status not in TRANSITIONS[status]:
        raise InvalidInput.one(
            "status",
            f"{task.ref} is {task.status.label.lower()}; "
            f"it cannot become {status.label.lower()} (reopen it first)",
        )
    before_values = capture(task, TASK_FIELDS)
    before = _measure(session, actor, plan, refs)
    task.status = status
    now_ts = utcnow()
    if status is TaskStatus.COMPLETED:
        task.completed_at, task.completed_by_id = now_ts, actor.id
    else:
        task.completed_at, task.completed_by_id = None, None
    if status is TaskStatus.IN_PROGRESS and task.started_at is None:
        task.started_at = now_ts
    task.blocked_reason = reason if status is TaskStatus.BLOCKED else None
    record_event(session, actor, action, task, before=before_values, after=capture(task, TASK_FIELDS))
    return TaskChange(task, refs, before, _measure(session, actor, plan, refs))


def complete_task(
    *, session: Session, actor: Actor, ref: str, expected_version: int | None = None
) -> TaskChange:
    return _set_status(
        session, actor, ref, TaskStatus.COMPLETED, expected_version=expected_version, action="completed"
    )


def start_task(
    *, session: Session, actor: Actor, ref: str, expected_version: int | None = None
) -> TaskChange:
    return _set_status(
        session, actor, ref, TaskStatus.IN_PROGRESS, expected_version=expected_version, action="started"
    )


def block_task(
    *,
    session: Session,
    actor: Actor,
    ref: str,
    reason: str | None = None,
    expected_version: int | None = None,
) -> TaskChange:
    if reason and len(reason) > 300:
        raise InvalidInput.one("reason", "must be at most 300 characters")
    return _set_status(
        session,
        actor,
        ref,
        TaskStatus.BLOCKED,
        reason=reason,
        expected_version=expected_version,
        action="blocked",
    )


def skip_task(*, session: Session, actor: Actor, ref: str, expected_version: int | None = None) -> TaskChange:
    return _set_status(
        session, actor, ref, TaskStatus.SKIPPED, expected_version=expected_version, action="skipped"
    )


def reopen_task(
    *, session: Session, actor: Actor, ref: str, expected_version: int | None = None
) -> TaskChange:
    return _set_status(
        session, actor, ref, TaskStatus.NOT_STARTED, expected_version=expected_version, action="reopened"
    )


def assign_task(
    *, session: Session, actor: Actor, ref: str, assignee: str | None, expected_version: int | None = None
) -> TaskChange:
    """Assign to a Slack user (None: the actor, "Assign to me"). Needs edit rights on the plan."""
    task = by_ref(session, actor, Task, ref, "task")
    refs, plan = _path(task)
    require_edit_plan(session, actor, plan)
    check_version(task, expected_version)
    if task.status in (TaskStatus.COMPLETED, TaskStatus.SKIPPED):
        raise InvalidInput.one(
            "assignee", f"{task.ref} is {task.status.label.lower()}; reopen it to reassign"
        )
    target = resolve_member(session, actor, assignee, "assignee")
    if task.assignee_id == target.id:
        now = _measure(session, actor, plan, refs)
        return TaskChange(task, refs, now, now, changed=False)
    require_member_sees(session, target, plan, "assignee")
    now = _measure(session, actor, plan, refs)
    before = capture(task, TASK_FIELDS)
    task.assignee_id = target.id
    task.assignee = target
    record_event(session, actor, "assigned", task, before=before, after=capture(task, TASK_FIELDS))
    assigned = target if target.id != actor.id else None
    return TaskChange(task, refs, now, now, assigned_to=assigned)


def update_task(*, session: Session, actor: Actor, ref: str, data: TaskUpdate | dict[str, Any]) -> Task:
    data = data if isinstance(data, TaskUpdate) else parse(TaskUpdate, data)
    task = by_ref(session, actor, Task, ref, "task")
    _, plan = _path(task)
    require_edit_plan(session, actor, plan)
    before = capture(task, TASK_FIELDS)
    changes = data.model_dump(exclude_unset=True)
    if "due_date" in changes:
        check_within(plan, changes["due_date"], "due_date")
    found = _stakeholder(session, actor, changes.get("stakeholder"), plan)
    if "due_date" in changes:
        task.due_date = changes["due_date"]
    if "stakeholder" in changes:
        task.stakeholder_id = found.id if found else None
    for key in ("title", "notes"):
        if key in changes and changes[key] is not None:
            setattr(task, key, changes[key])
    record_event(session, actor, "updated", task, before=before, after=capture(task, TASK_FIELDS))
    return task
