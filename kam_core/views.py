"""Read models behind every surface: the Slack cards, the digests and the CLI render these, so that the
figures they show are the same figures. Each view is built with a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.orm import Session

from kam_core.actor import Actor
from kam_core.enums import TaskStatus
from kam_core.errors import InvalidInput, NotAllowed
from kam_core.models import (
    Account,
    BusinessObjective,
    Contact,
    Member,
    Objective,
    Plan,
    Snapshot,
    Sprint,
    Stakeholder,
    Tactic,
    Task,
    Territory,
)
from kam_core.permissions import can_view_plan, require_view_plan, visible_plans_clause
from kam_core.refs import get_by_ref, parse_ref
from kam_core.rollup import Node, Rollup, rollup_goals, rollup_plans, rollup_sprints, today_utc
from kam_core.rollup.explain import plan_of

OPEN = (TaskStatus.NOT_STARTED, TaskStatus.IN_PROGRESS, TaskStatus.BLOCKED)


@dataclass
class TaskRow:
    id: int
    ref: str
    title: str
    status: TaskStatus
    version: int
    assignee: Member | None
    due: date | None
    tactic_ref: str
    tactic_name: str
    objective_ref: str
    plan_ref: str
    plan_name: str
    completed_at: datetime | None = None
    completed_by: Member | None = None
    blocked_reason: str | None = None
    stakeholder: str | None = None
    notes: str | None = None
    source_permalink: str | None = None

    @property
    def is_open(self) -> bool:
        return self.status in OPEN

    def overdue(self, today: date) -> bool:
        return self.is_open and self.due is not None and self.due < today

    def days_overdue(self, today: date) -> int:
        return (today - self.due).days if self.due and self.overdue(today) else 0


@dataclass
class TreeView:
    """A record with its rollup subtree, task rows and the trend against a week ago."""

    root: Node
    rollup: Rollup
    today: date
    tasks: dict[str, list[TaskRow]] = field(default_factory=dict)  # tactic ref -> rows
    members: dict[int, Member] = field(default_factory=dict)
    trend: dict[str, float] = field(default_factory=dict)  # ref -> points since the comparison day
    record: object = None
    subtitle: str = ""
    goal_refs: dict[int, str] = field(default_factory=dict)  # business objective id -> "BO-n"

    def children(self, node: Node) -> list[Node]:
        return self.rollup.children(node)

    def member(self, member_id: int | None) -> Member | None:
        return self.members.get(member_id) if member_id is not None else None

    def all_tasks(self) -> list[TaskRow]:
        return [row for rows in self.tasks.values() for row in rows]


def members_by_id(session: Session, workspace_id: int) -> dict[int, Member]:
    return {m.id: m for m in session.scalars(select(Member).where(Member.workspace_id == workspace_id))}


def task_rows(
    session: Session,
    workspace_id: int,
    where: ColumnElement[bool],
    members: dict[int, Member],
    limit: int | None = None,
) -> list[TaskRow]:
    """Task rows with their tactic, objective and plan, in one query."""
    stmt = (
        select(Task, Tactic.number, Tactic.name, Objective.number, Plan, Contact.name)
        .join(Tactic, Tactic.id == Task.tactic_id)
        .join(Objective, Objective.id == Tactic.objective_id)
        .join(Plan, Plan.id == Objective.plan_id)
        .outerjoin(Stakeholder, Stakeholder.id == Task.stakeholder_id)
        .outerjoin(Contact, Contact.id == Stakeholder.contact_id)
        .where(Task.workspace_id == workspace_id, where)
        .order_by(Task.due_date.is_(None), Task.due_date, Task.number)
    )
    if limit:
        stmt = stmt.limit(limit)
    rows = []
    for task, tactic_number, tactic_name, objective_number, plan, contact_name in session.execute(stmt):
        rows.append(
            TaskRow(
                id=task.id,
                ref=task.ref,
                title=task.title,
                status=task.status,
                version=task.version,
                assignee=members.get(task.assignee_id) if task.assignee_id else None,
                due=task.due_date,
                tactic_ref=f"TAC-{tactic_number}",
                tactic_name=tactic_name,
                objective_ref=f"OBJ-{objective_number}",
                plan_ref=plan.ref,
                plan_name=plan.name,
                completed_at=task.completed_at,
                completed_by=members.get(task.completed_by_id) if task.completed_by_id else None,
                blocked_reason=task.blocked_reason,
                stakeholder=contact_name,
                notes=task.notes,
                source_permalink=task.source_permalink,
            )
        )
    return rows


def trends(
    session: Session, workspace_id: int, rollup: Rollup, refs: list[str], since: date
) -> dict[str, float]:
    """Points gained since the latest snapshot on or before `since` (one query)."""
    nodes = [rollup[r] for r in refs if r in rollup.nodes]
    if not nodes:
        return {}
    keys = {(n.kind, n.id): n for n in nodes}
    stmt = (
        select(Snapshot.record_type, Snapshot.record_id, Snapshot.day, Snapshot.percent)
        .where(
            Snapshot.workspace_id == workspace_id,
            Snapshot.day <= since,
            Snapshot.day >= since - timedelta(days=14),
            Snapshot.record_id.in_([n.id for n in nodes]),
        )
        .order_by(Snapshot.day)
    )
    latest: dict[tuple[str, int], float] = {}
    for record_type, record_id, _day, percent in session.execute(stmt):
        if (record_type, record_id) in keys:
            latest[(record_type, record_id)] = percent
    return {keys[k].ref: keys[k].percent - v for k, v in latest.items()}


def goal_refs(session: Session, workspace_id: int, rollup: Rollup) -> dict[int, str]:
    """The references of the business objectives the rollup's objectives contribute to (one query)."""
    ids = {n.extra.get("contributes_to_id") for n in rollup.of_kind("objective")} - {None}
    if not ids:
        return {}
    stmt = select(BusinessObjective.id, BusinessObjective.number).where(
        BusinessObjective.workspace_id == workspace_id, BusinessObjective.id.in_(ids)
    )
    return {goal_id: f"BO-{number}" for goal_id, number in session.execute(stmt)}


