"""Digest messages (ux.md): the sprint digest and the objective rollup. A digest too big for one
message continues in thread replies; every message stays inside Slack's limits."""

from __future__ import annotations

from bot.blocks.common import Card, progress_line
from bot.blocks.kit import Block, context, divider, header, section
from bot.blocks.limits import LIMITS, all_text_chars
from bot.blocks.tasks import task_row
from bot.text import clip, esc, mention
from kam_core.digests.content import Digest, RollupDigest, SprintDigest
from kam_core.format import amount, bar, pct, plural, private_name, trend
from kam_core.rollup import Risk
from kam_core.views import TaskRow

SPARK = "▁▂▃▄▅▆▇█"
MAIN_BLOCKS = 40
THREAD_BLOCKS = 45
LIST_LIMIT = 6
ROWS_WITH_BUTTONS = 30  # per list; a long sprint continues in the thread, then points to the sprint card
SECTION_LINES = 12
SECTION_CHARS = LIMITS["section_text"]
MESSAGE_CHARS = LIMITS["message_chars"] - 200  # room for the "continued in the thread" note


def sparkline(values: list[float], top: float | None = None) -> str:
    if not values:
        return ""
    top = top if top is not None else max(values)
    if top <= 0:
        return SPARK[0] * len(values)
    return "".join(SPARK[min(7, max(0, round(v / top * 7)))] for v in values)


def _short(row: TaskRow) -> str:
    who = mention(row.assignee.slack_user_id) if row.assignee else "_unassigned_"
    return f"*{row.ref}* {esc(clip(row.title, 60))} {who}"


def _line_list(title: str, rows: list[TaskRow], limit: int = LIST_LIMIT) -> str:
    shown = " · ".join(_short(r) for r in rows[:limit])
    more = f" · +{len(rows) - limit} more" if len(rows) > limit else ""
    return f"*{title}* ({len(rows)})\n{shown}{more}" if rows else f"*{title}* (0)"


def sprint_blocks(digest: SprintDigest, sub_ref: str) -> list[Block]:
    """All blocks of a sprint digest, in order (split into messages by `messages`)."""
    title = digest.title + (f" — day {digest.day_of[0]} of {digest.day_of[1]}" if digest.day_of else "")
    blocks: list[Block] = [{**header(title), "block_id": f"digest:{sub_ref}"}]
    node = digest.node
    if node is not None:
        c = node.counts
        summary = (
            f"{progress_line(node, digest.change, projected=False, since=digest.since)} · "
            f"{c.done} of {plural(c.counted, 'task')} done · {c.blocked} blocked"
        )
        if digest.burndown:
            top = max([*digest.burndown, *digest.ideal] or [1])
            summary += (
                f"\nBurndown `{sparkline([float(v) for v in digest.burndown], top)}`"
                f"  (ideal `{sparkline(digest.ideal, top)}`)"
            )
        blocks.append(section(summary))
    else:
        open_count = sum(n for _, n in digest.load)
        blocks.append(
            section(f"{plural(open_count, 'open task')} · {len(digest.done_since)} done {digest.since}")
        )
    blocks.append(section(_line_list(f"Done {digest.since}", digest.done_since)))
    for title, rows in (("Due today", digest.due_today), ("Overdue", digest.overdue)):
        blocks.append(section(f"*{title}* ({len(rows)})"))
        for row in rows[:ROWS_WITH_BUTTONS]:
            blocks += task_row(row, digest.today, compact=True, show_tactic=False)
        if len(rows) > ROWS_WITH_BUTTONS:
            where = f"`/kam sprint show {digest.ref}`" if digest.ref else "`/kam my`"
            blocks.append(context(f"+{len(rows) - ROWS_WITH_BUTTONS} more {title.lower()} — {where}"))
    blocks += sections([_line_list("Blocked", digest.blocked), _line_list("Unassigned", digest.unassigned)])
    load = (
        " · ".join(f"{mention(uid) if uid else 'unassigned'} {n}" for uid, n in digest.load[:8])
        or "no open tasks"
    )
    tail = f" — `/kam sprint show {digest.ref}` · `/kam why {digest.ref}`" if digest.ref else ""
    blocks.append(context(f"Load: {load}{tail}"))
    if digest.private_left_out:
        blocks.append(context(f"{plural(digest.private_left_out, 'task')} of private plans left out."))
    return blocks


