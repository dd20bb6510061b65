"""What a Slack client sends for an element: view state entries and block_actions ``actions``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from .blocks import TEXT_INPUTS
from .state import JSON

MULTI_KEYS = {
    "multi_users_select": "selected_users",
    "multi_conversations_select": "selected_conversations",
    "multi_channels_select": "selected_channels",
}
SINGLE_KEYS = {
    "users_select": "selected_user",
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
    "datetimepicker": "selected_date_time",
}
OPTION_TYPES = {"static_select", "radio_buttons", "overflow", "external_select"}
MULTI_OPTION_TYPES = {"checkboxes", "multi_static_select", "multi_external_select"}


def options_of(element: JSON) -> list[JSON]:
    found = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        found.extend(group.get("options") or [])
    return found


def find_option(element: JSON, value: Any) -> JSON:
    if isinstance(value, dict):
        return value
    kind = element.get("type")
    if kind in ("external_select", "multi_external_select"):
        return {"text": {"type": "plain_text", "text": str(value)}, "value": str(value)}
    for option in options_of(element):
        if option.get("value") == value:
            return option
    known = [o.get("value") for o in options_of(element)]
    raise ValueError(f"{kind} {element.get('action_id')!r} has no option {value!r}; options: {known}")


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return int(value.timestamp())
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    return value


def element_state(element: JSON, value: Any) -> JSON:
    """The ``state.values`` entry for an element given a simple value (None = left empty)."""
    kind = str(element.get("type"))
    state: JSON = {"type": kind}
    value = _plain(value)
    if kind in TEXT_INPUTS:
        state["value"] = None if value is None else str(value)
    elif kind == "rich_text_input":
        text = "" if value is None else str(value)
        state["rich_text_value"] = {
            "type": "rich_text",
            "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
        }
    elif kind in SINGLE_KEYS:
        state[SINGLE_KEYS[kind]] = value
    elif kind in MULTI_KEYS:
        state[MULTI_KEYS[kind]] = list(value or [])
    elif kind in OPTION_TYPES:
        state["selected_option"] = None if value is None else find_option(element, value)
    elif kind in MULTI_OPTION_TYPES:
        values = value if isinstance(value, list | tuple | set) else ([] if value is None else [value])
        state["selected_options"] = [find_option(element, v) for v in values]
    elif kind == "file_input":
        state["files"] = list(value or [])
    else:
        raise ValueError(f"the emulator cannot fill a {kind} element")
    return state


def is_empty(state: JSON) -> bool:
    keys = [k for k in state if k != "type"]
    return all(state[k] in (None, [], "") for k in keys)


def initial_state(element: JSON) -> JSON | None:
    """State from the element's initial_* fields, as a Slack client pre-fills it."""
    kind = element.get("type")
    if kind in TEXT_INPUTS and "initial_value" in element:
        return element_state(element, element["initial_value"])
    for key in ("initial_user", "initial_conversation", "initial_channel", "initial_date", "initial_time"):
        if key in element and kind in SINGLE_KEYS:
            return element_state(element, element[key])
    if kind == "datetimepicker" and "initial_date_time" in element:
        return element_state(element, element["initial_date_time"])
    for key in ("initial_users", "initial_conversations", "initial_channels"):
        if key in element and kind in MULTI_KEYS:
            return element_state(element, element[key])
    if "initial_option" in element and kind in OPTION_TYPES:
        return {"type": kind, "selected_option": element["initial_option"]}
    if "initial_options" in element and kind in MULTI_OPTION_TYPES:
        return {"type": kind, "selected_options": list(element["initial_options"])}
    return None


def action_entry(block: JSON, element: JSON, state: JSON | None, action_ts: str) -> JSON:
    """One item of a block_actions payload's ``actions`` list."""
    kind = element.get("type")
    entry: JSON = {
        "type": kind,
        "action_id": element.get("action_id"),
        "block_id": block.get("block_id"),
        "action_ts": action_ts,
    }
    if kind == "button":
        entry["text"] = element.get("text")
        if "value" in element:
            entry["value"] = element["value"]
        if "style" in element:
            entry["style"] = element["style"]
        if "url" in element:
            entry["url"] = element["url"]
    elif state:
        entry.update({k: v for k, v in state.items() if k != "type"})
    if "placeholder" in element and kind != "button":
        entry["placeholder"] = element["placeholder"]
    return entry
