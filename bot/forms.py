"""Reading what a user typed into a modal: view.state.values -> {block_id: value}."""

from __future__ import annotations

from typing import Any


def element_value(state: dict[str, Any]) -> Any:
    kind = state.get("type")
    if kind in ("plain_text_input", "email_text_input", "url_text_input", "number_input"):
        return state.get("value")
    if kind in ("users_select", "conversations_select", "channels_select"):
        return (
            state.get("selected_user") or state.get("selected_conversation") or state.get("selected_channel")
        )
    if kind == "multi_users_select":
        return state.get("selected_users") or []
    if kind == "datepicker":
        return state.get("selected_date")
    if kind == "timepicker":
        return state.get("selected_time")
    if kind in ("static_select", "external_select", "radio_buttons"):
        option = state.get("selected_option")
        return option.get("value") if option else None
    if kind in ("checkboxes", "multi_static_select", "multi_external_select"):
        return [o.get("value") for o in state.get("selected_options") or []]
    return state.get("value")


def read_state(view: dict[str, Any]) -> dict[str, Any]:
    """One value per input block (block ids are field names); empty inputs become None."""
    values: dict[str, Any] = {}
    for block_id, actions in ((view.get("state") or {}).get("values") or {}).items():
        for state in actions.values():
            value = element_value(state)
            values[block_id] = None if value in ("", []) else value
    return values


def measure_from(values: dict[str, Any]) -> dict[str, Any] | None:
    """The optional measure fields of a modal, as a MeasureInput dict (None when no unit is chosen)."""
    unit = values.pop("measure_unit", None)
    target = values.pop("measure_target", None)
    current = values.pop("measure_current", None)
    label = values.pop("measure_label", None)
    currency = values.pop("measure_currency", None)
    if unit is None and target is None:
        return None
    return {
        "unit": unit or "number",
        "target": _number(target),
        "current": _number(current) or None,
        "label": label,
        "currency": currency.upper() if currency else ("EUR" if unit == "currency" else None),
    }


def _number(text: Any) -> Any:
    if isinstance(text, str):
        return text.replace(",", "").replace("€", "").replace("$", "").replace("%", "").strip() or None
    return text
