"""List answers: my tasks, search results, plans, goals, stakeholders, digest subscriptions, help."""

from __future__ import annotations

from datetime import date, timedelta

from bot.blocks.common import Card, card_id, line_sections, pager, progress_line, stamp
from bot.blocks.kit import MESSAGE_BLOCKS, SECTION_TEXT, Block, actions, button, context, header, section
from bot.blocks.tasks import task_row
from bot.commands import help_lines
from bot.ids import Action, View
from bot.text import clip, esc, mention
from kam_core.format import bar, pct, plural
from kam_core.models import DigestSubscription, Plan, Stakeholder
from kam_core.rollup import Rollup
from kam_core.services.search import Hit
from kam_core.services.subscriptions import weekdays_text
from kam_core.views import TaskRow

MY_PER_PAGE = 10
LINES_PER_SECTION = 20


def _chunks(lines: list[str], size: int = LINES_PER_SECTION, more: str = "") -> list[Block]:
    return line_sections(lines, per_section=size, more=more)


def my_card(
    rows: list[TaskRow],
    today: date,
    page: int = 1,
    flash: dict[str, list[tuple[str, float, float]]] | None = None,
) -> Card:
    overdue = sum(1 for r in rows if r.overdue(today))
    week = sum(1 for r in rows if r.due and today <= r.due <= today + timedelta(days=7))
    pages = max(1, -(-len(rows) // MY_PER_PAGE))
    page = min(max(page, 1), pages)
    blocks: list[Block] = [
        {**header("Your open tasks"), "block_id": card_id("my", "", page)},
        section(
            f"*{plural(len(rows), 'open task')}* — {overdue} overdue · {week} due this week"
            if rows
            else "Nothing open. Enjoy the calm — or `/kam plan list mine` to plan ahead."
        ),
    ]
    for row in rows[(page - 1) * MY_PER_PAGE : page * MY_PER_PAGE]:
        blocks += task_row(row, today, change=(flash or {}).get(row.ref))
    blocks += pager("my", "", page, pages)
    return Card(
        f"You have {plural(len(rows), 'open task')}, {overdue} overdue",
        stamp(blocks[:MESSAGE_BLOCKS], "my", "", page),
    )


def find_card(query: str, hits: list[Hit]) -> Card:
    lines = [f"*{h.ref}* {esc(clip(h.title, 80))} — {h.kind} · {esc(h.context)} · {h.status}" for h in hits]
    blocks: list[Block] = [{**header(f"Results for “{clip(query, 100)}”"), "block_id": card_id("find")}]
    blocks += (
        _chunks(lines, more="add a word to narrow the search")
        if lines
        else [section("No matches. Try a shorter word, or a reference like AP-1.")]
    )
    blocks.append(context(f"{plural(len(hits), 'match', 'matches')} · open one with `/kam show <ref>`"))
    return Card(f"{len(hits)} results for {esc(clip(query, 100))}", blocks[:MESSAGE_BLOCKS])


def plans_card(plans: list[Plan], rollup: Rollup, scope: str) -> Card:
    lines = []
    for plan in plans:
        node = rollup.get(plan.ref)
        figures = f"`{bar(node.percent)}` {pct(node.percent)}" if node else ""
        private = " 🔒" if plan.is_private else ""
        lines.append(
            f"*{plan.ref}* {esc(clip(plan.name, 80))}{private} — {figures} · "
            f"{mention(plan.owner.slack_user_id)}"
        )
    title = "Your plans" if scope == "mine" else "Plans"
    blocks: list[Block] = [{**header(title), "block_id": card_id("plans", scope)}]
    more = "`/kam plan list mine` shows only yours" if scope != "mine" else "open one with `/kam AP-…`"
    blocks += (
        _chunks(lines, more=more) if lines else [section("No plans yet. Create one with `/kam plan new`.")]
    )
    blocks.append(
        actions(
            button("New account plan", Action.OPEN_MODAL, f"{View.PLAN_NEW}|"),
            button("New territory plan", Action.OPEN_MODAL, f"{View.TPLAN_NEW}|"),
        )
    )
    return Card(f"{len(plans)} plans", blocks[:MESSAGE_BLOCKS])


def goals_card(rollup: Rollup) -> Card:
    goals = sorted(rollup.of_kind("goal"), key=lambda n: n.id)
    by_parent: dict[str | None, list[str]] = {}
    for goal in goals:
        by_parent.setdefault(goal.parent_ref, []).append(goal.ref)
    lines: list[str] = []

    def walk(ref: str, depth: int) -> None:
        node = rollup[ref]
        indent = "　" * depth + ("↳ " if depth else "")
        lines.append(
            f"{indent}*{node.ref}* {esc(clip(node.name, 70))} ({node.extra.get('level')}) — "
            f"{progress_line(node, projected=False)}"
        )
        for child in by_parent.get(ref, []):
            walk(child, depth + 1)

    for root in by_parent.get(None, []):
        walk(root, 0)
    blocks: list[Block] = [{**header("Business objectives"), "block_id": card_id("goals")}]
    more = "open one with `/kam goal show BO-…`"
    blocks += _chunks(lines, 10, more) if lines else [section("No business objectives yet: `/kam goal new`.")]
    return Card(f"{len(goals)} business objectives", blocks[:MESSAGE_BLOCKS])


def stakeholders_card(plan: Plan, stakeholders: list[Stakeholder]) -> Card:
    lines = []
    for s in stakeholders:
        who = mention(s.covering_member.slack_user_id) if s.covering_member else "_nobody_"
        lines.append(
            f"*{s.ref}* {esc(s.contact.name)} — {esc(s.role or s.contact.title or '')} · influence "
            f"*{s.influence.value}* · relationship {s.strength.value} · covered by {who}"
        )
    blocks: list[Block] = [
        {**header(f"Stakeholders of {plan.ref}"), "block_id": card_id("stakeholders", plan.ref)}
    ]
    blocks += (
        _chunks(lines, more="the plan's export has them all") if lines else [section("No stakeholders yet.")]
    )
    blocks.append(actions(button("Add stakeholder", Action.OPEN_MODAL, f"{View.STAKEHOLDER_NEW}|{plan.ref}")))
    return Card(f"{len(stakeholders)} stakeholders of {plan.ref}", blocks[:MESSAGE_BLOCKS])


def subscriptions_card(subs: list[DigestSubscription], scope_names: dict[int, str], channel_id: str) -> Card:
    lines = []
    for sub in subs:
        state = "active" if sub.active else f"paused: {esc(sub.paused_reason or '')}"
        lines.append(
            f"*{sub.ref}* {sub.kind.label} digest of {esc(scope_names.get(sub.id, ''))} "
            f"in <#{sub.channel_id}>"
            f" — {sub.local_time} {sub.timezone}, {weekdays_text(sub.weekdays)} · {state}"
        )
    blocks: list[Block] = [{**header("Digest subscriptions"), "block_id": card_id("digests", channel_id)}]
    blocks += _chunks(lines) if lines else [section("No digests in this channel yet.")]
    blocks.append(actions(button("Subscribe this channel", Action.OPEN_MODAL, f"{View.DIGEST_NEW}|")))
    return Card(f"{len(subs)} digest subscriptions", blocks[:MESSAGE_BLOCKS])


def help_card() -> Card:
    blocks: list[Block] = [
        {**header("KAM bot"), "block_id": card_id("help")},
        section("*KAM bot* — key account plans, objectives, tactics, tasks and sprints, right here."),
    ]
    for title, specs in help_lines():
        lines = [f"`{s.usage}` — {s.summary}" for s in specs]
        blocks.append(section(f"*{title}*\n" + "\n".join(lines)))
    blocks.append(
        context(
            "Try: `/kam my` — your open tasks, overdue first · references like `AP-12` work "
            "in any case · `/kam AP-12` opens a plan"
        )
    )
    return Card(
        "KAM bot commands: /kam plan, goal, objective, tactic, task, my, sprint, why, find, export", blocks
    )


def usage_card(problem: str, usages: list[tuple[str, str]]) -> Card:
    lines = [f"`{usage}` — {summary}" for usage, summary in usages]
    text = clip((problem + "\n" if problem else "") + "\n".join(lines), SECTION_TEXT)
    return Card(text, [section(text), context("`/kam help` lists every command.")])


def message_card(text: str) -> Card:
    text = clip(text, SECTION_TEXT)
    return Card(text, [section(text)])
