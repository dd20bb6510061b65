"""CSV exports of a plan, a sprint or a business objective (`kam export REF`, `/kam export REF`).

The rows come from the read models the cards and `why` use (`kam_core.views.view_for`), so every
figure in a file is the figure a card or `why` shows for the same day.

- A plan (AP/TP): one row per task, with its plan, objective and tactic (ref, name, %, status,
  weight), assignee, due date, completion time and stakeholder; an objective without tactics and a
  tactic without tasks get a row of their own (the task columns left empty).
- A sprint (SPR): one row per task of its tactics, with the tactic, objective and plan, and the
  sprint's %; a tactic without tasks gets a row of its own.
- A business objective (BO): one row per node of its tree, the root first, depth first: business
  objectives and the objectives that contribute to them, with level, %, measure current / target /
  attainment and schedule risk.

Choices, so that a file reads the same everywhere:
- Percentages are the rollup's exact values with one decimal, rounded half up (42.25 -> "42.3"),
  the precision `why` shows in its arithmetic; the cards round the same values to whole percents
  (`kam_core.format.pct`). Round again from the exact value, never from a rounded cell.
- Numbers use a dot for decimals and no thousands separator; measures keep at most 2 decimals.
  Dates are ISO (YYYY-MM-DD); "Completed at (UTC)" is "YYYY-MM-DD HH:MM:SS" in UTC.
- Permissions: `view_for` refuses a private plan to anyone but its owner, participants and admins.
  In a sprint, the tactics and tasks of private plans the reader cannot see are left out (the
  sprint % still counts them, as on the sprint card). In a business objective, an objective of such
  a plan keeps its ref and figures, but its name reads "(an objective in a private plan)", and its
  plan and its measure label are left empty, as in `why` and on the cards.
- Formula injection ("CSV injection"): a text cell starting with =, +, -, @, a tab or a carriage
  return gets a leading apostrophe, so that a spreadsheet shows it as text instead of running it.
  A cell that is a plain number (-5, 42.5) is left alone.
- CSV as RFC 4180 (the csv module: quotes where needed, CRLF line ends), encoded UTF-8 with a byte
  order mark so that Excel opens umlauts right.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from kam_core.actor import Actor
from kam_core.errors import InvalidInput
from kam_core.format import private_name
from kam_core.refs import normalize_ref, parse_ref
from kam_core.rollup import Node, Risk, today_utc
from kam_core.views import TaskRow, TreeView, hidden_plan_refs, view_for

BOM = "\ufeff"
EXPORTABLE = ("AP", "TP", "SPR", "BO")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
PLAIN_NUMBER = re.compile(r"-?\d+(\.\d+)?")
LATIN = str.maketrans(
    {"ß": "ss", "æ": "ae", "Æ": "AE", "ø": "o", "Ø": "O", "œ": "oe", "Œ": "OE", "ł": "l", "Ł": "L"}
)
Cell = str | int | float | Decimal | date | None

TASK_COLUMNS = [
    "Task",
    "Task title",
    "Task status",
    "Assignee",
    "Due date",
    "Completed at (UTC)",
    "Stakeholder",
]
PLAN_COLUMNS = [
    "Plan",
    "Plan name",
    "Plan %",
    "Objective",
    "Objective name",
    "Objective %",
    "Objective status",
    "Objective weight",
    "Tactic",
    "Tactic name",
    "Tactic %",
    "Tactic status",
    "Tactic weight",
    *TASK_COLUMNS,
]
SPRINT_COLUMNS = [
    "Sprint",
    "Sprint name",
    "Sprint %",
    "Plan",
    "Plan name",
    "Objective",
    "Objective name",
    "Tactic",
    "Tactic name",
    "Tactic %",
    "Tactic status",
    *TASK_COLUMNS,
]
GOAL_COLUMNS = [
    "Ref",
    "Name",
    "Level",
    "Depth",
    "Parent",
    "Plan",
    "Status",
    "%",
    "Left out",
    "Tasks done",
    "Tasks counted",
    "Measure current",
    "Measure target",
    "Unit",
    "Currency",
    "Measure label",
    "Attainment %",
    "Expected %",
    "Risk",
    "Projected finish",
]


@dataclass
class Export:
    """A table ready to be written: `rows` hold finished cells (formatted and guarded)."""

    ref: str
    name: str
    today: date
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)

    def add(self, values: list[Cell]) -> None:
        self.rows.append([cell(v) for v in values])

    @property
    def filename(self) -> str:
        """`AP-1-charite-oncology-2027-2026-12-04.csv`"""
        stem = "-".join(part for part in (self.ref, slug(self.name), self.today.isoformat()) if part)
        return f"{stem}.csv"

    @property
    def title(self) -> str:
        return f"{self.ref} · {self.name}"

    def csv_text(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return BOM + out.getvalue()


def export_csv(session: Session, actor: Actor, ref: str, today: date | None = None) -> tuple[str, str]:
    """(file name, CSV text) of a plan, sprint or business objective, as the actor may see it."""
    table = build_export(session, actor, ref, today)
    return table.filename, table.csv_text()


def build_export(session: Session, actor: Actor, ref: str, today: date | None = None) -> Export:
    prefix, _ = parse_ref(ref)
    if prefix not in EXPORTABLE:
        raise InvalidInput.one(
            "ref",
            f"{normalize_ref(ref)} cannot be exported: export a plan (AP-…, TP-…), a sprint (SPR-…) "
            "or a business objective (BO-…)",
        )
    view = view_for(session, actor, ref, today or today_utc())
    hidden = hidden_plan_refs(session, actor, view.rollup)
    if prefix == "SPR":
        return _sprint(view, hidden)
    if prefix == "BO":
        return _goal(view, hidden)
    return _plan(view)


# ---------------------------------------------------------------- the three shapes


def _plan(view: TreeView) -> Export:
    plan = view.root
    table = Export(plan.ref, plan.name, view.today, PLAN_COLUMNS)
    head: list[Cell] = [plan.ref, plan.name, percent(plan.percent)]
    for objective in view.children(plan):
        objective_cells = [
            objective.ref,
            objective.name,
            percent(objective.percent),
            status(objective),
            weight(objective),
        ]
        tactics = view.children(objective)
        if not tactics:
            table.add([*head, *objective_cells, *[None] * 5, *_task(None)])
        for tactic in tactics:
            tactic_cells = [tactic.ref, tactic.name, percent(tactic.percent), status(tactic), weight(tactic)]
            for row in _tasks_of(view, tactic):
                table.add([*head, *objective_cells, *tactic_cells, *_task(row)])
    return table


def _sprint(view: TreeView, hidden: set[str]) -> Export:
    sprint = view.root
    table = Export(sprint.ref, sprint.name, view.today, SPRINT_COLUMNS)
    head: list[Cell] = [sprint.ref, sprint.name, percent(sprint.percent)]
    for tactic in view.children(sprint):
        objective = view.rollup.get(tactic.parent_ref or "")
        plan = view.rollup.get(objective.parent_ref or "") if objective else None
        if objective is None or plan is None or plan.ref in hidden:
            continue  # a private plan the reader cannot see
        where = [plan.ref, plan.name, objective.ref, objective.name]
        tactic_cells = [tactic.ref, tactic.name, percent(tactic.percent), status(tactic)]
        for row in _tasks_of(view, tactic):
            table.add([*head, *where, *tactic_cells, *_task(row)])
    return table


def _goal(view: TreeView, hidden: set[str]) -> Export:
    root = view.root
    table = Export(root.ref, root.name, view.today, GOAL_COLUMNS)
    for node, depth in _tree(view, root, 0):
        secret = node.kind == "objective" and node.parent_ref in hidden
        name = f"({private_name(node.ref)})" if secret else node.name
        plan = None if secret or node.kind != "objective" else node.parent_ref
        parent = _goal_parent(view, node) if node is not root else None
        level = str(node.extra.get("level", "")).capitalize() if node.kind == "goal" else "Objective"
        table.add(
            [
                node.ref,
                name,
                level,
                depth,
                parent,
                plan,
                status(node),
                percent(node.percent),
                node.excluded_reason if not node.included else None,
                node.counts.done,
                node.counts.counted,
                *_measure(node, label=not secret),
                *_schedule(node),
            ]
        )
    return table


# ---------------------------------------------------------------- pieces


def _tasks_of(view: TreeView, tactic: Node) -> list[TaskRow | None]:
    """The tactic's task rows, or one empty row so that a tactic without tasks is listed too."""
    rows: list[TaskRow | None] = list(view.tasks.get(tactic.ref, []))
    return rows or [None]


