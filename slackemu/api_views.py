"""Web API: views.open, views.push, views.update, views.publish (modal stacks and Home tabs)."""

from __future__ import annotations

import json
from typing import Any

from .api_chat import short_id
from .apicore import ApiError, api_method, get_user
from .blocks import fill_ids, iter_elements, validate_view
from .state import JSON, MAX_VIEW_STACK, TRIGGER_TTL, Store, Trigger, View


def checked_view(p: JSON, kind: str | None) -> JSON:
    spec = p.get("view")
    if isinstance(spec, str):
        raise ApiError(
            "invalid_arguments", messages=["[ERROR] failed to parse view JSON [json-pointer:/view]"]
        )
    if not isinstance(spec, dict):
        raise ApiError("invalid_arguments", messages=["[ERROR] missing required field: view"])
    problem = validate_view(spec, kind or str(spec.get("type")))
    if problem:
        raise ApiError(problem[0], messages=problem[1])
    return spec


def check_trigger(s: Store, trigger_id: Any) -> Trigger:
    trigger = s.triggers.get(trigger_id) if isinstance(trigger_id, str) else None
    if trigger is None:
        raise ApiError("invalid_trigger_id")
    if trigger.used or s.now() - trigger.issued_at > TRIGGER_TTL:
        raise ApiError("expired_trigger_id")
    return trigger


def check_external_id(s: Store, spec: JSON, allowed: View | None = None) -> None:
    external_id = spec.get("external_id")
    if not external_id:
        return
    for view in s.views.values():
        if not view.closed and view.external_id == external_id and view is not allowed:
            raise ApiError("duplicate_external_id")


def _text(obj: Any) -> str:
    return str(obj.get("text", "")) if isinstance(obj, dict) else ""


def apply_spec(s: Store, view: View, spec: JSON) -> None:
    """Give the view new content and a new hash; keep typed values whose block/action still exist."""
    filled = dict(json.loads(json.dumps(spec)))
    filled["blocks"] = fill_ids(filled.get("blocks") or [], short_id)
    view.spec = filled
    view.blocks = filled["blocks"]
    view.title = _text(filled.get("title"))
    view.callback_id = str(filled.get("callback_id") or "")
    view.private_metadata = str(filled.get("private_metadata") or "")
    view.external_id = str(filled.get("external_id") or "")
    view.hash = s.new_hash()
    view.errors = {}
    view.alert = None
    present = {(b.get("block_id"), e.get("action_id")) for b, e in iter_elements(view.blocks)}
    kept: dict[str, dict[str, JSON]] = {}
    for block_id, actions in view.state_values.items():
        for action_id, value in actions.items():
            if (block_id, action_id) in present:
                kept.setdefault(block_id, {})[action_id] = value
    view.state_values = kept
    s.bump()


def new_view(s: Store, user_id: str, spec: JSON) -> View:
    view = View(
        id=s.new_id("V0", 9),
        user=user_id,
        type=str(spec.get("type")),
        hash="",
        callback_id="",
        private_metadata="",
        title="",
        blocks=[],
        spec={},
    )
    apply_spec(s, view, spec)
    s.views[view.id] = view
    return view


def view_obj(s: Store, view: View) -> JSON:
    spec = view.spec
    obj: JSON = {
        "id": view.id,
        "team_id": s.team_id,
        "type": view.type,
        "blocks": json.loads(json.dumps(view.blocks)),
        "private_metadata": view.private_metadata,
        "callback_id": view.callback_id,
        "state": {"values": json.loads(json.dumps(view.state_values))},
        "hash": view.hash,
        "title": spec.get("title", {"type": "plain_text", "text": "View"}),
        "clear_on_close": bool(spec.get("clear_on_close")),
        "notify_on_close": bool(spec.get("notify_on_close")),
        "close": spec.get("close"),
        "submit": spec.get("submit"),
        "previous_view_id": view.previous_view_id,
        "root_view_id": view.root_view_id or view.id,
        "app_id": s.app_id,
        "external_id": view.external_id,
        "app_installed_team_id": s.team_id,
        "bot_id": s.bot_id,
    }
    if "submit_disabled" in spec:
        obj["submit_disabled"] = bool(spec["submit_disabled"])
    return obj


@api_method("views.open")
def views_open(s: Store, p: JSON) -> JSON:
    trigger = check_trigger(s, p.get("trigger_id"))
    spec = checked_view(p, "modal")
    check_external_id(s, spec)
    trigger.used = True
    for old in s.stack(trigger.user):  # a new modal replaces whatever the user had open
        s.close_view(old)
    view = new_view(s, trigger.user, spec)
    s.stacks[trigger.user] = [view.id]
    s.bump()
    return {"view": view_obj(s, view)}


@api_method("views.push")
def views_push(s: Store, p: JSON) -> JSON:
    trigger = check_trigger(s, p.get("trigger_id"))
    spec = checked_view(p, "modal")
    stack = s.stacks.get(trigger.user) or []
    if not stack:
        raise ApiError(
            "invalid_arguments", messages=["[ERROR] no open modal to push onto [json-pointer:/view]"]
        )
    if len(stack) >= MAX_VIEW_STACK:
        raise ApiError("push_limit_reached")
    check_external_id(s, spec)
    trigger.used = True
    view = new_view(s, trigger.user, spec)
    view.root_view_id, view.previous_view_id = stack[0], stack[-1]
    stack.append(view.id)
    s.bump()
    return {"view": view_obj(s, view)}


def find_view(s: Store, p: JSON) -> View:
    view: View | None = None
    if p.get("view_id"):
        view = s.views.get(str(p["view_id"]))
    elif p.get("external_id"):
        view = next((v for v in s.views.values() if v.external_id == p["external_id"] and not v.closed), None)
    else:
        raise ApiError("invalid_arguments", messages=["[ERROR] view_id or external_id is required"])
    if view is None or view.closed:
        raise ApiError("not_found")
    return view


@api_method("views.update")
def views_update(s: Store, p: JSON) -> JSON:
    view = find_view(s, p)
    if p.get("hash") and p["hash"] != view.hash:
        raise ApiError("hash_conflict")
    spec = checked_view(p, view.type)
    check_external_id(s, spec, allowed=view)
    apply_spec(s, view, spec)
    return {"view": view_obj(s, view)}


@api_method("views.publish")
def views_publish(s: Store, p: JSON) -> JSON:
    user = get_user(s, p.get("user_id"))
    spec = checked_view(p, "home")
    current = s.views.get(s.homes.get(user.id, ""))
    if current is not None and p.get("hash") and p["hash"] != current.hash:
        raise ApiError("hash_conflict")
    if current is None:
        current = new_view(s, user.id, spec)
        s.homes[user.id] = current.id
    else:
        apply_spec(s, current, spec)
    return {"view": view_obj(s, current)}
