"""Pieces shared by the cards: progress lines, risk badges, card markers, paging."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.blocks.kit import SECTION_TEXT, Block, actions, button, context, section
from bot.ids import CARD_MARK, CARD_PREFIX, TASK_BLOCK_PREFIX, Action
from bot.text import clip, esc
from kam_core.format import bar, day, pct, trend
from kam_core.rollup import Node, Risk

LIST_CHARS = 7000  # text a list may take in one message (Slack refuses ~12,000 in all)


@dataclass
class Card:
    """A message: fallback text (escaped) and blocks."""

    text: str
    blocks: list[Block] = field(default_factory=list)

    def payload(self, **extra: Any) -> dict[str, Any]:
        return {"text": self.text, "blocks": self.blocks, **extra}


def card_id(kind: str, ref: str = "", page: int = 1) -> str:
    return f"{CARD_PREFIX}{kind}:{ref}:{page}"


def parse_card_id(block_id: str) -> tuple[str, str, int] | None:
    if not block_id.startswith(CARD_PREFIX):
        return None
    parts = block_id[len(CARD_PREFIX) :].split(":")
    if len(parts) != 3:
        return None
    try:
        return parts[0], parts[1], int(parts[2])
    except ValueError:
        return None


def stamp(blocks: list[Block], kind: str, ref: str = "", page: int = 1) -> list[Block]:
    """Mark the task rows with the card they are on ("task:TSK-9:a@tactic:TAC-3:1"). Slack sends no
    message with a click on an ephemeral card, so the clicked block_id is how the card is found again."""
    mark = f"{CARD_MARK}{kind}:{ref}:{page}"
    return [
        {**b, "block_id": b["block_id"] + mark}
        if str(b.get("block_id", "")).startswith(TASK_BLOCK_PREFIX) and CARD_MARK not in b["block_id"]
        else b
        for b in blocks
    ]


def card_of_block(block_id: str) -> tuple[str, str, int] | None:
    """The card a clicked task row is on, from its stamped block_id."""
    _, mark, card = block_id.partition(CARD_MARK)
    return parse_card_id(CARD_PREFIX + card) if mark else None


def find_card(blocks: list[Block]) -> tuple[str, str, int] | None:
    for block in blocks:
        found = parse_card_id(block.get("block_id", ""))
        if found:
            return found
    return None


def risk_badge(node: Node) -> str:
    s = node.schedule
    if s is None:
        return ""
    if s.risk in (Risk.ON_TRACK, Risk.AT_RISK, Risk.OFF_TRACK):
        badge = f"*{s.risk.value}*" if s.risk is not Risk.ON_TRACK else s.risk.value
        return f"{badge} (expected {pct(s.expected or 0)})"
    if s.risk is Risk.DONE:
        return "done"
    if s.risk is Risk.NOT_STARTED:
        return "not started yet"
    return ""


def progress_line(node: Node, delta: float | None = None, *, projected: bool = True, since: str = "") -> str:
    parts = [f"`{bar(node.percent)}` *{pct(node.percent)}*"]
    if delta is not None:
        parts[0] += f" {trend(delta)}{(' ' + since) if since else ''}"
    badge = risk_badge(node)
    if badge:
        parts.append(badge)
    if projected and node.schedule and node.schedule.projected_finish and node.schedule.risk is not Risk.DONE:
        parts.append(f"projected finish {day(node.schedule.projected_finish)}")
    if not node.included:
        parts.append(f"left out of its parent ({node.excluded_reason})")
    return " · ".join(parts)


def node_title(node: Node, limit: int = 120) -> str:
    name = node.name if len(node.name) <= limit else node.name[: limit - 1] + "…"
    return f"*{node.ref}* {esc(name)}"


def more_pointer(hidden: int, hint: str) -> Block:
    return context(f"+{hidden} more — {hint}" if hint else f"+{hidden} more")


def line_sections(
    lines: list[str], *, per_section: int = 20, more: str = "", budget: int = LIST_CHARS
) -> list[Block]:
    """Lines in sections (at most `per_section` lines and 3000 characters each) while they fit the
    message's text budget; whatever does not fit is counted in a "+N more" pointer."""
    blocks: list[Block] = []
    current: list[str] = []
    size = used = 0
    for index, raw in enumerate(lines):
        line = clip(raw, SECTION_TEXT)
        if used + len(line) > budget:
            if current:
                blocks.append(section("\n".join(current)))
            return [*blocks, more_pointer(len(lines) - index, more)]
        if current and (len(current) >= per_section or size + len(line) + 1 > SECTION_TEXT):
            blocks.append(section("\n".join(current)))
            current, size = [], 0
        current.append(line)
        size += len(line) + 1
        used += len(line) + 1
    if current:
        blocks.append(section("\n".join(current)))
    return blocks


def pager(card: str, ref: str, page: int, pages: int) -> list[Block]:
    if pages <= 1:
        return []
    elements = []
    if page > 1:
        elements.append(button("‹ Previous", Action.PAGE, f"{card}|{ref}|{page - 1}"))
    if page < pages:
        elements.append(button("Next ›", Action.PAGE, f"{card}|{ref}|{page + 1}"))
    return [context(f"Page {page} of {pages}"), actions(*elements, block_id=f"pager:{card}:{page}")]
