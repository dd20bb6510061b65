"""What a digest says, Slack-free: built from the same rollups and views as the cards and `why`, so
every figure agrees with them. A fixed number of queries per digest, whatever the workspace size."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from kam_core.digests.snapshots import series
from kam_core.enums import DigestKind, ScopeType, TaskStatus, Visibility
from kam_core.models import (
    Account,
    DigestRun,
    DigestSubscription,
    Member,
    Plan,
    PlanParticipant,
    Tactic,
    Task,
    Territory,
    utcnow,
)
from kam_core.rollup import Node, Rollup, rollup_goals, rollup_plans, rollup_sprints
from kam_core.views import OPEN, TaskRow, members_by_id, task_rows


@dataclass
class SprintDigest:
    title: str
    ref: str  # what `/kam why` explains ("SPR-4"), or "" for a member's work
    node: Node | None
    today: date
    day_of: tuple[int, int] | None = None
    change: float | None = None
    since: str = "since yesterday"
    burndown: list[int] = field(default_factory=list)
    ideal: list[float] = field(default_factory=list)
    done_since: list[TaskRow] = field(default_factory=list)
    due_today: list[TaskRow] = field(default_factory=list)
    overdue: list[TaskRow] = field(default_factory=list)
    blocked: list[TaskRow] = field(default_factory=list)
    unassigned: list[TaskRow] = field(default_factory=list)
    load: list[tuple[str | None, int]] = field(default_factory=list)  # (slack user id or None, open tasks)
    private_left_out: int = 0
    figures: dict[str, float] = field(default_factory=dict)
    kind: str = "sprint"
    built_at: datetime | None = None  # "done since" counts completions before this; the next digest's start


@dataclass
class RollupRow:
    node: Node
    depth: int
    change: float | None
    hidden: bool = False  # an objective of a private plan, shown without its name


@dataclass
class RollupDigest:
    title: str
    today: date
    rows: list[RollupRow] = field(default_factory=list)
    movers: list[RollupRow] = field(default_factory=list)
    since: str = "since the last digest"
    figures: dict[str, float] = field(default_factory=dict)
    kind: str = "rollup"


Digest = SprintDigest | RollupDigest


def _since_label(previous: DigestRun | None, today: date) -> str:
    if previous is None:
        return "since yesterday"
    gap = (today - previous.local_date).days
    return "since yesterday" if gap == 1 else f"since {previous.local_date:%a %-d %b}"


def build_digest(
    session: Session,
    subscription: DigestSubscription,
    today: date,
    previous: DigestRun | None,
    hidden_private: bool = True,
) -> Digest:
    """The digest of a subscription as of `today` (its local date)."""
    if subscription.kind is DigestKind.SPRINT:
        return sprint_digest(session, subscription, today, previous, hidden_private)
    return rollup_digest(session, subscription, today, previous, hidden_private)


def _previous_figures(previous: DigestRun | None) -> dict[str, float]:
    return dict((previous.figures or {}).get("percent", {})) if previous and previous.figures else {}


def sprint_digest(
    session: Session, sub: DigestSubscription, today: date, previous: DigestRun | None, hidden_private: bool
) -> SprintDigest:
    ws = sub.workspace_id
    members = members_by_id(session, ws)
    node: Node | None = None
    if sub.scope_type is ScopeType.SPRINT:
        rollup = rollup_sprints(session, ws, [sub.scope_id], today)
        node = next(n for n in rollup.of_kind("sprint") if n.id == sub.scope_id)
        scope: Any = Tactic.sprint_id == sub.scope_id
        title = f"{node.ref} · {node.name}"
        digest = SprintDigest(title, node.ref, node, today)
        if node.start and node.end:
            digest.day_of = (max(0, (today - node.start).days + 1), (node.end - node.start).days + 1)
    else:
        member = members.get(sub.scope_id)
        scope = Task.assignee_id == sub.scope_id
        name = member.name if member else "someone"
        digest = SprintDigest(f"{name}'s work", "", None, today)
    since, digest.built_at = _done_window_start(previous, today), utcnow()
    recent_done = and_(
        Task.status == TaskStatus.COMPLETED, Task.completed_at >= since, Task.completed_at < digest.built_at
    )
    rows = task_rows(session, ws, and_(scope, or_(Task.status.in_(OPEN), recent_done)), members)
    private = set(_private_plans(session, ws)) if hidden_private else set()
    visible = [r for r in rows if r.plan_ref not in private]
    digest.private_left_out = len(rows) - len(visible)
    digest.since = _since_label(previous, today)
    for row in visible:
        if row.status is TaskStatus.COMPLETED:
            digest.done_since.append(row)
            continue
        if row.due == today:
            digest.due_today.append(row)
        elif row.overdue(today):
            digest.overdue.append(row)
        if row.status is TaskStatus.BLOCKED:
            digest.blocked.append(row)
        if row.assignee is None:
            digest.unassigned.append(row)
    digest.overdue.sort(key=lambda r: (r.due or today, r.ref))
    load: dict[str | None, int] = {}
    for row in visible:  # the tasks of private plans are left out here too (and counted as such)
        if row.is_open:
            key = row.assignee.slack_user_id if row.assignee else None
            load[key] = load.get(key, 0) + 1
    digest.load = sorted(load.items(), key=lambda kv: (-kv[1], kv[0] or "~"))
    if node is not None:
        before = _previous_figures(previous)
        digest.change = node.percent - before[node.ref] if node.ref in before else None
        digest.figures = {node.ref: node.percent}
        _burndown(session, ws, node, digest)
    return digest


def _done_window_start(previous: DigestRun | None, today: date) -> datetime:
    """Where "done since" starts: where the previous digest's window ended (its build instant), so each
    completion is counted in exactly one digest; else the posting time or the previous midnight (UTC)."""
    built = (previous.figures or {}).get("built_at") if previous else None
    if isinstance(built, str):
        return datetime.fromisoformat(built)
    if previous and previous.posted_at:
        return previous.posted_at
    return datetime.combine(today - timedelta(days=1), time.min, tzinfo=UTC)


def _burndown(session: Session, workspace_id: int, node: Node, digest: SprintDigest) -> None:
    if not node.start or not node.end:
        return
    last = min(digest.today, node.end)
    points = series(session, workspace_id, "sprint", node.id, node.start, last)
    values: list[int] = []
    day = node.start
    carry: int | None = None
    while day <= last:
        snap = points.get(day)
        if day == digest.today:
            carry = node.counts.open
        elif snap is not None:
            carry = snap.open
        if carry is not None:
            values.append(carry)
        day += timedelta(days=1)
    digest.burndown = values
    total_days = max((node.end - node.start).days, 1)
    start_open = values[0] if values else node.counts.open
    digest.ideal = [start_open * (1 - i / total_days) for i in range(total_days + 1)]


def _private_plans(session: Session, workspace_id: int) -> list[str]:
    stmt = select(Plan).where(Plan.workspace_id == workspace_id, Plan.visibility == Visibility.PRIVATE)
    return [p.ref for p in session.scalars(stmt)]


def rollup_digest(
    session: Session, sub: DigestSubscription, today: date, previous: DigestRun | None, hidden_private: bool
) -> RollupDigest:
    ws = sub.workspace_id
    before = _previous_figures(previous)
    private = set(_private_plans(session, ws)) if hidden_private else set()
    if sub.scope_type is ScopeType.BUSINESS_OBJECTIVE:
        rollup = rollup_goals(session, ws, today)
        root = next(n for n in rollup.of_kind("goal") if n.id == sub.scope_id)
        digest = RollupDigest(f"{root.name} — objectives rollup", today)
        _walk(rollup, root, 0, digest, before, private)
        plans = [
            rollup[p]
            for p in {rollup[o].parent_ref for o in _contributors(rollup, root)}
            if p in rollup.nodes
        ]
    else:
        plan_ids = _plans_in_scope(session, sub)
        rollup = rollup_plans(session, ws, plan_ids, today)
        plans = sorted(rollup.of_kind("plan"), key=lambda n: n.ref)
        digest = RollupDigest(_rollup_title(session, sub, plans, private), today)
        for plan in plans:
            _walk(rollup, plan, 0, digest, before, private, max_depth=1)
    digest.since = _since_label(previous, today)
    movers = [
        RollupRow(p, 0, p.percent - before[p.ref] if p.ref in before else None, p.ref in private)
        for p in plans
    ]
    digest.movers = sorted(movers, key=lambda r: -(abs(r.change) if r.change is not None else -1))[:5]
    digest.figures = {row.node.ref: row.node.percent for row in digest.rows}
    digest.figures.update({p.ref: p.percent for p in plans})
    return digest


def _contributors(rollup: Rollup, root: Node) -> list[str]:
    out: list[str] = []
    for kid in rollup.children(root):
        if kid.kind == "objective":
            out.append(kid.ref)
        elif kid.kind == "goal":
            out += _contributors(rollup, kid)
    return out


def _walk(
    rollup: Rollup,
    node: Node,
    depth: int,
    digest: RollupDigest,
    before: dict[str, float],
    private: set[str],
    max_depth: int = 3,
) -> None:
    hidden = node.kind == "objective" and node.parent_ref in private
    if node.kind == "plan" and node.ref in private:
        hidden = True
    change = node.percent - before[node.ref] if node.ref in before else None
    digest.rows.append(RollupRow(node, depth, change, hidden))
    if depth >= max_depth:
        return
    for kid in rollup.children(node):
        if kid.kind in ("goal", "objective"):
            _walk(rollup, kid, depth + 1, digest, before, private, max_depth)


def _plans_in_scope(session: Session, sub: DigestSubscription) -> list[int]:
    ws = sub.workspace_id
    if sub.scope_type is ScopeType.PLAN:
        return [sub.scope_id]
    if sub.scope_type is ScopeType.MEMBER:
        participant = select(PlanParticipant.plan_id).where(PlanParticipant.member_id == sub.scope_id)
        stmt = select(Plan.id).where(
            Plan.workspace_id == ws, or_(Plan.owner_id == sub.scope_id, Plan.id.in_(participant))
        )
        return list(session.scalars(stmt))
    territories = _territory_subtree(session, ws, sub.scope_id)
    accounts = select(Account.id).where(Account.workspace_id == ws, Account.territory_id.in_(territories))
    stmt = select(Plan.id).where(
        Plan.workspace_id == ws, or_(Plan.territory_id.in_(territories), Plan.account_id.in_(accounts))
    )
    return list(session.scalars(stmt))


def _territory_subtree(session: Session, workspace_id: int, root: int) -> list[int]:
    rows = session.execute(
        select(Territory.id, Territory.parent_id).where(Territory.workspace_id == workspace_id)
    )
    children: dict[int | None, list[int]] = {}
    for tid, parent in rows:
        children.setdefault(parent, []).append(tid)
    out, stack = [], [root]
    while stack:
        current = stack.pop()
        out.append(current)
        stack.extend(children.get(current, []))
    return out


def _rollup_title(session: Session, sub: DigestSubscription, plans: list[Node], private: set[str]) -> str:
    """The header (and the fallback text) of a rollup digest: never the name of a hidden private plan."""
    if sub.scope_type is ScopeType.PLAN and plans:
        name = "a private plan" if plans[0].ref in private else plans[0].name
        return f"{plans[0].ref} · {name} — rollup"
    if sub.scope_type is ScopeType.TERRITORY:
        name = session.scalar(select(Territory.name).where(Territory.id == sub.scope_id)) or "territory"
        return f"{name} — objectives rollup"
    name = session.scalar(select(Member.name).where(Member.id == sub.scope_id)) or "member"
    return f"{name}'s plans — rollup"
