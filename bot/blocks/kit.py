"""Small constructors for Block Kit elements, each clipping text to Slack's limits."""

from __future__ import annotations

from typing import Any

from bot.ids import TWIN_MARK
from bot.text import clip

Block = dict[str, Any]

SECTION_TEXT = 3000
FIELD_TEXT = 2000
HEADER_TEXT = 150
BUTTON_TEXT = 75
OPTION_TEXT = 75
OPTION_VALUE = 150
CONTEXT_ELEMENTS = 10
ACTIONS_ELEMENTS = 25
MESSAGE_BLOCKS = 50
MODAL_BLOCKS = 100
TITLE_TEXT = 24
PLACEHOLDER = 150
ID_LIMIT = 255


def plain(text: str, limit: int = SECTION_TEXT) -> dict[str, Any]:
    return {"type": "plain_text", "text": clip(text or " ", limit), "emoji": True}


def md(text: str, limit: int = SECTION_TEXT) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": clip(text or " ", limit)}


def header(text: str) -> Block:
    return {"type": "header", "text": plain(text, HEADER_TEXT)}


def section(
    text: str, *, accessory: Block | None = None, block_id: str | None = None, fields: list[str] | None = None
) -> Block:
    block: Block = {"type": "section", "text": md(text)}
    if fields:
        block["fields"] = [md(f, FIELD_TEXT) for f in fields[:10]]
    if accessory:
        block["accessory"] = accessory
    if block_id:
        block["block_id"] = block_id[:ID_LIMIT]
    return block


def context(*texts: str, block_id: str | None = None) -> Block:
    block: Block = {"type": "context", "elements": [md(t, SECTION_TEXT) for t in texts[:CONTEXT_ELEMENTS]]}
    if block_id:
        block["block_id"] = block_id[:ID_LIMIT]
    return block


def divider() -> Block:
    return {"type": "divider"}


def actions(*elements: Block, block_id: str | None = None) -> Block:
    """An actions block. Slack wants the action_ids of one block unique: repeats get a twin number
    (`open_modal~2`), which the listeners accept (`bot.ids.action_pattern`)."""
    seen: dict[str, int] = {}
    unique: list[Block] = []
    for element in elements[:ACTIONS_ELEMENTS]:
        action_id = element.get("action_id")
        if action_id:
            seen[action_id] = seen.get(action_id, 0) + 1
            if seen[action_id] > 1:
                element = {**element, "action_id": f"{action_id}{TWIN_MARK}{seen[action_id]}"}
        unique.append(element)
    block: Block = {"type": "actions", "elements": unique}
    if block_id:
        block["block_id"] = block_id[:ID_LIMIT]
    return block


def button(
    text: str,
    action_id: str,
    value: str = "",
    *,
    style: str | None = None,
    url: str | None = None,
    confirm: Block | None = None,
) -> Block:
    element: Block = {"type": "button", "text": plain(text, BUTTON_TEXT), "action_id": action_id[:ID_LIMIT]}
    if value:
        element["value"] = value[:2000]
    if style:
        element["style"] = style
    if url:
        element["url"] = url[:3000]
    if confirm:
        element["confirm"] = confirm
    return element


def option(text: str, value: str, description: str | None = None) -> Block:
    item: Block = {"text": plain(text, OPTION_TEXT), "value": value[:OPTION_VALUE]}
    if description:
        item["description"] = plain(description, OPTION_TEXT)
    return item


def overflow(action_id: str, options: list[Block]) -> Block:
    return {"type": "overflow", "action_id": action_id, "options": options[:5]}


def input_block(
    block_id: str,
    label: str,
    element: Block,
    *,
    optional: bool = False,
    hint: str | None = None,
    dispatch: bool = False,
) -> Block:
    block: Block = {
        "type": "input",
        "block_id": block_id,
        "label": plain(label, 2000),
        "element": element,
        "optional": optional,
    }
    if hint:
        block["hint"] = plain(hint, 2000)
    if dispatch:
        block["dispatch_action"] = True
    return block


def text_input(
    action_id: str,
    *,
    initial: str | None = None,
    multiline: bool = False,
    placeholder: str | None = None,
    max_length: int | None = None,
) -> Block:
    element: Block = {"type": "plain_text_input", "action_id": action_id, "multiline": multiline}
    if initial:
        element["initial_value"] = initial[: max_length or 3000]
    if placeholder:
        element["placeholder"] = plain(placeholder, PLACEHOLDER)
    if max_length:
        element["max_length"] = max_length
    return element


def static_select(
    action_id: str, options: list[Block], *, initial: str | None = None, placeholder: str = "Choose…"
) -> Block:
    element: Block = {
        "type": "static_select",
        "action_id": action_id,
        "options": options[:100],
        "placeholder": plain(placeholder, PLACEHOLDER),
    }
    chosen = next((o for o in options[:100] if o["value"] == initial), None)
    if chosen:
        element["initial_option"] = chosen
    return element


def external_select(
    action_id: str,
    *,
    initial: Block | None = None,
    placeholder: str = "Type to search…",
    min_query_length: int = 0,
) -> Block:
    element: Block = {
        "type": "external_select",
        "action_id": action_id,
        "min_query_length": min_query_length,
        "placeholder": plain(placeholder, PLACEHOLDER),
    }
    if initial:
        element["initial_option"] = initial
    return element


def users_select(action_id: str, *, initial: str | None = None, placeholder: str = "Pick someone") -> Block:
    element: Block = {
        "type": "users_select",
        "action_id": action_id,
        "placeholder": plain(placeholder, PLACEHOLDER),
    }
    if initial:
        element["initial_user"] = initial
    return element


def multi_users_select(action_id: str, *, initial: list[str] | None = None) -> Block:
    element: Block = {
        "type": "multi_users_select",
        "action_id": action_id,
        "placeholder": plain("Pick people"),
    }
    if initial:
        element["initial_users"] = initial
    return element


def datepicker(action_id: str, *, initial: str | None = None) -> Block:
    element: Block = {"type": "datepicker", "action_id": action_id}
    if initial:
        element["initial_date"] = initial
    return element


def timepicker(action_id: str, *, initial: str | None = None) -> Block:
    element: Block = {"type": "timepicker", "action_id": action_id}
    if initial:
        element["initial_time"] = initial
    return element


def checkboxes(action_id: str, options: list[Block], *, initial: list[str] | None = None) -> Block:
    element: Block = {"type": "checkboxes", "action_id": action_id, "options": options[:10]}
    chosen = [o for o in options if o["value"] in (initial or [])]
    if chosen:
        element["initial_options"] = chosen
    return element


def radio_buttons(action_id: str, options: list[Block], *, initial: str | None = None) -> Block:
    element: Block = {"type": "radio_buttons", "action_id": action_id, "options": options[:10]}
    chosen = next((o for o in options if o["value"] == initial), None)
    if chosen:
        element["initial_option"] = chosen
    return element


def modal(
    callback_id: str,
    title: str,
    blocks: list[Block],
    *,
    submit: str | None = "Create",
    close: str = "Cancel",
    private_metadata: str = "",
    external_id: str | None = None,
) -> Block:
    view: Block = {
        "type": "modal",
        "callback_id": callback_id,
        "title": plain(title, TITLE_TEXT),
        "close": plain(close, TITLE_TEXT),
        "blocks": blocks[:MODAL_BLOCKS],
    }
    if submit:
        view["submit"] = plain(submit, TITLE_TEXT)
    if private_metadata:
        view["private_metadata"] = private_metadata[:3000]
    if external_id:
        view["external_id"] = external_id
    return view