def plan_view(
    session: Session, actor: Actor, ref: str, today: date | None = None, with_tasks: bool = True
) -> TreeView:
    """A plan with its rollup; `with_tasks` also loads its task rows (the CLI tree and exports show
    them, the plan card does not)."""
    today = today or today_utc()
    plan = get_by_ref(session, actor.workspace_id, Plan, ref, "plan")
    require_view_plan(session, actor, plan)
    rollup = rollup_plans(session, actor.workspace_id, [plan.id], today)
    members = members_by_id(session, actor.workspace_id)
    view = TreeView(rollup[plan.ref], rollup, today, members=members, record=plan)
    if with_tasks:
        for row in task_rows(session, actor.workspace_id, Objective.plan_id == plan.id, members):
            view.tasks.setdefault(row.tactic_ref, []).append(row)
    view.trend = trends(session, actor.workspace_id, rollup, list(rollup.nodes), today - timedelta(days=7))
    view.goal_refs = goal_refs(session, actor.workspace_id, rollup)
    where = ""
    if plan.account_id:
        where = (
            session.scalar(
                select(Account.name).where(
                    Account.workspace_id == plan.workspace_id, Account.id == plan.account_id
                )
            )
            or ""
        )
    elif plan.territory_id:
        where = (
            session.scalar(
                select(Territory.name).where(
                    Territory.workspace_id == plan.workspace_id, Territory.id == plan.territory_id
                )
            )
            or ""
        )
    view.subtitle = where
    return view


def subtree_view(session: Session, actor: Actor, ref: str, today: date | None = None) -> TreeView:
    """An objective or a tactic within its plan's rollup."""
    today = today or today_utc()
    prefix, _ = parse_ref(ref)
    record: Objective | Tactic
    if prefix == "OBJ":
        record = get_by_ref(session, actor.workspace_id, Objective, ref)
        plan = record.plan
    else:
        record = get_by_ref(session, actor.workspace_id, Tactic, ref)
        plan = record.objective.plan
    require_view_plan(session, actor, plan)
    rollup = rollup_plans(session, actor.workspace_id, [plan.id], today)
    members = members_by_id(session, actor.workspace_id)
    node = rollup[record.ref]
    view = TreeView(node, rollup, today, members=members, record=record, subtitle=f"{plan.ref} · {plan.name}")
    scope = Objective.id == record.id if isinstance(record, Objective) else Tactic.id == record.id
    for row in task_rows(session, actor.workspace_id, scope, members):
        view.tasks.setdefault(row.tactic_ref, []).append(row)
    view.trend = trends(session, actor.workspace_id, rollup, list(rollup.nodes), today - timedelta(days=7))
    view.goal_refs = goal_refs(session, actor.workspace_id, rollup)
    return view


def sprint_view(session: Session, actor: Actor, ref: str, today: date | None = None) -> TreeView:
    today = today or today_utc()
    sprint = get_by_ref(session, actor.workspace_id, Sprint, ref, "sprint")
    rollup = rollup_sprints(session, actor.workspace_id, [sprint.id], today)
    members = members_by_id(session, actor.workspace_id)
    view = TreeView(
        rollup[sprint.ref], rollup, today, members=members, record=sprint, subtitle=sprint.goal or ""
    )
    visible = select(Plan.id).where(
        Plan.workspace_id == actor.workspace_id, visible_plans_clause(actor.member)
    )
    for row in task_rows(
        session, actor.workspace_id, and_(Tactic.sprint_id == sprint.id, Plan.id.in_(visible)), members
    ):
        view.tasks.setdefault(row.tactic_ref, []).append(row)
    view.trend = trends(session, actor.workspace_id, rollup, [sprint.ref], today - timedelta(days=1))
    return view


