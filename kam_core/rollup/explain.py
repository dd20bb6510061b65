"""`why`: the formula behind a percentage, its inputs and the arithmetic, checkable by hand."""

from __future__ import annotations

from dataclasses import dataclass, field

from kam_core.format import amount, day, one_decimal, pct, plural, private_name
from kam_core.rollup.engine import Node, Rollup
from kam_core.rollup.risk import AT_RISK_POINTS, OFF_TRACK_POINTS, Risk

FORMULAS = {
    "tactic": "completed tasks ÷ counted tasks (skipped tasks are left out)",
    "objective": "weighted mean of its counted tactics: Σ(weight × %) ÷ Σ weight",
    "plan": "weighted mean of its counted objectives: Σ(weight × %) ÷ Σ weight",
    "sprint": "mean of its tactics' % (cancelled tactics are left out)",
    "goal": "mean of its child business objectives and contributing objectives",
}


@dataclass
class Term:
    ref: str
    name: str
    percent: float
    weight: float
    included: bool
    note: str = ""
    hidden: bool = False  # in a private plan the reader cannot see


@dataclass
class Explanation:
    node: Node
    formula: str
    terms: list[Term] = field(default_factory=list)
    arithmetic: str = ""
    schedule: str = ""
    counts: str = ""
    measure: str = ""
    override: str = ""  # e.g. "completed: counts as 100%"

    @property
    def headline(self) -> str:
        return f"{self.node.ref} {self.node.name} — {pct(self.node.percent)}"


def plan_of(rollup: Rollup, node: Node) -> str | None:
    """The plan an objective or a tactic belongs to (None for other kinds)."""
    if node.kind == "objective":
        return node.parent_ref
    if node.kind == "tactic" and node.parent_ref in rollup.nodes:
        return rollup[node.parent_ref].parent_ref
    return None


def explain(rollup: Rollup, ref: str, hidden_plans: set[str] | None = None) -> Explanation:
    node = rollup[ref]
    hidden_plans = hidden_plans or set()
    ex = Explanation(node, FORMULAS[node.kind])
    kids = rollup.children(node)
    if node.kind == "tactic":
        c = node.counts
        ex.arithmetic = f"{c.done} completed ÷ {c.counted} counted = {pct(node.percent)}"
        if c.skipped:
            ex.arithmetic += f" ({plural(c.skipped, 'skipped task')} left out)"
        if not c.counted:
            ex.arithmetic = "no counted tasks yet = 0%"
    else:
        for kid in kids:
            hidden = plan_of(rollup, kid) in hidden_plans
            note = "" if kid.included else f"{kid.excluded_reason} — left out"
            ex.terms.append(Term(kid.ref, kid.name, kid.percent, kid.weight, kid.included, note, hidden))
        ex.arithmetic = _arithmetic(node, ex.terms)
    if node.status == "completed" and node.kind != "sprint":
        ex.override = "completed: counts as 100% whatever its children say"
        ex.arithmetic = f"{ex.arithmetic} → completed = 100%" if ex.arithmetic else "completed = 100%"
    ex.counts = _counts(node)
    ex.schedule = schedule_text(node)
    ex.measure = measure_text(node)
    return ex


def _arithmetic(node: Node, terms: list[Term]) -> str:
    counted = [t for t in terms if t.included]
    if not counted:
        return "nothing counted yet = 0%"
    weighted = node.kind in ("objective", "plan")
    if weighted:
        top = " + ".join(f"{one_decimal(t.percent)} × {one_decimal(t.weight)}" for t in counted)
        bottom = " + ".join(one_decimal(t.weight) for t in counted)
        total_w = sum(t.weight for t in counted)
        value = sum(t.percent * t.weight for t in counted) / total_w
        return f"({top}) ÷ ({bottom}) = {one_decimal(value)}% → {pct(value)}"
    top = " + ".join(one_decimal(t.percent) for t in counted)
    value = sum(t.percent for t in counted) / len(counted)
    return f"({top}) ÷ {len(counted)} = {one_decimal(value)}% → {pct(value)}"


def _counts(node: Node) -> str:
    c = node.counts
    parts = [f"{c.done} of {plural(c.counted, 'task')} done"]
    if c.overdue:
        parts.append(f"{c.overdue} overdue")
    if c.blocked:
        parts.append(f"{c.blocked} blocked")
    if c.skipped:
        parts.append(f"{c.skipped} skipped")
    return " · ".join(parts)


def schedule_text(node: Node) -> str:
    s = node.schedule
    if s is None or s.risk is Risk.NO_DATES:
        return "no period set, so no schedule risk"
    if s.risk is Risk.DONE:
        return "completed"
    if s.risk is Risk.NOT_STARTED:
        return f"the period starts {day(s.start)}: nothing is expected yet"
    behind = s.behind or 0.0
    where = (
        f"{one_decimal(behind)} points behind"
        if behind > 0
        else f"{one_decimal(-behind)} points ahead"
        if behind < 0
        else "exactly on schedule"
    )
    rule = f"more than {int(OFF_TRACK_POINTS)} behind = off track, more than {int(AT_RISK_POINTS)} = at risk"
    text = (
        f"expected {pct(s.expected or 0)} (day {s.elapsed_days} of {s.total_days}), "
        f"actual {pct(node.percent)}: {where} → {s.risk.value} ({rule})"
    )
    if s.projected_finish:
        text += f"; at this pace it finishes {day(s.projected_finish)}"
    elif node.percent == 0:
        text += "; no progress yet, so no projected finish"
    return text


def measure_text(node: Node, *, label: bool = True) -> str:
    """ "3 of 5 hospitals listed (60%)". Without `label` for a node shown anonymously (in a private plan
    the reader may not see): a measure's label is as telling as a name; its figures stay."""
    m = node.measure
    if m is None:
        return ""
    current = amount(m.current, m.unit, m.currency)
    target = amount(m.target, m.unit, m.currency)
    named = f" {m.label}" if m.label and label else ""
    text = f"{current} of {target}{named}"
    if m.attainment is not None:
        text += f" ({pct(m.attainment)})"
    if m.rolled_from:
        how = "mean" if m.unit.value == "percent" else "sum"
        text += f" — {how} of {', '.join(m.rolled_from)}"
    if m.not_comparable:
        text += f"; left out, measured in another unit or currency: {', '.join(m.not_comparable)}"
    return text


def explanation_text(ex: Explanation) -> str:
    """Plain text for the CLI (`kam why`)."""
    lines = [ex.headline, f"Formula: {ex.formula}"]
    for t in ex.terms:
        name = f"({private_name(t.ref)})" if t.hidden else t.name
        weight = f" × weight {one_decimal(t.weight)}" if ex.node.kind in ("objective", "plan") else ""
        tail = f"  [{t.note}]" if t.note else ""
        lines.append(f"  {t.ref:<8} {name[:48]:<48} {pct(t.percent):>5}{weight}{tail}")
    lines.append(f"= {ex.arithmetic}")
    lines.append(f"Tasks: {ex.counts}")
    lines.append(f"Schedule: {ex.schedule}")
    if ex.measure:
        lines.append(f"Measure: {ex.measure}")
    return "\n".join(lines)