def _task(row: TaskRow | None) -> list[Cell]:
    if row is None:
        return [None] * len(TASK_COLUMNS)
    return [
        row.ref,
        row.title,
        row.status.label,
        row.assignee.display if row.assignee else None,
        row.due,
        timestamp(row.completed_at),
        row.stakeholder,
    ]


def _tree(view: TreeView, node: Node, depth: int) -> Iterator[tuple[Node, int]]:
    yield node, depth
    if node.kind == "goal":
        for kid in view.children(node):
            yield from _tree(view, kid, depth + 1)


def _goal_parent(view: TreeView, node: Node) -> str | None:
    """An objective's parent in the goal tree is the business objective it contributes to."""
    if node.kind == "goal":
        return node.parent_ref
    goal_id = node.extra.get("contributes_to_id")
    return next((g.ref for g in view.rollup.of_kind("goal") if g.id == goal_id), None)


def _measure(node: Node, label: bool = True) -> list[Cell]:
    m = node.measure
    if m is None:
        return [None] * 6
    attainment = m.attainment
    return [
        number(m.current),
        number(m.target),
        m.unit.value,
        m.currency,
        m.label if label else None,
        percent(attainment) if attainment is not None else None,
    ]


def _schedule(node: Node) -> list[Cell]:
    s = node.schedule
    if s is None:
        return [None] * 3
    expected = percent(s.expected) if s.expected is not None and s.risk is not Risk.NO_DATES else None
    return [expected, s.risk.value, s.projected_finish]


# ---------------------------------------------------------------- cells


def percent(value: float) -> str:
    """42.25 -> "42.3": one decimal, half up (see the module docstring)."""
    return f"{math.floor(value * 10 + 0.5) / 10:.1f}"


def weight(node: Node) -> str:
    return f"{node.weight:g}"


def status(node: Node) -> str:
    return node.status.replace("_", " ").capitalize()


def number(value: Decimal | None) -> str | None:
    """A measure value with at most 2 decimals and no exponent: 3100000, 33.33."""
    if value is None:
        return None
    rounded = Decimal(value).quantize(Decimal("0.01"))
    text = f"{rounded:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def timestamp(value: datetime | None) -> str | None:
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if value else None


def cell(value: Cell) -> str:
    """One finished cell: formatted, and guarded against formula injection."""
    if value is None:
        return ""
    text = value.isoformat() if isinstance(value, date) else str(value)
    if text.startswith(FORMULA_START) and not PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


def slug(text: str, limit: int = 48) -> str:
    """ "Charité Oncology 2027" -> "charite-oncology-2027" (ASCII, for a file name)."""
    plain = unicodedata.normalize("NFKD", text.translate(LATIN)).encode("ascii", "ignore").decode()
    words = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")
    return words[:limit].rstrip("-")
