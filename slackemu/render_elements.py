"""Block Kit interactive elements to HTML (buttons, menus, pickers, inputs), for the sandbox page.

Every element carries ``data-type``, ``data-action-id`` and ``data-block-id`` so that the page's small
script can send what a Slack client sends; values come from the view state (what the user typed) or
from the element's ``initial_*`` fields. Every text and attribute value is HTML-escaped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .elements import initial_state, options_of
from .mrkdwn import Names, escape, plain_html, text_html, text_of

JSON = dict[str, Any]
IMAGE_SAFE = ("data:image/", "/")


@dataclass
class RenderContext:
    """What rendering needs besides the blocks: names, pickable people and channels, typed state."""

    names: Names = field(default_factory=Names)
    people: list[tuple[str, str]] = field(default_factory=list)  # (user id, name) for user pickers
    rooms: list[tuple[str, str]] = field(default_factory=list)  # (channel id, name) for channel pickers
    values: dict[str, dict[str, JSON]] = field(default_factory=dict)  # view state: block -> action -> state
    errors: dict[str, str] = field(default_factory=dict)  # input block_id -> error (response_action errors)

    def state(self, block: JSON, element: JSON) -> JSON | None:
        typed = self.values.get(str(block.get("block_id")), {}).get(str(element.get("action_id")))
        return typed if typed is not None else initial_state(element)


def attrs(**values: Any) -> str:
    """` name="value"` pairs (``data_x`` becomes ``data-x``), escaped; None and False are left out."""
    out = []
    for name, value in values.items():
        if value is None or value is False:
            continue
        key = name.rstrip("_").replace("_", "-")
        out.append(f" {key}" if value is True else f' {key}="{escape(str(value))}"')
    return "".join(out)


def _ids(block: JSON, element: JSON) -> dict[str, Any]:
    return {
        "data_type": element.get("type"),
        "data_action_id": element.get("action_id"),
        "data_block_id": block.get("block_id"),
    }


def _placeholder(element: JSON, default: str = "Select an item") -> str:
    return text_of(element.get("placeholder")) or default


def button(block: JSON, element: JSON, ctx: RenderContext) -> str:
    style = element.get("style")
    classes = "bk-btn" + (f" bk-btn-{style}" if style in ("primary", "danger") else "")
    confirm = element.get("confirm")
    confirm_json = None
    if isinstance(confirm, dict):
        confirm_json = json.dumps(
            {k: text_of(confirm.get(k)) for k in ("title", "text", "confirm", "deny")}
            | {"style": confirm.get("style")}
        )
    label = plain_html(text_of(element.get("text")))
    extra = attrs(data_value=element.get("value"), data_url=element.get("url"), data_confirm=confirm_json)
    return f'<button type="button"{attrs(class_=classes, **_ids(block, element))}{extra}>{label}</button>'


def _options_html(element: JSON, selected: set[str]) -> str:
    def one(option: JSON) -> str:
        value = str(option.get("value", ""))
        chosen = value in selected
        return f"<option{attrs(value=value, selected=chosen)}>{escape(text_of(option.get('text')))}</option>"

    groups = element.get("option_groups")
    if groups:
        out = []
        for group in groups:
            inner = "".join(one(o) for o in group.get("options") or [])
            out.append(f"<optgroup{attrs(label=text_of(group.get('label')))}>{inner}</optgroup>")
        return "".join(out)
    return "".join(one(o) for o in element.get("options") or [])


def _choices(element: JSON, ctx: RenderContext) -> list[tuple[str, str]]:
    kind = str(element.get("type"))
    if "users" in kind:
        return ctx.people
    if "conversations" in kind or "channels" in kind:
        return ctx.rooms
    return [(str(o.get("value", "")), text_of(o.get("text"))) for o in options_of(element)]


def _selected(state: JSON | None) -> list[str]:
    """The chosen values of a select's state, whatever its kind."""
    if not state:
        return []
    if isinstance(state.get("selected_option"), dict):
        return [str(state["selected_option"].get("value", ""))]
    for key in ("selected_user", "selected_conversation", "selected_channel"):
        if state.get(key):
            return [str(state[key])]
    if isinstance(state.get("selected_options"), list):
        return [str(o.get("value", "")) for o in state["selected_options"] if isinstance(o, dict)]
    for key in ("selected_users", "selected_conversations", "selected_channels"):
        if state.get(key):
            return [str(v) for v in state[key]]
    return []


def select(block: JSON, element: JSON, ctx: RenderContext) -> str:
    """static_select, users_select, conversations_select, channels_select: a native <select>."""
    chosen = set(_selected(ctx.state(block, element)))
    first = f'<option value="">{escape(_placeholder(element))}</option>'
    if element.get("type") == "static_select":
        body = _options_html(element, chosen)
    else:
        body = "".join(
            f"<option{attrs(value=value, selected=value in chosen)}>{escape(label)}</option>"
            for value, label in _choices(element, ctx)
        )
    return f"<select{attrs(class_='bk-select', **_ids(block, element))}>{first}{body}</select>"


def multi_select(block: JSON, element: JSON, ctx: RenderContext) -> str:
    """multi_*_select: chosen items as chips, and a menu to add one more."""
    chosen = _selected(ctx.state(block, element))
    labels = dict(_choices(element, ctx))
    chips = "".join(
        f'<span class="bk-chip"{attrs(data_value=v)}>{escape(labels.get(v, v))}'
        f'<button type="button" class="bk-chip-x" title="Remove">×</button></span>'
        for v in chosen
    )
    add = "".join(
        f"<option{attrs(value=v, hidden=v in chosen)}>{escape(label)}</option>"
        for v, label in _choices(element, ctx)
    )
    first = f'<option value="">{escape(_placeholder(element))}</option>'
    menu = f'<select class="bk-multi-add">{first}{add}</select>'
    return f"<div{attrs(class_='bk-multi', **_ids(block, element))}>{chips}{menu}</div>"


