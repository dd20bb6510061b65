"""Block Kit walking and the limits Slack validates on messages, modals and Home tabs.

Validation answers what Slack answers: ``(error, messages)`` where ``messages`` are Slack-style
strings such as ``"[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]"``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

JSON = dict[str, Any]

MESSAGE_MAX_BLOCKS = 50
VIEW_MAX_BLOCKS = 100
MESSAGE_MAX_BLOCK_TEXT = 12_000  # Slack answers msg_blocks_too_long around here
MESSAGE_MAX_TEXT = 40_000
VIEW_MAX_BYTES = 250_000

BLOCK_TYPES = {
    "section", "header", "divider", "actions", "context", "input", "image", "rich_text",
    "video", "file", "markdown", "table", "call",
}  # fmt: skip
TEXT_INPUTS = {"plain_text_input", "email_text_input", "url_text_input", "number_text_input"}


class Problems:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, pointer: str, text: str) -> None:
        self.items.append(f"[ERROR] {text} [json-pointer:{pointer}]")

    def max_len(self, pointer: str, value: Any, limit: int) -> None:
        if isinstance(value, str) and len(value) > limit:
            self.add(pointer, f"must be less than {limit + 1} characters")

    def text_obj(self, pointer: str, obj: Any, limit: int, *, plain_only: bool = False) -> None:
        if obj is None:
            return
        if not isinstance(obj, dict) or obj.get("type") not in ("plain_text", "mrkdwn"):
            self.add(pointer, "must be a text object of type plain_text or mrkdwn")
            return
        if plain_only and obj.get("type") != "plain_text":
            self.add(pointer + "/type", "must be plain_text")
        self.max_len(pointer + "/text", obj.get("text"), limit)


def iter_elements(blocks: list[JSON]) -> Iterator[tuple[JSON, JSON]]:
    """Yield ``(block, element)`` for every interactive element of the blocks."""
    for block in blocks:
        kind = block.get("type")
        if kind == "actions":
            for element in block.get("elements") or []:
                yield block, element
        elif kind == "section" and isinstance(block.get("accessory"), dict):
            yield block, block["accessory"]
        elif kind == "input" and isinstance(block.get("element"), dict):
            yield block, block["element"]


def fill_ids(blocks: list[JSON], new_id: Callable[[], str]) -> list[JSON]:
    """Copy of the blocks with a generated ``block_id`` / ``action_id`` wherever missing, as Slack does."""
    result = json.loads(json.dumps(blocks))
    for block in result:
        if isinstance(block, dict) and not block.get("block_id"):
            block["block_id"] = new_id()
    for _block, element in iter_elements(result):
        if "action_id" not in element and element.get("type") not in ("image",):
            element["action_id"] = new_id()
    return result


def find_element(
    blocks: list[JSON], action_id: str, *, block_id: str | None = None, value: str | None = None
) -> tuple[JSON, JSON] | None:
    for block, element in iter_elements(blocks):
        if element.get("action_id") != action_id:
            continue
        if block_id is not None and block.get("block_id") != block_id:
            continue
        if value is not None and element.get("type") == "button" and element.get("value") != value:
            continue
        return block, element
    return None


def text_length(node: Any) -> int:
    """Characters of visible text in a block tree."""
    if isinstance(node, list):
        return sum(text_length(item) for item in node)
    if isinstance(node, dict):
        total = len(node["text"]) if isinstance(node.get("text"), str) else 0
        return total + sum(text_length(v) for v in node.values() if not isinstance(v, str))
    return 0


def _element(p: Problems, ptr: str, el: Any, action_ids: set[str]) -> None:
    if not isinstance(el, dict) or not isinstance(el.get("type"), str):
        p.add(ptr, "must be an element object with a type")
        return
    kind = el["type"]
    action_id = el.get("action_id")
    if isinstance(action_id, str):
        p.max_len(ptr + "/action_id", action_id, 255)
        if action_id in action_ids:
            p.add(ptr + "/action_id", f"duplicate action_id: {action_id}")
        action_ids.add(action_id)
    p.text_obj(ptr + "/placeholder", el.get("placeholder"), 150, plain_only=True)
    if kind == "button":
        if "text" not in el:
            p.add(ptr + "/text", "must provide a text object")
        p.text_obj(ptr + "/text", el.get("text"), 75, plain_only=True)
        p.max_len(ptr + "/value", el.get("value"), 2000)
        p.max_len(ptr + "/url", el.get("url"), 3000)
    options: list[Any] = list(el.get("options") or [])
    for group in el.get("option_groups") or []:
        options.extend(group.get("options") or [] if isinstance(group, dict) else [])
    if kind in ("static_select", "multi_static_select"):
        if len(options) > 100:
            p.add(ptr + "/options", "must provide no more than 100 items")
        if not options:
            p.add(ptr + "/options", "must provide options or option_groups")
    if kind == "overflow" and not 1 <= len(options) <= 5:
        p.add(ptr + "/options", "must provide between 1 and 5 items")
    if kind in ("checkboxes", "radio_buttons") and not 1 <= len(options) <= 10:
        p.add(ptr + "/options", "must provide between 1 and 10 items")
    for i, option in enumerate(options):
        if not isinstance(option, dict):
            p.add(f"{ptr}/options/{i}", "must be an option object")
            continue
        p.text_obj(f"{ptr}/options/{i}/text", option.get("text"), 75)
        p.max_len(f"{ptr}/options/{i}/value", option.get("value"), 150)


def _block(p: Problems, ptr: str, block: Any, block_ids: set[str]) -> None:
    if not isinstance(block, dict) or block.get("type") not in BLOCK_TYPES:
        kind = block.get("type") if isinstance(block, dict) else None
        p.add(ptr, f"unsupported type: {kind}")
        return
    block_id = block.get("block_id")
    if isinstance(block_id, str):
        p.max_len(ptr + "/block_id", block_id, 255)
        if block_id in block_ids:
            p.add(ptr + "/block_id", f"duplicate block_id: {block_id}")
        block_ids.add(block_id)
    kind = block["type"]
    action_ids: set[str] = set()
    if kind == "section":
        if "text" not in block and "fields" not in block:
            p.add(ptr, "must provide text or fields")
        p.text_obj(ptr + "/text", block.get("text"), 3000)
        fields = block.get("fields") or []
        if len(fields) > 10:
            p.add(ptr + "/fields", "must provide no more than 10 items")
        for i, f in enumerate(fields):
            p.text_obj(f"{ptr}/fields/{i}", f, 2000)
        if "accessory" in block:
            _element(p, ptr + "/accessory", block["accessory"], action_ids)
    elif kind == "header":
        p.text_obj(ptr + "/text", block.get("text"), 150, plain_only=True)
    elif kind in ("actions", "context"):
        limit = 25 if kind == "actions" else 10
        elements = block.get("elements")
        if not isinstance(elements, list) or not 1 <= len(elements) <= limit:
            p.add(ptr + "/elements", f"must provide between 1 and {limit} items")
        elif kind == "actions":
            for i, el in enumerate(elements):
                _element(p, f"{ptr}/elements/{i}", el, action_ids)
    elif kind == "input":
        p.text_obj(ptr + "/label", block.get("label"), 2000, plain_only=True)
        p.text_obj(ptr + "/hint", block.get("hint"), 2000, plain_only=True)
        if "label" not in block:
            p.add(ptr + "/label", "must provide a label")
        if "element" not in block:
            p.add(ptr + "/element", "must provide an element")
        else:
            _element(p, ptr + "/element", block["element"], action_ids)
    elif kind == "image":
        p.max_len(ptr + "/image_url", block.get("image_url"), 3000)
        p.max_len(ptr + "/alt_text", block.get("alt_text"), 2000)


def _blocks(p: Problems, blocks: Any, ptr: str) -> None:
    if not isinstance(blocks, list):
        p.add(ptr, "must be an array")
        return
    block_ids: set[str] = set()
    for i, block in enumerate(blocks):
        _block(p, f"{ptr}/{i}", block, block_ids)


def validate_message(text: Any, blocks: Any) -> tuple[str, list[str]] | None:
    """Return ``(error, messages)`` when Slack would refuse the message, else None."""
    if isinstance(text, str) and len(text) > MESSAGE_MAX_TEXT:
        return "msg_too_long", []
    if blocks is None:
        return None
    p = Problems()
    if isinstance(blocks, list) and len(blocks) > MESSAGE_MAX_BLOCKS:
        p.add("/blocks", f"no more than {MESSAGE_MAX_BLOCKS} items allowed")
        return "invalid_blocks", p.items
    _blocks(p, blocks, "/blocks")
    if p.items:
        return "invalid_blocks", p.items
    if text_length(blocks) > MESSAGE_MAX_BLOCK_TEXT:
        return "msg_blocks_too_long", []
    return None


def validate_view(view: Any, kind: str) -> tuple[str, list[str]] | None:
    """Validate a ``modal`` or ``home`` view like views.open / views.publish do."""
    p = Problems()
    if not isinstance(view, dict):
        p.add("/view", "must be a view object")
        return "invalid_arguments", p.items
    if len(json.dumps(view).encode()) > VIEW_MAX_BYTES:
        return "view_too_large", []
    if view.get("type") != kind:
        p.add("/view/type", f"must be {kind}")
        return "invalid_arguments", p.items
    if kind == "modal":
        if "title" not in view:
            p.add("/view/title", "must provide a title")
        p.text_obj("/view/title", view.get("title"), 24, plain_only=True)
        p.text_obj("/view/submit", view.get("submit"), 24, plain_only=True)
        p.text_obj("/view/close", view.get("close"), 24, plain_only=True)
        has_inputs = any(isinstance(b, dict) and b.get("type") == "input" for b in view.get("blocks") or [])
        if has_inputs and "submit" not in view:
            p.add("/view/submit", "must provide submit when the view has input blocks")
    else:
        for key in ("submit", "close"):
            if key in view:
                p.add(f"/view/{key}", f"{key} is not allowed in a home view")
    p.max_len("/view/private_metadata", view.get("private_metadata"), 3000)
    p.max_len("/view/callback_id", view.get("callback_id"), 255)
    p.max_len("/view/external_id", view.get("external_id"), 255)
    blocks = view.get("blocks")
    if blocks is None:
        p.add("/view/blocks", "must provide blocks")
    elif isinstance(blocks, list) and len(blocks) > VIEW_MAX_BLOCKS:
        p.add("/view/blocks", f"no more than {VIEW_MAX_BLOCKS} items allowed")
    else:
        _blocks(p, blocks, "/view/blocks")
    return ("invalid_arguments", p.items) if p.items else None
