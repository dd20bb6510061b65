"""Pieces shared by the cards: progress lines, risk badges, card markers, paging."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from bot.blocks.kit import Block, actions, button, context
from bot.ids import CARD_PREFIX, Action
from bot.text import esc, slack_date
from kam_core.format import bar, pct, trend
from kam_core.rollup import Node, Risk


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
        parts.append(f"projected finish {slack_date(node.schedule.projected_finish)}")
    if not node.included:
        parts.append(f"left out of its parent ({node.excluded_reason})")
    return " · ".join(parts)


def node_title(node: Node, limit: int = 120) -> str:
    name = node.name if len(node.name) <= limit else node.name[: limit - 1] + "…"
    return f"*{node.ref}* {esc(name)}"


def more_pointer(hidden: int, hint: str) -> Block:
    return context(f"+{hidden} more — {hint}")


def pager(card: str, ref: str, page: int, pages: int) -> list[Block]:
    if pages <= 1:
        return []
    elements = []
    if page > 1:
        elements.append(button("‹ Previous", Action.PAGE, f"{card}|{ref}|{page - 1}"))
    if page < pages:
        elements.append(button("Next ›", Action.PAGE, f"{card}|{ref}|{page + 1}"))
    return [context(f"Page {page} of {pages}"), actions(*elements, block_id=f"pager:{card}:{page}")]