def external_select(block: JSON, element: JSON, ctx: RenderContext) -> str:
    """external_select: a search box; the page asks the app for options (block_suggestion)."""
    state = ctx.state(block, element) or {}
    option = state.get("selected_option") if isinstance(state.get("selected_option"), dict) else None
    shown = text_of(option.get("text")) if option else ""
    min_query = element.get("min_query_length", 3)
    box = attrs(
        class_="bk-ext-input",
        type="text",
        value=shown,
        placeholder=_placeholder(element, "Type to search…"),
        autocomplete="off",
    )
    wrapper = attrs(
        class_="bk-ext",
        data_min_query=min_query,
        data_selected=json.dumps(option) if option else None,
        **_ids(block, element),
    )
    return f'<div{wrapper}><input{box}><div class="bk-ext-list" hidden></div></div>'


def overflow(block: JSON, element: JSON, ctx: RenderContext) -> str:
    items = "".join(
        f'<button type="button" class="bk-menu-item"{attrs(data_value=o.get("value"))}>'
        f"{escape(text_of(o.get('text')))}</button>"
        for o in options_of(element)
    )
    return (
        f"<div{attrs(class_='bk-overflow', **_ids(block, element))}>"
        f'<button type="button" class="bk-btn bk-overflow-btn" title="More actions">⋯</button>'
        f'<div class="bk-menu" hidden>{items}</div></div>'
    )


def picker(block: JSON, element: JSON, ctx: RenderContext) -> str:
    """datepicker, timepicker, datetimepicker: native inputs."""
    state = ctx.state(block, element) or {}
    kind = element.get("type")
    if kind == "datepicker":
        input_type, value = "date", state.get("selected_date")
    elif kind == "timepicker":
        input_type, value = "time", state.get("selected_time")
    else:
        input_type, value = "datetime-local", state.get("selected_date_time")
    box = attrs(class_="bk-picker", type=input_type, value=value, **_ids(block, element))
    return f"<input{box}>"


def text_input(block: JSON, element: JSON, ctx: RenderContext) -> str:
    state = ctx.state(block, element) or {}
    value = state.get("value")
    common = attrs(
        class_="bk-text-input",
        placeholder=text_of(element.get("placeholder")) or None,
        maxlength=element.get("max_length"),
        **_ids(block, element),
    )
    if element.get("multiline"):
        return f'<textarea rows="3"{common}>{escape(str(value or ""))}</textarea>'
    kind = {"email_text_input": "email", "url_text_input": "url", "number_text_input": "number"}
    box_type = kind.get(str(element.get("type")), "text")
    return f"<input{attrs(type=box_type, value=value)}{common}>"


def choice_list(block: JSON, element: JSON, ctx: RenderContext) -> str:
    """checkboxes and radio_buttons."""
    radio = element.get("type") == "radio_buttons"
    chosen = set(_selected(ctx.state(block, element)))
    name = f"{block.get('block_id')}/{element.get('action_id')}"
    rows = []
    for option in options_of(element):
        value = str(option.get("value", ""))
        box = attrs(type="radio" if radio else "checkbox", name=name, value=value, checked=value in chosen)
        description = option.get("description")
        note = (
            f'<span class="bk-choice-note">{text_html(description, ctx.names)}</span>' if description else ""
        )
        label = text_html(option.get("text"), ctx.names)
        rows.append(f'<label class="bk-choice"><input{box}><span>{label}{note}</span></label>')
    return f"<div{attrs(class_='bk-choices', **_ids(block, element))}>{''.join(rows)}</div>"


def image(element: JSON, *, small: bool = False) -> str:
    """An image; only inline (data:) or same-origin images are loaded, others show their alt text."""
    url = str(element.get("image_url") or "")
    alt = str(element.get("alt_text") or "image")
    if url.startswith(IMAGE_SAFE) and not url.startswith("//"):
        return f"<img{attrs(class_='bk-img-small' if small else 'bk-img', src=url, alt=alt)}>"
    shown = alt if not small else "🖼"
    return f"<span{attrs(class_='bk-img-off', title=f'{alt} ({url})')}>🖼 {escape(shown)}</span>"


RENDERERS = {
    "button": button,
    "static_select": select,
    "users_select": select,
    "conversations_select": select,
    "channels_select": select,
    "external_select": external_select,
    "multi_static_select": multi_select,
    "multi_users_select": multi_select,
    "multi_conversations_select": multi_select,
    "multi_channels_select": multi_select,
    "overflow": overflow,
    "datepicker": picker,
    "timepicker": picker,
    "datetimepicker": picker,
    "plain_text_input": text_input,
    "email_text_input": text_input,
    "url_text_input": text_input,
    "number_text_input": text_input,
    "checkboxes": choice_list,
    "radio_buttons": choice_list,
}


def element_html(block: JSON, element: Any, ctx: RenderContext) -> str:
    if not isinstance(element, dict):
        return ""
    kind = str(element.get("type"))
    if kind == "image":
        return image(element, small=True)
    render = RENDERERS.get(kind)
    if render is None:
        return f'<span class="bk-unknown">[{escape(kind)}]</span>'
    return render(block, element, ctx)
