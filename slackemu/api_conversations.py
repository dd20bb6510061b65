"""Web API: auth.test, team.info, users.*, conversations.*."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from .apicore import (
    ApiError,
    api_method,
    as_bool,
    channel_obj,
    get_channel,
    get_user,
    is_reply,
    members_of,
    message_obj,
    page,
    user_obj,
)
from .state import JSON, Message, Store


@api_method("auth.test")
def auth_test(s: Store, p: JSON) -> JSON:
    return {
        "url": f"https://{s.team_domain}.slack.com/",
        "team": s.team_name,
        "user": s.user_name(s.bot_user_id),
        "team_id": s.team_id,
        "user_id": s.bot_user_id,
        "bot_id": s.bot_id,
        "app_id": s.app_id,
        "is_enterprise_install": False,
    }


@api_method("team.info")
def team_info(s: Store, p: JSON) -> JSON:
    team = {
        "id": s.team_id,
        "name": s.team_name,
        "domain": s.team_domain,
        "email_domain": "",
        "icon": {"image_default": True},
    }
    return {"team": team}


@api_method("users.info")
def users_info(s: Store, p: JSON) -> JSON:
    return {"user": user_obj(s, get_user(s, p.get("user")))}


@api_method("users.list")
def users_list(s: Store, p: JSON) -> JSON:
    users = [user_obj(s, u) for u in s.users.values()]
    chunk, cursor = page(users, p)
    return {"members": chunk, "cache_ts": int(s.now()), "response_metadata": {"next_cursor": cursor}}


@api_method("users.lookupByEmail")
def users_lookup_by_email(s: Store, p: JSON) -> JSON:
    email = str(p.get("email") or "").lower()
    for user in s.users.values():
        if user.email and user.email.lower() == email:
            return {"user": user_obj(s, user)}
    raise ApiError("users_not_found")


@api_method("conversations.open")
def conversations_open(s: Store, p: JSON) -> JSON:
    if p.get("channel"):
        channel = get_channel(s, p["channel"])
        return {"channel": channel_obj(s, channel) if as_bool(p.get("return_im")) else {"id": channel.id}}
    users = [u.strip() for u in str(p.get("users") or "").split(",") if u.strip()]
    if not users:
        raise ApiError("users_list_not_supplied")
    if len(users) > 1:
        raise ApiError("not_supported", extra={"detail": "the emulator has no multi-person DMs"})
    user = get_user(s, users[0])
    if user.id == s.bot_user_id:
        raise ApiError("cannot_dm_bot")
    already = s.im_id(user.id) in s.channels
    channel = s.open_im(user.id)
    body: JSON = {"channel": channel_obj(s, channel) if as_bool(p.get("return_im")) else {"id": channel.id}}
    if already:
        body["no_op"] = True
        body["already_open"] = True
    return body


@api_method("conversations.info")
def conversations_info(s: Store, p: JSON) -> JSON:
    channel = s.channels.get(str(p.get("channel") or ""))
    if channel is None:
        raise ApiError("channel_not_found")
    return {"channel": channel_obj(s, channel)}


@api_method("conversations.list")
def conversations_list(s: Store, p: JSON) -> JSON:
    types = {t.strip() for t in str(p.get("types") or "public_channel").split(",")}
    exclude_archived = as_bool(p.get("exclude_archived"))
    found = []
    for channel in s.channels.values():
        kind = "im" if channel.is_im else "private_channel" if channel.is_private else "public_channel"
        if kind not in types or (exclude_archived and channel.is_archived):
            continue
        if kind == "private_channel" and not channel.bot_is_member:
            continue  # a bot only sees private channels it is in
        found.append(channel_obj(s, channel))
    chunk, cursor = page(found, p, default_limit=100)
    return {"channels": chunk, "response_metadata": {"next_cursor": cursor}}


@api_method("conversations.members")
def conversations_members(s: Store, p: JSON) -> JSON:
    channel = s.channels.get(str(p.get("channel") or ""))
    if channel is None or (channel.is_private and not channel.bot_is_member):
        raise ApiError("channel_not_found")
    chunk, cursor = page(members_of(s, channel), p, default_limit=100)
    return {"members": chunk, "response_metadata": {"next_cursor": cursor}}


def _readable(s: Store, p: JSON) -> str:
    channel = s.channels.get(str(p.get("channel") or ""))
    if channel is None or (channel.is_private and not channel.bot_is_member):
        raise ApiError("channel_not_found")
    if not channel.is_im and not channel.bot_is_member:
        raise ApiError("not_in_channel")
    return channel.id


def _ts_param(p: JSON, key: str) -> Decimal | None:
    raw = p.get(key)
    if raw is None or raw == "":
        return None
    try:
        return Decimal(str(raw))
    except InvalidOperation as exc:
        raise ApiError(f"invalid_ts_{key}") from exc


def _listed(s: Store, message: Message, p: JSON) -> JSON:
    """A message as history / replies list it: its metadata only with include_all_metadata, as on Slack."""
    obj = message_obj(s, message)
    if not as_bool(p.get("include_all_metadata")):
        obj.pop("metadata", None)
    return obj


@api_method("conversations.history")
def conversations_history(s: Store, p: JSON) -> JSON:
    """Newest first; `oldest` / `latest` bound the range (exclusive unless `inclusive`), `limit` pages it."""
    channel_id = _readable(s, p)
    oldest, latest, inclusive = _ts_param(p, "oldest"), _ts_param(p, "latest"), as_bool(p.get("inclusive"))

    def inside(message: Message) -> bool:
        ts = Decimal(message.ts)
        if oldest is not None and (ts < oldest or (ts == oldest and not inclusive)):
            return False
        return latest is None or ts < latest or (ts == latest and inclusive)

    found = [
        m for m in s.messages.get(channel_id, []) if (not is_reply(m) or m.reply_broadcast) and inside(m)
    ]
    found.reverse()  # newest first, like Slack
    chunk, cursor = page([_listed(s, m, p) for m in found], p, default_limit=100)
    return {"messages": chunk, "has_more": bool(cursor), "response_metadata": {"next_cursor": cursor}}


@api_method("conversations.replies")
def conversations_replies(s: Store, p: JSON) -> JSON:
    channel_id = _readable(s, p)
    ts = str(p.get("ts") or "")
    parent = s.find_message(channel_id, ts)
    if parent is None:
        raise ApiError("thread_not_found")
    root = parent.thread_ts or parent.ts
    found = [m for m in s.messages.get(channel_id, []) if m.ts == root or m.thread_ts == root]
    chunk, cursor = page([_listed(s, m, p) for m in found], p, default_limit=100)
    return {"messages": chunk, "has_more": bool(cursor), "response_metadata": {"next_cursor": cursor}}
