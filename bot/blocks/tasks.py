"""Task rows: the unit of work on every card, digest, DM and the App Home."""

from __future__ import annotations

from datetime import date, datetime

from bot.blocks.kit import Block, actions, button, context, option, overflow, section
from bot.ids import CARD_MARK, TASK_BLOCK_PREFIX, Action
from bot.text import clip, esc, mention, short_due, slack_time
from kam_core.enums import TaskStatus
from kam_core.format import pct
from kam_core.models import utcnow
from kam_core.views import TaskRow

MARK = {
    TaskStatus.NOT_STARTED: "☐",
    TaskStatus.IN_PROGRESS: "◐",
    TaskStatus.BLOCKED: "⛔",
    TaskStatus.COMPLETED: "☑",
    TaskStatus.SKIPPED: "⊘",
}


def rollup_change_text(moves: list[tuple[str, float, float]]) -> str:
    """`TAC-5 60% → 80% · OBJ-3 40% → 47% · AP-1 31% → 33%`"""
    return " · ".join(f"{ref} {pct(before)} → {pct(after)}" for ref, before, after in moves)


def _when(moment: datetime | None) -> str:
    if moment is None:
        return ""
    seconds = (utcnow() - moment).total_seconds()
    if seconds < 120:
        return "just now"
    return slack_time(moment, "{date_short_pretty}")


def task_text(row: TaskRow, today: date, *, show_tactic: bool = True) -> str:
    title = esc(clip(row.title, 200))
    if row.status is TaskStatus.COMPLETED:
        who = mention(row.completed_by.slack_user_id) if row.completed_by else "someone"
        return f"{MARK[row.status]} ~*{row.ref}* {title}~ — done by {who} {_when(row.completed_at)}".rstrip()
    if row.status is TaskStatus.SKIPPED:
        return f"{MARK[row.status]} ~*{row.ref}* {title}~ — skipped (left out of progress)"
    parts = [
        mention(row.assignee.slack_user_id) if row.assignee else "_unassigned_",
        short_due(row.due, today),
    ]
    if row.overdue(today):
        parts[1] = f"*{parts[1]}*"
    if row.status is TaskStatus.BLOCKED:
        parts.append("blocked" + (f": {esc(clip(row.blocked_reason, 120))}" if row.blocked_reason else ""))
    elif row.status is TaskStatus.IN_PROGRESS:
        parts.append("in progress")
    if row.stakeholder:
        parts.append(f"with {esc(row.stakeholder)}")
    if show_tactic:
        parts.append(f"{row.tactic_ref} {esc(clip(row.tactic_name, 60))}")
    return f"{MARK[row.status]} *{row.ref}* {title}\n" + " · ".join(parts)


def task_row(
    row: TaskRow,
    today: date,
    *,
    compact: bool = False,
    show_tactic: bool = True,
    change: list[tuple[str, float, float]] | None = None,
) -> list[Block]:
    """One task: its line, and its buttons (Done, Start, Assign to me, ⋯ Block / Skip / Reassign).
    `compact` keeps only a Done button (digests). `change` adds the rollup change after a click."""
    block_id = f"{TASK_BLOCK_PREFIX}{row.ref}"
    text = task_text(row, today, show_tactic=show_tactic)
    if not row.is_open:
        reopen = button("Reopen", Action.TASK_REOPEN, row.ref)
        blocks = [section(text, accessory=reopen, block_id=block_id)]
        if change:
            blocks.append(context(rollup_change_text(change), block_id=f"{block_id}:change"))
        return blocks
    done = button("Done", Action.TASK_DONE, row.ref, style="primary")
    if compact:
        blocks = [section(text, accessory=done, block_id=block_id)]
    else:
        elements = [done]
        if row.status is not TaskStatus.IN_PROGRESS:
            elements.append(
                button("Unblock" if row.status is TaskStatus.BLOCKED else "Start", Action.TASK_START, row.ref)
            )
        elements.append(button("Assign to me", Action.TASK_ASSIGN_ME, row.ref))
        menu = [
            option("Block…", f"block|{row.ref}"),
            option("Skip", f"skip|{row.ref}"),
            option("Reassign…", f"reassign|{row.ref}"),
        ]
        elements.append(overflow(Action.TASK_MENU, menu))
        blocks = [section(text, block_id=block_id), actions(*elements, block_id=f"{block_id}:a")]
    if change:
        blocks.append(context(rollup_change_text(change), block_id=f"{block_id}:change"))
    return blocks


def is_task_block(block: Block, ref: str) -> bool:
    block_id = str(block.get("block_id", "")).split(CARD_MARK, 1)[0]
    return block_id == f"{TASK_BLOCK_PREFIX}{ref}" or block_id.startswith(f"{TASK_BLOCK_PREFIX}{ref}:")


def replace_task_blocks(blocks: list[Block], ref: str, new: list[Block]) -> list[Block]:
    """Swap a task's row (all its blocks) inside an existing message for `new`, keeping the rest."""
    out: list[Block] = []
    placed = False
    for block in blocks:
        if is_task_block(block, ref):
            if not placed:
                out.extend(new)
                placed = True
            continue
        out.append(block)
    return out
