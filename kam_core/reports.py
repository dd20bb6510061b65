"""Plain-text `kam show` and `kam why`: the same views and figures the Slack cards show."""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from kam_core.actor import Actor
from kam_core.format import bar, day, pct, period, private_name, trend
from kam_core.models import Task
from kam_core.refs import get_by_ref, parse_ref
from kam_core.rollup import Node, Risk
from kam_core.rollup.explain import explain, explanation_text, measure_text, plan_of
from kam_core.views import TaskRow, TreeView, hidden_plan_refs, subtree_view, view_for

STATUS_MARK = {"completed": "☑", "skipped": "⊘", "blocked": "⛔", "in_progress": "◐", "not_started": "☐"}


def risk_text(node: Node) -> str:
    s = node.schedule
    if s is None or s.risk is Risk.NO_DATES:
        return ""
    if s.risk in (Risk.ON_TRACK, Risk.AT_RISK, Risk.OFF_TRACK):
        return f"{s.risk.value} (expected {pct(s.expected or 0)})"
    return s.risk.value


def node_line(view: TreeView, node: Node, indent: int, hidden: set[str]) -> str:
    secret = plan_of(view.rollup, node) in hidden
    name = f"({private_name(node.ref)})" if secret else node.name
    head = f"{'  ' * indent}{node.ref:<7} {name[:46]:<46}"
    figures = f"{bar(node.percent)} {pct(node.percent):>4}"
    extra = [x for x in (trend(view.trend.get(node.ref)), risk_text(node)) if x]
    if not node.included:
        extra.append(f"left out: {node.excluded_reason}")
    if node.measure:
        extra.append(measure_text(node, label=not secret))
    return f"{head} {figures}  {' · '.join(extra)}".rstrip()


def task_line(row: TaskRow, today: date, indent: int) -> str:
    who = row.assignee.display if row.assignee else "unassigned"
    due = f"due {day(row.due)}" if row.due else "no due date"
    if row.overdue(today):
        due += f" (overdue {row.days_overdue(today)}d)"
    if not row.is_open:
        due = row.status.label.lower()
    return f"{'  ' * indent}{STATUS_MARK[row.status.value]} {row.ref:<7} {row.title[:50]:<50} {who:<14} {due}"


def show_text(session: Session, actor: Actor, ref: str, today: date | None = None) -> str:
    if parse_ref(ref)[0] == "TSK":
        return task_text(session, actor, ref, today)
    view = view_for(session, actor, ref, today)
    return tree_text(view, hidden_plan_refs(session, actor, view.rollup))


def tree_text(view: TreeView, hidden: set[str]) -> str:
    root = view.root
    owner = view.member(root.owner_id)
    facts = (
        view.subtitle,
        f"owner {owner.display}" if owner else "",
        period(root.start, root.end),
        root.status.replace("_", " ").capitalize(),
    )
    lines = [f"{root.ref} · {root.name}", " · ".join(x for x in facts if x), node_line(view, root, 0, hidden)]
    _walk(view, root, 1, lines, hidden)
    c = root.counts
    lines.append(f"{c.done} of {c.counted} tasks done · {c.overdue} overdue · {c.blocked} blocked")
    return "\n".join(lines)


def _walk(view: TreeView, node: Node, indent: int, lines: list[str], hidden: set[str]) -> None:
    for kid in view.children(node):
        lines.append(node_line(view, kid, indent, hidden))
        if kid.kind == "tactic":
            lines.extend(task_line(row, view.today, indent + 1) for row in view.tasks.get(kid.ref, []))
        elif kid.kind == "goal" or (kid.kind == "objective" and view.root.kind != "goal"):
            _walk(view, kid, indent + 1, lines, hidden)


def task_text(session: Session, actor: Actor, ref: str, today: date | None = None) -> str:
    task = get_by_ref(session, actor.workspace_id, Task, ref, "task")
    view = subtree_view(session, actor, task.tactic.ref, today)
    row = next(r for r in view.all_tasks() if r.ref == task.ref)
    lines = [
        task_line(row, view.today, 0),
        f"in {row.tactic_ref} {row.tactic_name} · {row.plan_ref} {row.plan_name}",
    ]
    if row.notes:
        lines.append(f"notes: {row.notes}")
    if row.blocked_reason:
        lines.append(f"blocked: {row.blocked_reason}")
    return "\n".join(lines)


def why_text(session: Session, actor: Actor, ref: str, today: date | None = None) -> str:
    view = view_for(session, actor, ref, today)
    hidden = hidden_plan_refs(session, actor, view.rollup)
    return explanation_text(explain(view.rollup, view.root.ref, hidden))
