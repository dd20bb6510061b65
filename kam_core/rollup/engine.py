"""Set-based progress rollup (product.md §3).

A rollup loads a fixed number of queries whatever the size of the workspace: the plans in scope, their
objectives, their tactics, one GROUP BY over their tasks, the sprints and the business objectives. The
arithmetic then runs in Python over tactics and objectives (never over single tasks).

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

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.orm import Session

from kam_core.enums import MeasureUnit, TacticStatus, TaskStatus, WorkStatus
from kam_core.models import BusinessObjective, Objective, Plan, Sprint, Tactic, Task
from kam_core.rollup.risk import Schedule, schedule

OPEN_TASK = (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED)
PLAN_PREFIX = {"account": "AP", "territory": "TP"}


@dataclass
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

    @property
    def attainment(self) -> float | None:
        if self.target in (None, 0) or self.current is None:
            return None
        return float(self.current) * 100.0 / float(self.target)


@dataclass
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
    schedule: Schedule | None = None
    measure: Measure | None = None
    owner_id: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)


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


def weighted_mean(values: list[tuple[float, float]]) -> float:
    total = sum(w for _, w in values)
    return sum(v * w for v, w in values) / total if total > 0 else 0.0


# ---------------------------------------------------------------- loading


def _plans_in_scope(workspace_id: int, plan_clause: ColumnElement[bool] | None) -> Any:
    stmt = select(Plan.id).where(Plan.workspace_id == workspace_id)
    return stmt.where(plan_clause) if plan_clause is not None else stmt


def _load(
    session: Session, workspace_id: int, plan_clause: ColumnElement[bool] | None, today: date
) -> Rollup:
    plan_ids = _plans_in_scope(workspace_id, plan_clause)
    rollup = Rollup(today=today)
    plans = session.execute(
        select(
            Plan.id,
            Plan.kind,
            Plan.number,
            Plan.name,
            Plan.status,
            Plan.period_start,
            Plan.period_end,
            Plan.owner_id,
            Plan.visibility,
        ).where(Plan.workspace_id == workspace_id, Plan.id.in_(plan_ids))
    ).all()
    objectives = session.execute(
        select(
            Objective.id,
            Objective.number,
            Objective.plan_id,
            Objective.name,
            Objective.status,
            Objective.weight,
            Objective.start_date,
            Objective.due_date,
            Objective.contributes_to_id,
            Objective.owner_id,
            Objective.measure_unit,
            Objective.measure_target,
            Objective.measure_current,
            Objective.measure_label,
            Objective.measure_currency,
        ).where(Objective.workspace_id == workspace_id, Objective.plan_id.in_(plan_ids))
    ).all()
    tactic_scope = and_(Tactic.workspace_id == workspace_id, Objective.plan_id.in_(plan_ids))
    tactics = session.execute(
        select(
            Tactic.id,
            Tactic.number,
            Tactic.objective_id,
            Tactic.name,
            Tactic.status,
            Tactic.weight,
            Tactic.start_date,
            Tactic.due_date,
            Tactic.sprint_id,
            Tactic.owner_id,
        )
        .join(Objective, Objective.id == Tactic.objective_id)
        .where(tactic_scope)
    ).all()
    counts = _task_counts(session, workspace_id, plan_clause, plan_ids, today)

    plan_nodes: dict[int, Node] = {}
    for p in plans:
        node = Node(
            "plan",
            p.id,
            f"{PLAN_PREFIX[p.kind.value]}-{p.number}",
            p.name,
            p.status.value,
            1.0,
            start=p.period_start,
            end=p.period_end,
            owner_id=p.owner_id,
        )
        node.extra["private"] = p.visibility.value == "private"
        plan_nodes[p.id] = node
    objective_nodes: dict[int, Node] = {}
    for o in objectives:
        plan = plan_nodes[o.plan_id]
        node = Node(
            "objective",
            o.id,
            f"OBJ-{o.number}",
            o.name,
            o.status.value,
            o.weight or 1.0,
            parent_ref=plan.ref,
            start=o.start_date or plan.start,
            end=o.due_date or plan.end,
            owner_id=o.owner_id,
        )
        node.extra["contributes_to_id"] = o.contributes_to_id
        node.extra["plan_private"] = plan.extra["private"]
        if o.measure_unit is not None:
            node.measure = Measure(
                o.measure_unit, o.measure_target, o.measure_current, o.measure_label, o.measure_currency
            )
        objective_nodes[o.id] = node
        plan.children.append(node.ref)
    tactic_nodes: dict[int, Node] = {}
    for t in tactics:
        objective = objective_nodes[t.objective_id]
        node = Node(
            "tactic",
            t.id,
            f"TAC-{t.number}",
            t.name,
            t.status.value,
            t.weight or 1.0,
            parent_ref=objective.ref,
            start=t.start_date or objective.start,
            end=t.due_date or objective.end,
            owner_id=t.owner_id,
            counts=counts.get(t.id, Counts()),
        )
        node.extra["sprint_id"] = t.sprint_id
        tactic_nodes[t.id] = node
        objective.children.append(node.ref)
    for nodes in (plan_nodes, objective_nodes, tactic_nodes):
        for node in nodes.values():
            rollup.nodes[node.ref] = node
    _compute_tactics(rollup, tactic_nodes.values())
    _compute_parents(rollup, objective_nodes.values(), excluded={WorkStatus.CANCELLED, WorkStatus.DEFERRED})
    _compute_parents(rollup, plan_nodes.values(), excluded=set())
    return rollup


def _task_counts(
    session: Session, workspace_id: int, plan_clause: ColumnElement[bool] | None, plan_ids: Any, today: date
) -> dict[int, Counts]:
    status = Task.status
    is_open = status.in_(OPEN_TASK)
    stmt = select(
        Task.tactic_id,
        func.sum(case((status != TaskStatus.SKIPPED, 1), else_=0)),
        func.sum(case((status == TaskStatus.COMPLETED, 1), else_=0)),
        func.sum(case((is_open, 1), else_=0)),
        func.sum(case((status == TaskStatus.BLOCKED, 1), else_=0)),
        func.sum(case((and_(is_open, Task.due_date < today), 1), else_=0)),
        func.sum(case((status == TaskStatus.SKIPPED, 1), else_=0)),
    ).where(Task.workspace_id == workspace_id)
    if plan_clause is not None:
        in_scope = (
            select(Tactic.id)
            .join(Objective, Objective.id == Tactic.objective_id)
            .where(Tactic.workspace_id == workspace_id, Objective.plan_id.in_(plan_ids))
        )
        stmt = stmt.where(Task.tactic_id.in_(in_scope))
    stmt = stmt.group_by(Task.tactic_id)
    return {row[0]: Counts(*(int(v or 0) for v in row[1:])) for row in session.execute(stmt)}


# ---------------------------------------------------------------- computing


def _compute_tactics(rollup: Rollup, tactics: Iterable[Node]) -> None:
    for node in tactics:
        c = node.counts
        if node.status == TacticStatus.COMPLETED:
            node.percent = 100.0
        elif node.status == TacticStatus.CANCELLED:
            node.included, node.excluded_reason = False, "cancelled"
            node.percent = 100.0 * c.done / c.counted if c.counted else 0.0
        else:
            node.percent = 100.0 * c.done / c.counted if c.counted else 0.0
        _schedule(rollup, node)


def _compute_parents(rollup: Rollup, parents: Iterable[Node], excluded: set[WorkStatus]) -> None:
    for node in parents:
        kids = rollup.children(node)
        for kid in kids:
            if kid.included:  # a left-out child's tasks are left out of the counts too
                node.counts.add(kid.counts)
        if node.status in excluded:
            node.included, node.excluded_reason = False, node.status.replace("_", " ")
        if node.status == WorkStatus.COMPLETED:
            node.percent = 100.0
        else:
            node.percent = weighted_mean([(k.percent, k.weight) for k in kids if k.included])
        _schedule(rollup, node)


def _schedule(rollup: Rollup, node: Node) -> None:
    done = node.status in ("completed",)
    node.schedule = schedule(node.percent, node.start, node.end, rollup.today, done=done)


# ---------------------------------------------------------------- sprints and business objectives


def add_sprints(session: Session, workspace_id: int, rollup: Rollup, sprint_ids: list[int] | None) -> None:
    stmt = select(
        Sprint.id,
        Sprint.number,
        Sprint.name,
        Sprint.status,
        Sprint.start_date,
        Sprint.end_date,
        Sprint.owner_id,
    ).where(Sprint.workspace_id == workspace_id)
    if sprint_ids is not None:
        stmt = stmt.where(Sprint.id.in_(sprint_ids))
    by_id: dict[int, Node] = {}
    for s in session.execute(stmt):
        node = Node(
            "sprint",
            s.id,
            f"SPR-{s.number}",
            s.name,
            s.status.value,
            1.0,
            start=s.start_date,
            end=s.end_date,
            owner_id=s.owner_id,
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
        sprint.schedule = schedule(
            sprint.percent, sprint.start, sprint.end, rollup.today, done=sprint.status == "closed"
        )


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
            g.status.value,
            1.0,
            start=g.period_start,
            end=g.period_end,
            owner_id=g.owner_id,
        )
        node.extra.update(level=g.level.value, parent_id=g.parent_id, territory_id=g.territory_id)
        if g.measure_unit is not None:
            node.measure = Measure(
                g.measure_unit, g.measure_target, g.measure_current, g.measure_label, g.measure_currency
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
    node.schedule = schedule(
        node.percent, node.start, node.end, rollup.today, done=node.status == "completed"
    )
    done.add(node.id)


def _roll_measure(node: Node, kids: list[Node]) -> None:
    if node.measure is None:
        return
    unit = node.measure.unit
    inputs = [
        k
        for k in kids
        if k.included and k.measure and k.measure.unit is unit and k.measure.current is not None
    ]
    if not inputs:
        return
    values = [k.measure.current for k in inputs if k.measure and k.measure.current is not None]
    total = sum(values, Decimal(0))
    node.measure.current = total / len(values) if unit is MeasureUnit.PERCENT else total
    node.measure.rolled_from = [k.ref for k in inputs]


def goal_rows(session: Session, workspace_id: int) -> list[Any]:
    return list(
        session.execute(
            select(
                BusinessObjective.id,
                BusinessObjective.number,
                BusinessObjective.name,
                BusinessObjective.status,
                BusinessObjective.level,
                BusinessObjective.parent_id,
                BusinessObjective.territory_id,
                BusinessObjective.period_start,
                BusinessObjective.period_end,
                BusinessObjective.owner_id,
                BusinessObjective.measure_unit,
                BusinessObjective.measure_target,
                BusinessObjective.measure_current,
                BusinessObjective.measure_label,
                BusinessObjective.measure_currency,
            ).where(BusinessObjective.workspace_id == workspace_id)
        )
    )
