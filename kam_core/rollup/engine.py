"""Set-based progress rollup (product.md §3).

A rollup loads a fixed number of queries whatever the size of the workspace: the plans in scope, their
objectives, their tactics, one GROUP BY over their tasks, the sprints and the business objectives. The
arithmetic then runs in Python over tactics and objectives (never over single tasks). Records come in
reference order, so children (and the trees built from them) keep a stable order on every database.

Rules:
- task: completed counts 1, skipped is left out, every other status counts 0;
- tactic % = completed / counted tasks; a completed tactic is 100; a cancelled tactic is left out of
  its objective; a tactic with no counted tasks is 0 unless completed;
- objective % = weighted mean of its counted tactics; completed = 100; cancelled or deferred objectives
  are left out of their plan;
- plan % = weighted mean of its counted objectives; completed = 100;
- sprint % = mean of its (not cancelled) tactics' %, with task counts;
- a child left out of its parent's % (cancelled, deferred) is left out of the parent's task counts too;
- business objective % = mean of its counted child objectives and contributing objectives;
  measures: children's and contributors' current values are summed (number, currency) or averaged
  (percent).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, String, func, select, type_coerce
from sqlalchemy.orm import Session

from kam_core.enums import MeasureUnit, TacticStatus, TaskStatus, WorkStatus
from kam_core.models import BusinessObjective, Objective, Plan, Sprint, Tactic, Task
from kam_core.rollup.risk import Schedule, schedule

OPEN_TASK = (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED)
PLAN_PREFIX = {"account": "AP", "territory": "TP"}


@dataclass(slots=True)
class Counts:
    """Task counts below a node. `counted` excludes skipped tasks."""

    counted: int = 0
    done: int = 0
    open: int = 0
    blocked: int = 0
    overdue: int = 0
    skipped: int = 0

    def add(self, other: Counts) -> None:
        self.counted += other.counted
        self.done += other.done
        self.open += other.open
        self.blocked += other.blocked
        self.overdue += other.overdue
        self.skipped += other.skipped


@dataclass
class Measure:
    unit: MeasureUnit
    target: Decimal | None
    current: Decimal | None
    label: str | None = None
    currency: str | None = None
    rolled_from: list[str] = field(default_factory=list)  # refs whose values made `current`
    not_comparable: list[str] = field(default_factory=list)  # children measured in another unit/currency

    @property
    def attainment(self) -> float | None:
        if self.target in (None, 0) or self.current is None:
            return None
        return float(self.current) * 100.0 / float(self.target)


@dataclass(slots=True)
class Node:
    kind: str  # tactic | objective | plan | sprint | goal
    id: int
    ref: str
    name: str
    status: str
    weight: float
    percent: float = 0.0
    included: bool = True  # counted in its parent
    excluded_reason: str | None = None
    parent_ref: str | None = None
    children: list[str] = field(default_factory=list)
    counts: Counts = field(default_factory=Counts)
    start: date | None = None
    end: date | None = None
    measure: Measure | None = None
    owner_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    today: date | None = None  # the rollup's day, for the schedule
    _schedule: Schedule | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def schedule(self) -> Schedule | None:
        """Schedule risk, worked out on first use: a rollup has thousands of nodes, a card shows a few."""
        if self._schedule is None and self.today is not None:
            done = self.status == ("closed" if self.kind == "sprint" else "completed")
            self._schedule = schedule(self.percent, self.start, self.end, self.today, done=done)
        return self._schedule


@dataclass
class Rollup:
    today: date
    nodes: dict[str, Node] = field(default_factory=dict)

    def get(self, ref: str) -> Node | None:
        return self.nodes.get(ref.upper())

    def __getitem__(self, ref: str) -> Node:
        return self.nodes[ref.upper()]

    def of_kind(self, kind: str) -> list[Node]:
        return [n for n in self.nodes.values() if n.kind == kind]

    def children(self, node: Node) -> list[Node]:
        return [self.nodes[r] for r in node.children if r in self.nodes]

    def percents(self, refs: Iterable[str]) -> dict[str, float]:
        return {r: self.nodes[r].percent for r in refs if r in self.nodes}


# ---------------------------------------------------------------- loading


def _in_scope(plan_clause: ColumnElement[bool] | None, condition: ColumnElement[bool]) -> tuple[Any, ...]:
    """The plan-scope condition, or none for a whole-workspace rollup (the workspace filter suffices)."""
    return () if plan_clause is None else (condition,)


def _code(column: Any) -> Any:
    """A status/kind column as its stored string code (no enum conversion per row: nodes keep codes)."""
    return type_coerce(column, String())


def _rows(session: Session, stmt: Any) -> list[Any]:
    """Plain Core rows, without the ORM's loading layer (a rollup reads columns, never entities).
    Pending changes are flushed first, as an ORM query would."""
    if session.autoflush:
        session.flush()
    return list(session.connection().execute(stmt).all())


UNITS = {unit.value: unit for unit in MeasureUnit}
MAX_ID_LIST = 5000  # an IN list longer than this (SQLite allows 32766 parameters) is read by joins


def _measure(
    unit: str | None, target: Any, current: Any, label: str | None, currency: str | None
) -> Measure | None:
    return None if unit is None else Measure(UNITS[unit], target, current, label, currency)


def _load(
    session: Session,
    workspace_id: int,
    plan_clause: ColumnElement[bool] | None,
    today: date,
    without_tasks: Collection[int] = (),
) -> Rollup:
    return _build(session, workspace_id, plan_clause, today, without_tasks)


def _build(
    session: Session,
    workspace_id: int,
    plan_clause: ColumnElement[bool] | None,
    today: date,
    without_tasks: Collection[int] = (),
) -> Rollup:
    rollup = Rollup(today=today)
    plans = _rows(
        session,
        select(
            Plan.id,
            _code(Plan.kind),
            Plan.number,
            Plan.name,
            _code(Plan.status),
            Plan.period_start,
            Plan.period_end,
            Plan.owner_id,
            _code(Plan.visibility),
        )
        .where(Plan.workspace_id == workspace_id, *(() if plan_clause is None else (plan_clause,)))
        .order_by(Plan.kind, Plan.number),
    )
    # The rest of the scope is given by the plan ids just read, as a literal list and plain joins: the
    # planner then needs no statistics to do the right thing (nested IN-subqueries went badly wrong on
    # PostgreSQL right after bulk loads, before autovacuum had analysed the tables).
    scoped = _in_scope(plan_clause, Objective.plan_id.in_([row[0] for row in plans]))
    objectives = _rows(
        session,
        select(
            Objective.id,
            Objective.number,
            Objective.plan_id,
            Objective.name,
            _code(Objective.status),
            Objective.weight,
            Objective.start_date,
            Objective.due_date,
            Objective.contributes_to_id,
            Objective.owner_id,
            _code(Objective.measure_unit),
            Objective.measure_target,
            Objective.measure_current,
            Objective.measure_label,
            Objective.measure_currency,
        )
        .where(Objective.workspace_id == workspace_id, *scoped)
        .order_by(Objective.number),
    )
    tactics = _rows(
        session,
        select(
            Tactic.id,
            Tactic.number,
            Tactic.objective_id,
            Tactic.name,
            _code(Tactic.status),
            Tactic.weight,
            Tactic.start_date,
            Tactic.due_date,
            Tactic.sprint_id,
            Tactic.owner_id,
        )
        .join(Objective, Objective.id == Tactic.objective_id)
        .where(Tactic.workspace_id == workspace_id, *scoped)
        .order_by(Tactic.number),
    )
    tactic_ids = [row[0] for row in tactics] if scoped else None
    counts = _task_counts(session, workspace_id, scoped, tactic_ids, today, without_tasks)

    kids: dict[str, list[Node]] = {}  # parent ref -> child nodes, for the arithmetic below
    plan_nodes: dict[int, Node] = {}
    for pid, kind, number, name, status, start, end, owner_id, visibility in plans:
        node = Node(
            "plan",
            pid,
            f"{PLAN_PREFIX[kind]}-{number}",
            name,
            status,
            1.0,
            start=start,
            end=end,
            owner_id=owner_id,
            extra={"private": visibility == "private"},
            today=today,
        )
        plan_nodes[pid] = node
        kids[node.ref] = []
    objective_nodes: dict[int, Node] = {}
    for oid, number, plan_id, name, status, weight, start, due, goal_id, owner_id, *measure in objectives:
        plan = plan_nodes[plan_id]
        node = Node(
            "objective",
            oid,
            f"OBJ-{number}",
            name,
            status,
            weight or 1.0,
            parent_ref=plan.ref,
            start=start or plan.start,
            end=due or plan.end,
            owner_id=owner_id,
            measure=_measure(*measure),
            extra={"contributes_to_id": goal_id, "plan_private": plan.extra["private"]},
            today=today,
        )
        objective_nodes[oid] = node
        plan.children.append(node.ref)
        kids[plan.ref].append(node)
        kids[node.ref] = []
    tactic_nodes: dict[int, Node] = {}
    for tid, number, objective_id, name, status, weight, start, due, sprint_id, owner_id in tactics:
        objective = objective_nodes[objective_id]
        node = Node(
            "tactic",
            tid,
            f"TAC-{number}",
            name,
            status,
            weight or 1.0,
            parent_ref=objective.ref,
            start=start or objective.start,
            end=due or objective.end,
            owner_id=owner_id,
            counts=counts.get(tid) or Counts(),
            extra={"sprint_id": sprint_id},
            today=today,
        )
        tactic_nodes[tid] = node
        objective.children.append(node.ref)
        kids[objective.ref].append(node)
    for nodes in (plan_nodes, objective_nodes, tactic_nodes):
        for node in nodes.values():
            rollup.nodes[node.ref] = node
    _compute_tactics(tactic_nodes.values())
    _compute_parents(objective_nodes.values(), kids, excluded={"cancelled", "deferred"})
    _compute_parents(plan_nodes.values(), kids, excluded=set())
    return rollup


def _task_counts(
    session: Session,
    workspace_id: int,
    scoped: tuple[Any, ...],
    tactic_ids: list[int] | None,
    today: date,
    without_tasks: Collection[int] = (),
) -> dict[int, Counts]:
    """One GROUP BY over the tasks of the tactics in scope (all of the workspace's when not scoped).
    A scope is probed by tactic id through the (tactic_id, status) index; the workspace condition stays,
    written as an expression ("+ 0") so that no planner prefers scanning all the workspace's tasks by it.
    A very large scope (more ids than MAX_ID_LIST) is read by joins instead."""
    status = Task.status
    stmt = select(
        Task.tactic_id,
        func.count(),  # every status but completed and skipped is open
        func.count().filter(status == TaskStatus.COMPLETED),
        func.count().filter(status == TaskStatus.SKIPPED),
        func.count().filter(status == TaskStatus.BLOCKED),
        func.count().filter(status.in_(OPEN_TASK), Task.due_date < today),
    )
    if tactic_ids is not None and len(tactic_ids) <= MAX_ID_LIST:
        stmt = stmt.where((Task.workspace_id + 0) == workspace_id, Task.tactic_id.in_(tactic_ids))
    else:
        stmt = stmt.where(Task.workspace_id == workspace_id)
        if scoped:
            stmt = (
                stmt.join(Tactic, Tactic.id == Task.tactic_id)
                .join(Objective, Objective.id == Tactic.objective_id)
                .where(*scoped)
            )
    if without_tasks:  # "as it was before these tasks existed"
        stmt = stmt.where(Task.id.not_in(list(without_tasks)))
    return {
        tactic_id: Counts(total - skipped, done, total - done - skipped, blocked, overdue, skipped)
        for tactic_id, total, done, skipped, blocked, overdue in _rows(session, stmt.group_by(Task.tactic_id))
    }


# ---------------------------------------------------------------- computing


def _compute_tactics(tactics: Iterable[Node]) -> None:
    for node in tactics:
        c = node.counts
        if node.status == TacticStatus.CANCELLED:
            node.included, node.excluded_reason = False, "cancelled"
        if node.status == TacticStatus.COMPLETED:
            node.percent = 100.0
        else:
            node.percent = 100.0 * c.done / c.counted if c.counted else 0.0


def _compute_parents(parents: Iterable[Node], kids: dict[str, list[Node]], excluded: set[str]) -> None:
    """Objectives (or plans): the weighted mean of the children counted in them, whose task counts
    they add up (a left-out child's tasks are left out of the counts too)."""
    for node in parents:
        total = weights = 0.0
        counts = node.counts
        for kid in kids[node.ref]:
            if kid.included:
                total += kid.percent * kid.weight
                weights += kid.weight
                counts.add(kid.counts)
        if node.status in excluded:
            node.included, node.excluded_reason = False, node.status.replace("_", " ")
        if node.status == WorkStatus.COMPLETED:
            node.percent = 100.0
        else:
            node.percent = total / weights if weights > 0 else 0.0


# ---------------------------------------------------------------- sprints and business objectives


def add_sprints(session: Session, workspace_id: int, rollup: Rollup, sprint_ids: list[int] | None) -> None:
    stmt = select(
        Sprint.id,
        Sprint.number,
        Sprint.name,
        _code(Sprint.status),
        Sprint.start_date,
        Sprint.end_date,
        Sprint.owner_id,
    ).where(Sprint.workspace_id == workspace_id)
    stmt = stmt.order_by(Sprint.number)
    if sprint_ids is not None:
        stmt = stmt.where(Sprint.id.in_(sprint_ids))
    by_id: dict[int, Node] = {}
    for s in _rows(session, stmt):
        node = Node(
            "sprint",
            s.id,
            f"SPR-{s.number}",
            s.name,
            s.status,
            1.0,
            start=s.start_date,
            end=s.end_date,
            owner_id=s.owner_id,
            today=rollup.today,
        )
        by_id[s.id] = node
        rollup.nodes[node.ref] = node
    for tactic in rollup.of_kind("tactic"):
        sprint = by_id.get(tactic.extra["sprint_id"])
        if sprint is not None:
            sprint.children.append(tactic.ref)
    for sprint in by_id.values():
        kids = rollup.children(sprint)
        for kid in kids:
            if kid.included:
                sprint.counts.add(kid.counts)
        counted = [k.percent for k in kids if k.included]
        sprint.percent = sum(counted) / len(counted) if counted else 0.0


def add_goals(session: Session, workspace_id: int, rollup: Rollup, goal_rows: list[Any]) -> None:
    """Business objectives: each is the mean of its counted child objectives and contributing
    objectives; measures sum (number, currency) or average (percent) the same inputs."""
    nodes: dict[int, Node] = {}
    for g in goal_rows:
        node = Node(
            "goal",
            g.id,
            f"BO-{g.number}",
            g.name,
            g.status,
            1.0,
            start=g.period_start,
            end=g.period_end,
            owner_id=g.owner_id,
            measure=_measure(
                g.measure_unit, g.measure_target, g.measure_current, g.measure_label, g.measure_currency
            ),
            extra={"level": g.level, "parent_id": g.parent_id, "territory_id": g.territory_id},
            today=rollup.today,
        )
        nodes[g.id] = node
        rollup.nodes[node.ref] = node
    for node in nodes.values():
        parent = nodes.get(node.extra["parent_id"])
        if parent is not None:
            node.parent_ref = parent.ref
            parent.children.append(node.ref)
    for objective in rollup.of_kind("objective"):
        goal = nodes.get(objective.extra["contributes_to_id"])
        if goal is not None:
            goal.children.append(objective.ref)
    done: set[int] = set()
    for node in nodes.values():
        _compute_goal(rollup, nodes, node, done, set())


def _compute_goal(rollup: Rollup, nodes: dict[int, Node], node: Node, done: set[int], path: set[int]) -> None:
    if node.id in done or node.id in path:
        return
    path.add(node.id)
    for kid in rollup.children(node):
        if kid.kind == "goal":
            _compute_goal(rollup, nodes, kid, done, path)
    kids = rollup.children(node)
    if node.status in (WorkStatus.CANCELLED, WorkStatus.DEFERRED):
        node.included, node.excluded_reason = False, node.status.replace("_", " ")
    for kid in kids:
        if kid.included:
            node.counts.add(kid.counts)
    if node.status == WorkStatus.COMPLETED:
        node.percent = 100.0
    else:
        counted = [k.percent for k in kids if k.included]
        node.percent = sum(counted) / len(counted) if counted else 0.0
    _roll_measure(node, kids)
    done.add(node.id)


def _roll_measure(node: Node, kids: list[Node]) -> None:
    """Sum (number, currency) or average (percent) the children's current values. Only like is added to
    like: the same unit and, for currency, the same currency (an amount in another currency is left out
    and named in `not_comparable`, never converted silently)."""
    if node.measure is None:
        return
    unit, currency = node.measure.unit, node.measure.currency

    def comparable(m: Measure) -> bool:
        return m.unit is unit and (
            unit is not MeasureUnit.CURRENCY or (m.currency or None) == (currency or None)
        )

    measured = [k for k in kids if k.included and k.measure and k.measure.current is not None]
    inputs = [k for k in measured if k.measure and comparable(k.measure)]
    node.measure.not_comparable = [k.ref for k in measured if k not in inputs]
    if not inputs:
        return
    values = [k.measure.current for k in inputs if k.measure and k.measure.current is not None]
    total = sum(values, Decimal(0))
    node.measure.current = total / len(values) if unit is MeasureUnit.PERCENT else total
    node.measure.rolled_from = [k.ref for k in inputs]


def goal_rows(session: Session, workspace_id: int) -> list[Any]:
    return list(
        _rows(
            session,
            select(
                BusinessObjective.id,
                BusinessObjective.number,
                BusinessObjective.name,
                _code(BusinessObjective.status),
                _code(BusinessObjective.level),
                BusinessObjective.parent_id,
                BusinessObjective.territory_id,
                BusinessObjective.period_start,
                BusinessObjective.period_end,
                BusinessObjective.owner_id,
                _code(BusinessObjective.measure_unit),
                BusinessObjective.measure_target,
                BusinessObjective.measure_current,
                BusinessObjective.measure_label,
                BusinessObjective.measure_currency,
            )
            .where(BusinessObjective.workspace_id == workspace_id)
            .order_by(BusinessObjective.number),
        )
    )
