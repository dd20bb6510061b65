"""Slack's Block Kit limits as a checker: returns every violation found in a message, modal or Home view.
Tests run every builder through it; the builders stay inside by construction (clipping, paging, "+N more",
digests continuing in their thread)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from bot.blocks.kit import Block

LIMITS = {
    "message_blocks": 50,
    "view_blocks": 100,
    "section_text": 3000,
    "section_fields": 10,
    "field_text": 2000,
    "header_text": 150,
    "view_title": 24,
    "button_text": 75,
    "button_value": 2000,
    "url": 3000,
    "select_options": 100,
    "option_text": 75,
    "option_value": 150,
    "overflow_min": 1,
    "overflow_max": 5,
    "actions_elements": 25,
    "context_elements": 10,
    "id": 255,
    "label": 2000,
    "placeholder": 150,
    "private_metadata": 3000,
    "message_chars": 12000,
    "view_bytes": 250_000,
}


def _text(obj: Any) -> str:
    return obj.get("text", "") if isinstance(obj, dict) else ""


def _element(el: Block, where: str) -> Iterator[str]:
    kind = el.get("type")
    for key in ("action_id", "block_id"):
        if len(el.get(key, "")) > LIMITS["id"]:
            yield f"{where}: {key} over {LIMITS['id']} chars"
    if kind == "button":
        if len(_text(el.get("text"))) > LIMITS["button_text"]:
            yield f"{where}: button text over {LIMITS['button_text']}"
        if len(el.get("value", "")) > LIMITS["button_value"]:
            yield f"{where}: button value over {LIMITS['button_value']}"
        if len(el.get("url", "")) > LIMITS["url"]:
            yield f"{where}: button url over {LIMITS['url']}"
    if kind == "overflow":
        n = len(el.get("options", []))
        if not LIMITS["overflow_min"] <= n <= LIMITS["overflow_max"]:
            yield f"{where}: overflow has {n} options (1–5)"
    options = el.get("options")
    if isinstance(options, list):
        if len(options) > LIMITS["select_options"]:
            yield f"{where}: {len(options)} options (max {LIMITS['select_options']})"
        for opt in options:
            if len(_text(opt.get("text"))) > LIMITS["option_text"]:
                yield f"{where}: option text over {LIMITS['option_text']}"
            if len(opt.get("value", "")) > LIMITS["option_value"]:
                yield f"{where}: option value over {LIMITS['option_value']}"
    if len(_text(el.get("placeholder"))) > LIMITS["placeholder"]:
        yield f"{where}: placeholder over {LIMITS['placeholder']}"


def check_blocks(blocks: list[Block]) -> list[str]:
    problems: list[str] = []
    ids: set[str] = set()
    for i, block in enumerate(blocks):
        where = f"block {i} ({block.get('type')})"
        block_id = block.get("block_id")
        if block_id:
            if block_id in ids:
                problems.append(f"{where}: duplicate block_id {block_id!r}")
            ids.add(block_id)
            if len(block_id) > LIMITS["id"]:
                problems.append(f"{where}: block_id over {LIMITS['id']}")
        kind = block.get("type")
        if kind == "section":
            if "text" not in block and "fields" not in block:
                problems.append(f"{where}: section without text or fields")
            if len(_text(block.get("text"))) > LIMITS["section_text"]:
                problems.append(f"{where}: text over {LIMITS['section_text']}")
            fields = block.get("fields", [])
            if len(fields) > LIMITS["section_fields"]:
                problems.append(f"{where}: {len(fields)} fields")
            problems += [
                f"{where}: field over {LIMITS['field_text']}"
                for f in fields
                if len(_text(f)) > LIMITS["field_text"]
            ]
            if "accessory" in block:
                problems += list(_element(block["accessory"], where))
        elif kind == "header":
            if len(_text(block.get("text"))) > LIMITS["header_text"]:
                problems.append(f"{where}: header over {LIMITS['header_text']}")
        elif kind == "actions":
            elements = block.get("elements", [])
            if not elements or len(elements) > LIMITS["actions_elements"]:
                problems.append(f"{where}: {len(elements)} elements")
            action_ids = [el.get("action_id") for el in elements if el.get("action_id")]
            if len(set(action_ids)) != len(action_ids):
                problems.append(f"{where}: duplicate action_id in one block")
            for el in elements:
                problems += list(_element(el, where))
        elif kind == "context":
            elements = block.get("elements", [])
            if not elements or len(elements) > LIMITS["context_elements"]:
                problems.append(f"{where}: {len(elements)} context elements")
        elif kind == "input":
            if len(_text(block.get("label"))) > LIMITS["label"]:
                problems.append(f"{where}: label over {LIMITS['label']}")
            problems += list(_element(block.get("element", {}), where))
        for text_obj in _texts(block):
            if not text_obj.get("text"):
                problems.append(f"{where}: empty text object")
    return problems


def _texts(block: Block) -> Iterator[dict[str, Any]]:
    if isinstance(block.get("text"), dict):
        yield block["text"]
    yield from block.get("fields", [])
    if block.get("type") == "context":
        yield from (e for e in block.get("elements", []) if e.get("type") in ("mrkdwn", "plain_text"))


def all_text_chars(node: Any) -> int:
    """Every text in a block tree, buttons and options included (what slackemu counts against
    msg_blocks_too_long); stricter than `message_chars`, for splitting long content safely."""
    if isinstance(node, list):
        return sum(all_text_chars(item) for item in node)
    if isinstance(node, dict):
        own = len(node["text"]) if isinstance(node.get("text"), str) else 0
        return own + sum(all_text_chars(v) for v in node.values() if not isinstance(v, str))
    return 0


def message_chars(blocks: list[Block], text: str = "") -> int:
    total = len(text)
    for block in blocks:
        for t in _texts(block):
            total += len(t.get("text", ""))
    return total


def check_message(blocks: list[Block], text: str = "") -> list[str]:
    problems = check_blocks(blocks)
    if len(blocks) > LIMITS["message_blocks"]:
        problems.append(f"message has {len(blocks)} blocks (max {LIMITS['message_blocks']})")
    chars = message_chars(blocks, text)
    if chars > LIMITS["message_chars"]:
        problems.append(f"message has {chars} characters of text (keep under {LIMITS['message_chars']})")
    return problems


def check_view(view: Block) -> list[str]:
    problems = check_blocks(view.get("blocks", []))
    if len(view.get("blocks", [])) > LIMITS["view_blocks"]:
        problems.append(f"view has {len(view['blocks'])} blocks (max {LIMITS['view_blocks']})")
    for key in ("title", "submit", "close"):
        if key in view and len(_text(view[key])) > LIMITS["view_title"]:
            problems.append(f"view {key} over {LIMITS['view_title']} chars")
    if view.get("type") == "home" and ("submit" in view or "close" in view):
        problems.append("home views may not have submit or close")
    if len(view.get("private_metadata", "")) > LIMITS["private_metadata"]:
        problems.append("private_metadata over 3000 chars")
    if len(json.dumps(view).encode()) > LIMITS["view_bytes"]:
        problems.append("view over 250 kB")
    return problems
