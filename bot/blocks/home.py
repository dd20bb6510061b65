"""The App Home: my open tasks (overdue first), my plans with progress, active sprints."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from bot.blocks.common import progress_line
from bot.blocks.kit import Block, actions, button, context, divider, header, section
from bot.blocks.tasks import task_row
from bot.ids import Action, View
from bot.text import clip, esc
from kam_core.format import bar, pct, plural
from kam_core.models import Plan
from kam_core.rollup import Rollup
from kam_core.views import TaskRow

HOME_TASKS = 12
HOME_PLANS = 15


def greeting(name: str, local: datetime) -> str:
    part = "morning" if local.hour < 12 else "afternoon" if local.hour < 18 else "evening"
    first = name.split()[0] if name else "there"
    return f"Good {part}, {first}"


def home_view(
    *,
    name: str,
    local_now: datetime,
    today: date,
    tasks: list[TaskRow],
    plans: list[Plan],
    plan_rollup: Rollup,
    sprint_rollup: Rollup | None,
    flash: dict[str, list[tuple[str, float, float]]] | None = None,
) -> dict[str, object]:
    overdue = sum(1 for t in tasks if t.overdue(today))
    week = sum(1 for t in tasks if t.due and today <= t.due <= today + timedelta(days=7))
    blocks: list[Block] = [
        header(greeting(name, local_now)),
        section(
            f"*Your tasks* — {overdue} overdue · {week} due this week",
            accessory=button("New task", Action.OPEN_MODAL, f"{View.TASK_NEW}|", style="primary"),
        ),
    ]
    for row in tasks[:HOME_TASKS]:
        blocks += task_row(row, today, compact=True, change=(flash or {}).get(row.ref))
    if len(tasks) > HOME_TASKS:
        blocks.append(context(f"+{len(tasks) - HOME_TASKS} more — `/kam my` lists them all"))
    if not tasks:
        blocks.append(context("No open tasks. :tada:"))
    blocks.append(divider())
    lines = []
    for plan in plans[:HOME_PLANS]:
        node = plan_rollup.get(plan.ref)
        if node is None:
            continue
        risk = node.schedule.risk.value if node.schedule else ""
        lines.append(
            f"*{plan.ref}* {esc(clip(plan.name, 60))} `{bar(node.percent)}` {pct(node.percent)} {risk}"
        )
    blocks.append(section("*Your plans*\n" + ("\n".join(lines) if lines else "_None yet — `/kam plan new`_")))
    if len(plans) > HOME_PLANS:
        blocks.append(context(f"+{len(plans) - HOME_PLANS} more — `/kam plan list mine`"))
    sprints = [n for n in sprint_rollup.of_kind("sprint") if n.status == "active"] if sprint_rollup else []
    if sprints:
        blocks.append(divider())
        for sprint in sprints[:5]:
            day = (today - sprint.start).days + 1 if sprint.start else 0
            total = (sprint.end - sprint.start).days + 1 if sprint.start and sprint.end else 0
            blocks.append(
                section(
                    f"*Active sprint* *{sprint.ref}* {esc(clip(sprint.name, 80))} — day {day} of "
                    f"{total}\n{progress_line(sprint, projected=False)} · "
                    f"{plural(sprint.counts.open, 'open task')}",
                    accessory=button("Open", Action.SHOW, sprint.ref),
                )
            )
    blocks.append(
        actions(
            button("New account plan", Action.OPEN_MODAL, f"{View.PLAN_NEW}|"),
            button("New sprint", Action.OPEN_MODAL, f"{View.SPRINT_NEW}|"),
        )
    )
    return {"type": "home", "blocks": blocks[:100]}