def rollup_blocks(digest: RollupDigest, sub_ref: str) -> list[Block]:
    blocks: list[Block] = [{**header(digest.title), "block_id": f"digest:{sub_ref}"}]
    lines: list[str] = []
    for row in digest.rows:
        node = row.node
        name = f"_{private_name(node.ref)}_" if row.hidden else esc(clip(node.name, 70))
        indent = "　" * row.depth + ("↳ " if row.depth else "")
        parts = [
            f"{indent}*{node.ref}* {name}",
            f"`{bar(node.percent)}` {pct(node.percent)} {trend(row.change)}",
        ]
        if node.measure and node.measure.target:
            m = node.measure
            attained = f" ({pct(m.attainment)})" if m.attainment is not None else ""
            parts.append(
                f"{amount(m.current, m.unit, m.currency)} of {amount(m.target, m.unit, m.currency)}{attained}"
            )
        if node.schedule and node.schedule.risk in (Risk.AT_RISK, Risk.OFF_TRACK):
            parts.append(f"*{node.schedule.risk.value}*")
        elif node.schedule and node.schedule.risk is Risk.ON_TRACK:
            parts.append("on track")
        lines.append(" · ".join(p.strip() for p in parts if p.strip()))
    blocks += sections(lines)
    if not lines:
        blocks.append(section("Nothing to roll up yet."))
    movers = [
        f"*{r.node.ref}* {'(private)' if r.hidden else esc(clip(r.node.name, 40))} {trend(r.change) or 'new'}"
        for r in digest.movers
    ]
    if movers:
        blocks.append(divider())
        blocks.append(section(f"*Biggest movers* {digest.since}: " + " · ".join(movers)))
    blocks.append(context("Figures as `/kam why <ref>` explains them."))
    return blocks


def sections(lines: list[str]) -> list[Block]:
    """Section blocks of whole lines (already escaped), up to SECTION_LINES each and always under Slack's
    3,000 characters, so that nothing is ever cut off."""
    out: list[Block] = []
    chunk: list[str] = []
    size = -1  # the length of "\n".join(chunk)
    for line in (clip(line, SECTION_CHARS) for line in lines):
        if chunk and (len(chunk) >= SECTION_LINES or size + 1 + len(line) > SECTION_CHARS):
            out.append(section("\n".join(chunk)))
            chunk, size = [], -1
        chunk.append(line)
        size += len(line) + 1
    if chunk:
        out.append(section("\n".join(chunk)))
    return out


def messages(digest: Digest, sub_ref: str) -> list[Card]:
    """The digest as messages: the first for the channel, the rest as thread replies. A message ends
    before it would pass the block count or Slack's text budget (msg_blocks_too_long)."""
    blocks = (
        sprint_blocks(digest, sub_ref) if isinstance(digest, SprintDigest) else rollup_blocks(digest, sub_ref)
    )
    text = esc(f"{digest.title} — daily digest" if isinstance(digest, SprintDigest) else digest.title)
    out: list[Card] = []
    current: list[Block] = []
    chars, limit = len(text), MAIN_BLOCKS
    for block in blocks:
        size = all_text_chars(block)
        full = len(current) >= limit or chars + size > MESSAGE_CHARS
        if current and full and not _keeps_with_previous(block, current):
            out.append(Card(text if not out else f"{text} (continued)", current))
            current, chars, limit = [], len(text) + len(" (continued)"), THREAD_BLOCKS
        current.append(block)
        chars += size
    if current:
        out.append(Card(text if not out else f"{text} (continued)", current))
    if len(out) > 1:
        out[0].blocks.append(context(f"Continued in the thread ({len(out) - 1} more message(s))."))
    return out


def _keeps_with_previous(block: Block, current: list[Block]) -> bool:
    """A task row's buttons stay with its line."""
    return block.get("type") == "actions" and bool(current) and block.get("block_id", "").endswith(":a")
