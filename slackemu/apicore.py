"""Web API plumbing: the method registry, Slack-style errors, auth, fault hooks and call recording."""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable
from typing import Any

from .state import JSON, Call, Channel, Message, Store, User

Handler = Callable[[Store, JSON], JSON]
HANDLERS: dict[str, Handler] = {}
JSON_PARAMS = ("blocks", "attachments", "view", "metadata", "files")


class ApiError(Exception):
    """Raised by a handler: becomes ``{"ok": false, "error": error, **extra}`` with ``status``."""

    def __init__(
        self,
        error: str,
        *,
        status: int = 200,
        headers: dict[str, str] | None = None,
        messages: list[str] | None = None,
        extra: JSON | None = None,
    ) -> None:
        super().__init__(error)
        self.error = error
        self.status = status
        self.headers = headers or {}
        self.extra = dict(extra or {})
        if messages:
            self.extra["errors"] = [m.removeprefix("[ERROR] ") for m in messages]
            self.extra["response_metadata"] = {"messages": messages}


def api_method(name: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        HANDLERS[name] = func
        return func

    return register


def decode_params(raw: JSON) -> JSON:
    """Decode the parameters Slack accepts as JSON strings in a form-encoded body."""
    params = dict(raw)
    for key in JSON_PARAMS:
        value = params.get(key)
        if isinstance(value, str) and value.strip()[:1] in ("[", "{"):
            with contextlib.suppress(ValueError):  # else the handler answers the *_format error
                params[key] = json.loads(value)
    return params


def as_bool(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def call_api(
    store: Store, method: str, raw_params: JSON, authorization: str | None
) -> tuple[int, dict[str, str], JSON]:
    """Run one Web API call the way Slack would; record it; return (status, headers, body)."""
    params = decode_params(raw_params)
    token = params.pop("token", None)
    if authorization and authorization.lower().startswith("bearer "):
        token = authorization[7:].strip()
    status, headers = 200, {}
    with store.lock:
        if method not in HANDLERS:
            body: JSON = {"ok": False, "error": "unknown_method", "req_method": method}
        elif not token:
            body = {"ok": False, "error": "not_authed"}
        elif token != store.bot_token:
            body = {"ok": False, "error": "invalid_auth"}
        elif (fault := store.faults.take(method)) is not None and not fault.after:
            status, headers, body = fault.status, fault.headers, fault.body
        else:
            try:
                body = {"ok": True, **HANDLERS[method](store, params)}
            except ApiError as exc:
                status, headers = exc.status, exc.headers
                body = {"ok": False, "error": exc.error, **exc.extra}
            if fault is not None:  # done, but the answer says it failed (a 5xx after the work)
                status, headers, body = fault.status, fault.headers, fault.body
        thread = threading.current_thread().name
        store.record_call(Call(method, params, json.loads(json.dumps(body)), status, store.now(), thread))
    return status, headers, body


# --- shared look-ups and serialisers ----------------------------------------------------------


def get_channel(store: Store, ref: Any) -> Channel:
    """Resolve a channel id, ``#name`` / name, or a user id (the app's IM with that user)."""
    if not isinstance(ref, str) or not ref:
        raise ApiError("channel_not_found")
    if ref in store.channels:
        return store.channels[ref]
    if ref[:1] in ("U", "W") and ref in store.users:
        return store.open_im(ref)
    name = ref.removeprefix("#")
    for channel in store.channels.values():
        if not channel.is_im and channel.name == name:
            return channel
    raise ApiError("channel_not_found")


def check_can_post(store: Store, channel: Channel) -> None:
    if channel.is_archived:
        raise ApiError("is_archived")
    if not channel.is_im and not channel.bot_is_member:
        raise ApiError("not_in_channel")


def get_user(store: Store, user_id: Any) -> User:
    user = store.users.get(user_id) if isinstance(user_id, str) else None
    if user is None:
        raise ApiError("user_not_found")
    return user


def user_obj(store: Store, user: User) -> JSON:
    profile: JSON = {
        "real_name": user.real_name,
        "real_name_normalized": user.real_name,
        "display_name": user.display_name,
        "display_name_normalized": user.display_name,
        "team": user.team_id or store.team_id,
        "title": user.title,
    }
    if user.email:
        profile["email"] = user.email
    if user.id == store.bot_user_id:
        profile["bot_id"] = store.bot_id
    return {
        "id": user.id,
        "team_id": user.team_id or store.team_id,
        "name": user.name,
        "deleted": user.deleted,
        "real_name": user.real_name,
        "tz": user.tz,
        "tz_label": user.tz,
        "tz_offset": user.tz_offset(),
        "profile": profile,
        "is_admin": user.is_admin,
        "is_owner": False,
        "is_bot": user.is_bot,
        "is_app_user": False,
        "updated": 1733300000,
    }


def channel_obj(store: Store, channel: Channel) -> JSON:
    if channel.is_im:
        return {
            "id": channel.id,
            "is_im": True,
            "is_channel": False,
            "is_group": False,
            "is_private": True,
            "is_archived": False,
            "is_org_shared": False,
            "user": channel.user,
            "created": 1733300000,
        }
    return {
        "id": channel.id,
        "name": channel.name,
        "name_normalized": channel.name,
        "is_channel": not channel.is_private,
        "is_group": channel.is_private,
        "is_im": False,
        "is_mpim": False,
        "is_private": channel.is_private,
        "is_archived": channel.is_archived,
        "is_general": False,
        "is_member": channel.bot_is_member,
        "is_org_shared": False,
        "context_team_id": store.team_id,
        "topic": {"value": channel.topic, "creator": "", "last_set": 0},
        "purpose": {"value": channel.purpose, "creator": "", "last_set": 0},
        "num_members": len(members_of(store, channel)),
        "created": 1733300000,
    }


def members_of(store: Store, channel: Channel) -> list[str]:
    members = set(channel.members)
    if channel.is_im or channel.bot_is_member:
        members.add(store.bot_user_id)
    return sorted(members)


def message_obj(store: Store, message: Message) -> JSON:
    obj: JSON = {"type": "message", "ts": message.ts, "text": message.text}
    if message.user:
        obj["user"] = message.user
    if message.bot_id:
        obj["bot_id"] = message.bot_id
        obj["app_id"] = message.app_id or store.app_id
    obj["team"] = store.team_id
    if message.blocks:
        obj["blocks"] = json.loads(json.dumps(message.blocks))
    if message.attachments:
        obj["attachments"] = json.loads(json.dumps(message.attachments))
    if message.metadata:
        obj["metadata"] = json.loads(json.dumps(message.metadata))
    if message.files:
        obj["files"] = json.loads(json.dumps(message.files))
        obj["upload"] = True
    if message.edited:
        obj["edited"] = {"user": message.user, "ts": message.edited_ts}
    if message.thread_ts:
        obj["thread_ts"] = message.thread_ts
        if message.thread_ts == message.ts:
            replies = [m for m in store.messages.get(message.channel, []) if is_reply(m)]
            replies = [m for m in replies if m.thread_ts == message.ts]
            obj["reply_count"] = len(replies)
            obj["reply_users"] = sorted({m.user for m in replies if m.user})
            if replies:
                obj["latest_reply"] = replies[-1].ts
    return obj


def is_reply(message: Message) -> bool:
    return message.thread_ts is not None and message.thread_ts != message.ts


def page(items: list[Any], params: JSON, default_limit: int = 200) -> tuple[list[Any], str]:
    """Cursor pagination over a list: cursor is the decimal offset."""
    try:
        start = int(params.get("cursor") or 0)
        limit = int(params.get("limit") or default_limit) or default_limit
    except ValueError as exc:
        raise ApiError("invalid_cursor") from exc
    chunk = items[start : start + limit]
    return chunk, (str(start + limit) if start + limit < len(items) else "")