def goal_view(session: Session, actor: Actor, ref: str, today: date | None = None) -> TreeView:
    today = today or today_utc()
    goal = get_by_ref(session, actor.workspace_id, BusinessObjective, ref, "goal")
    rollup = rollup_goals(session, actor.workspace_id, today)
    view = TreeView(
        rollup[goal.ref],
        rollup,
        today,
        members=members_by_id(session, actor.workspace_id),
        record=goal,
        subtitle=goal.level.label,
    )
    view.trend = trends(session, actor.workspace_id, rollup, list(rollup.nodes), today - timedelta(days=7))
    return view


def hidden_plan_refs(session: Session, actor: Actor, rollup: Rollup) -> set[str]:
    """Private plans in a rollup that the actor may not see (their objectives are shown anonymously)."""
    private = [n for n in rollup.of_kind("plan") if n.extra.get("private")]
    if not private:
        return set()
    plans = session.scalars(
        select(Plan).where(Plan.workspace_id == actor.workspace_id, Plan.id.in_([n.id for n in private]))
    )
    return {p.ref for p in plans if not can_view_plan(session, actor.member, p)}


def private_plan_refs(rollup: Rollup) -> set[str]:
    """Every private plan in a rollup: what a channel may not see, whoever puts a card there."""
    return {n.ref for n in rollup.of_kind("plan") if n.extra.get("private")}


def channel_refusal(ref: str, plan_ref: str) -> NotAllowed:
    """Why a record of a private plan is not shown in a channel (to everyone in it)."""
    what = f"{plan_ref} is a private plan" if ref == plan_ref else f"{ref} is in {plan_ref}, a private plan"
    return NotAllowed(
        f"{what}: it cannot be shared in a channel, where everyone could see it. "
        "Only its owner, its participants and admins may see it."
    )


def for_channel(view: TreeView) -> set[str]:
    """Ready a view to be shown in a channel: refused for a private plan or anything in one; otherwise
    every private plan in the rollup is hidden and its task rows dropped, whatever the sharer may see.
    Returns the hidden plan refs (the `hidden` of the cards and of `explain`)."""
    private = private_plan_refs(view.rollup)
    root = view.root
    plan = root.ref if root.kind == "plan" else plan_of(view.rollup, root)
    if plan is not None and plan in private:
        raise channel_refusal(root.ref, plan)
    view.tasks = {ref: [r for r in rows if r.plan_ref not in private] for ref, rows in view.tasks.items()}
    return private


def task_row(session: Session, actor: Actor, ref: str) -> TaskRow:
    """One task as `actor` may see it (refused for a private plan they may not see): one query, no rollup."""
    task = get_by_ref(session, actor.workspace_id, Task, ref, "task")
    require_view_plan(session, actor, task.tactic.objective.plan)
    (row,) = task_rows(
        session, actor.workspace_id, Task.id == task.id, members_by_id(session, actor.workspace_id)
    )
    return row


def my_tasks(session: Session, actor: Actor, today: date | None = None, limit: int = 200) -> list[TaskRow]:
    """The actor's open tasks, overdue first, then by due date."""
    today = today or today_utc()
    members = members_by_id(session, actor.workspace_id)
    visible = select(Plan.id).where(
        Plan.workspace_id == actor.workspace_id, visible_plans_clause(actor.member)
    )
    rows = task_rows(
        session,
        actor.workspace_id,
        and_(Task.assignee_id == actor.id, Task.status.in_(OPEN), Plan.id.in_(visible)),
        members,
        limit,
    )
    return sorted(rows, key=lambda r: (not r.overdue(today), r.due or date.max, r.ref))


VIEWS = {
    "AP": plan_view,
    "TP": plan_view,
    "OBJ": subtree_view,
    "TAC": subtree_view,
    "SPR": sprint_view,
    "BO": goal_view,
}


def view_for(
    session: Session, actor: Actor, ref: str, today: date | None = None, for_card: bool = False
) -> TreeView:
    """The tree view of a plan, objective, tactic, sprint or business objective (`for_card`: only what
    a Slack card shows — a plan card lists objectives, not tasks)."""
    prefix, _ = parse_ref(ref)
    if prefix not in VIEWS:
        raise InvalidInput.one(
            "ref", f"{ref.upper()} is not a plan, objective, tactic, sprint or business objective"
        )
    if prefix in ("AP", "TP"):
        return plan_view(session, actor, ref, today, with_tasks=not for_card)
    return VIEWS[prefix](session, actor, ref, today)
