"""Cards for plans, objectives, tactics, sprints and business objectives (ux.md), from kam_core views."""

from __future__ import annotations

from datetime import date

from bot.blocks.common import (
    Card,
    card_id,
    line_sections,
    more_pointer,
    node_title,
    pager,
    progress_line,
    stamp,
)
from bot.blocks.kit import MESSAGE_BLOCKS, Block, actions, button, context, divider, header, section
from bot.blocks.tasks import task_row
from bot.ids import Action, View
from bot.text import clip, esc, mention
from kam_core.format import pct, period, plural, private_name
from kam_core.rollup import Node
from kam_core.rollup.explain import Explanation, measure_text, plan_of
from kam_core.views import TaskRow, TreeView

TASKS_PER_PAGE = 8
CHILD_LIMIT = 12


def _facts(view: TreeView) -> str:
    root = view.root
    owner = view.member(root.owner_id)
    facts = []
    if view.subtitle:
        label = {"plan": "Account" if root.ref.startswith("AP") else "Territory"}.get(root.kind)
        facts.append(f"{label} *{esc(view.subtitle)}*" if label else esc(view.subtitle))
    if owner:
        facts.append(f"Owner {mention(owner.slack_user_id)}")
    facts.append(period(root.start, root.end))
    facts.append(root.status.replace("_", " ").capitalize())
    return " · ".join(facts)


def _summary_counts(view: TreeView, node: Node) -> str:
    c = node.counts
    bits = []
    objectives = [n for n in view.rollup.nodes.values() if n.kind == "objective"]
    tactics = [n for n in view.rollup.nodes.values() if n.kind == "tactic"]
    if node.kind == "plan":
        bits += [plural(len(objectives), "objective"), plural(len(tactics), "tactic")]
    bits.append(f"{plural(c.counted, 'task')} ({c.done} done, {c.overdue} overdue, {c.blocked} blocked)")
    if c.skipped:
        bits.append(f"{c.skipped} skipped")
    return " · ".join(bits)


def is_hidden(view: TreeView, node: Node, hidden: set[str]) -> bool:
    """An objective or tactic of a private plan the reader may not see: shown without its name."""
    return plan_of(view.rollup, node) in hidden


def _child_line(view: TreeView, node: Node, hidden: set[str]) -> str:
    hide = is_hidden(view, node, hidden)
    title = f"*{node.ref}* _{private_name(node.ref)}_" if hide else node_title(node)
    lines = [title, progress_line(node, view.trend.get(node.ref), projected=False)]
    extra = []
    if node.measure:
        extra.append(f"measure {esc(measure_text(node, label=not hide))}")
    goal_id = node.extra.get("contributes_to_id")
    if goal_id:
        extra.append(f"contributes to {view.goal_refs.get(goal_id, 'a business objective')}")
    if node.kind == "tactic":
        extra.append(f"{node.counts.done}/{node.counts.counted} tasks")
    if extra:
        lines.append("↳ " + " · ".join(extra))
    return "\n".join(lines)


def _actions(view: TreeView) -> Block:
    root = view.root
    elements = []
    if root.kind == "plan":
        elements.append(button("Add objective", Action.OPEN_MODAL, f"{View.OBJECTIVE_NEW}|{root.ref}"))
    elif root.kind == "objective":
        elements.append(button("Add tactic", Action.OPEN_MODAL, f"{View.TACTIC_NEW}|{root.ref}"))
    elif root.kind == "tactic":
        elements.append(button("Add task", Action.OPEN_MODAL, f"{View.TASK_NEW}|{root.ref}", style="primary"))
    elements.append(button(f"Why {pct(root.percent)}?", Action.WHY, root.ref))
    elements.append(button("Share in channel", Action.SHARE, root.ref))
    if root.kind in ("plan", "sprint", "goal"):
        elements.append(button("Subscribe this channel", Action.SUBSCRIBE, root.ref))
    return actions(*elements, block_id=f"card-actions:{root.ref}")


def tree_card(
    view: TreeView,
    *,
    page: int = 1,
    hidden: set[str] | None = None,
    flash: dict[str, list[tuple[str, float, float]]] | None = None,
) -> Card:
    """The card of a plan, objective, tactic, sprint or business objective."""
    hidden = hidden or set()
    root = view.root
    title = f"{root.ref} · {root.name}"
    if root.kind == "sprint" and root.schedule and root.schedule.total_days:
        elapsed = min((view.today - root.start).days + 1 if root.start else 0, root.schedule.total_days + 1)
        title += f" — day {max(elapsed, 0)} of {root.schedule.total_days + 1}"
    blocks: list[Block] = [
        {**header(title), "block_id": card_id(root.kind, root.ref, page)},
        section(
            _facts(view)
            + "\n"
            + progress_line(
                root,
                view.trend.get(root.ref),
                since="this week" if root.kind != "sprint" else "since yesterday",
            )
        ),
    ]
    if root.measure:
        blocks.append(context(f"Measure: {esc(measure_text(root))}"))
    budget = MESSAGE_BLOCKS - len(blocks) - 4  # leave room for the summary, actions and a pager
    kids = view.children(root)
    if root.kind in ("plan", "goal"):
        blocks += _children(view, kids, hidden, budget, CHILD_LIMIT)
    else:
        if root.kind in ("objective", "sprint"):
            blocks += _children(view, kids, hidden, budget, 6)
            blocks.append(divider())
        blocks += _task_rows(view, root, kids, page, MESSAGE_BLOCKS - len(blocks) - 2, flash or {})
    blocks.append(context(_summary_counts(view, root)))
    if root.kind == "sprint":
        blocks.append(context(load_text(view.all_tasks())))
    blocks.append(_actions(view))
    blocks = stamp(blocks[:MESSAGE_BLOCKS], root.kind, root.ref, page)
    return Card(f"{root.ref} {esc(root.name)} — {pct(root.percent)}", blocks)


def _children(view: TreeView, kids: list[Node], hidden: set[str], budget: int, limit: int) -> list[Block]:
    blocks: list[Block] = []
    shown = kids[: min(limit, budget)]
    for kid in shown:
        accessory = None if is_hidden(view, kid, hidden) else button("Open", Action.SHOW, kid.ref)
        blocks.append(
            section(_child_line(view, kid, hidden), accessory=accessory, block_id=f"node:{kid.ref}")
        )
    if len(kids) > len(shown):
        blocks.append(more_pointer(len(kids) - len(shown), f"open one with `/kam show {kids[0].ref}`"))
    if not kids:
        blocks.append(context("Nothing here yet."))
    return blocks


def _task_rows(
    view: TreeView,
    root: Node,
    kids: list[Node],
    page: int,
    budget: int,
    flash: dict[str, list[tuple[str, float, float]]],
) -> list[Block]:
    """Task rows, paged: every task of a tactic (open first), or the open tasks of an objective or a
    sprint, overdue first (plus any task just changed, so the click stays in view)."""
    tactics = [root] if root.kind == "tactic" else kids
    rows = [row for tactic in tactics for row in view.tasks.get(tactic.ref, [])]
    if root.kind in ("objective", "sprint"):
        rows = [row for row in rows if row.is_open or row.ref in flash]
    rows.sort(key=lambda r: (not r.is_open and r.ref not in flash, r.due or date.max, r.ref))
    pages = max(1, -(-len(rows) // TASKS_PER_PAGE))
    page = min(max(page, 1), pages)
    blocks: list[Block] = []
    if root.kind != "tactic":
        blocks.append(section(f"*Open tasks* ({len(rows)})" if rows else "_No open tasks._"))
    for row in rows[(page - 1) * TASKS_PER_PAGE : page * TASKS_PER_PAGE]:
        blocks += task_row(row, view.today, show_tactic=root.kind != "tactic", change=flash.get(row.ref))
    if not rows and root.kind == "tactic":
        blocks.append(context("No tasks yet — add the first one."))
    return blocks[: budget - 2] + pager(root.kind, root.ref, page, pages)


def why_card(view: TreeView, ex: Explanation) -> Card:
    root = view.root
    lines = []
    for term in ex.terms:
        name = f"_{private_name(term.ref)}_" if term.hidden else esc(clip(term.name, 60))
        weight = f" × weight {term.weight:g}" if root.kind in ("objective", "plan") else ""
        note = f" — _{term.note}_" if term.note else ""
        lines.append(f"• *{term.ref}* {name}: {pct(term.percent)}{weight}{note}")
    blocks: list[Block] = [
        {**header(f"Why {root.ref} is {pct(root.percent)}"), "block_id": card_id("why", root.ref)},
        section(f"{node_title(root)}\n*Formula:* {ex.formula}"),
    ]
    blocks += line_sections(lines, per_section=25, more=f"`/kam export {root.ref}` has every figure")
    blocks.append(section(f"*= {esc(clip(ex.arithmetic, 1500))}*"))
    facts = [f"*Tasks:* {ex.counts}", f"*Schedule:* {esc(ex.schedule)}"]
    if ex.measure:
        facts.append(f"*Measure:* {esc(ex.measure)}")
    blocks.append(section("\n".join(facts)))
    blocks.append(
        actions(
            button("Open", Action.SHOW, root.ref), button("Share in channel", Action.SHARE, f"why|{root.ref}")
        )
    )
    return Card(f"Why {root.ref} is {pct(root.percent)}", blocks[:MESSAGE_BLOCKS])


def task_card(row: TaskRow, today: date, change: list[tuple[str, float, float]] | None = None) -> Card:
    blocks: list[Block] = [
        {**header(f"{row.ref} · {clip(row.title, 120)}"), "block_id": card_id("task", row.ref)}
    ]
    blocks += task_row(row, today, change=change)
    facts = [f"In *{row.tactic_ref}* {esc(row.tactic_name)} · *{row.plan_ref}* {esc(row.plan_name)}"]
    if row.notes:
        facts.append(f"Notes: {esc(clip(row.notes, 1500))}")
    if row.source_permalink:
        facts.append(f"<{row.source_permalink}|Original message>")
    blocks.append(context(*facts))
    return Card(f"{row.ref} {esc(row.title)}", stamp(blocks, "task", row.ref))


def load_text(rows: list[TaskRow]) -> str:
    """Open tasks per assignee, busiest first: `Load: @bob 5 open · @carol 4 · unassigned 1`."""
    load: dict[str, int] = {}
    for row in rows:
        if row.is_open:
            key = mention(row.assignee.slack_user_id) if row.assignee else "unassigned"
            load[key] = load.get(key, 0) + 1
    if not load:
        return "Load: no open tasks"
    ordered = sorted(load.items(), key=lambda kv: (-kv[1], kv[0]))
    first, *rest = ordered
    return "Load: " + " · ".join([f"{first[0]} {first[1]} open", *[f"{k} {v}" for k, v in rest[:8]]])
