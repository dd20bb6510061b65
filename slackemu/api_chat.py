"""Web API: chat.postMessage, chat.postEphemeral, chat.update, chat.delete, chat.getPermalink."""

from __future__ import annotations

import secrets
import string
from typing import Any

from .apicore import ApiError, api_method, as_bool, check_can_post, get_channel, get_user, message_obj
from .blocks import fill_ids, validate_message
from .state import JSON, Channel, Ephemeral, Message, Store


def short_id() -> str:
    return "".join(secrets.choice(string.ascii_letters + string.digits) for _ in range(5))


def checked_content(p: JSON, *, require: bool = True) -> tuple[str | None, list[JSON] | None]:
    """The text and blocks of a request, validated like Slack does."""
    text, blocks = p.get("text"), p.get("blocks")
    if isinstance(blocks, str):
        if blocks.strip():
            raise ApiError("invalid_blocks_format")
        blocks = None
    if blocks is not None and not isinstance(blocks, list):
        raise ApiError("invalid_blocks_format")
    if require and not text and not blocks and not p.get("attachments"):
        raise ApiError("no_text")
    problem = validate_message(text, blocks)
    if problem:
        raise ApiError(problem[0], messages=problem[1])
    return (str(text) if text is not None else None), blocks


def checked_metadata(value: Any) -> JSON | None:
    if value is None or value == "":
        return None
    if not isinstance(value, dict):
        raise ApiError("invalid_metadata_format")
    if not isinstance(value.get("event_type"), str) or not isinstance(value.get("event_payload", {}), dict):
        raise ApiError("invalid_metadata_schema")
    return value


def thread_root(s: Store, channel_id: str, thread_ts: Any) -> str | None:
    if not thread_ts:
        return None
    thread_ts = str(thread_ts)
    parent = s.find_message(channel_id, thread_ts)
    if parent is None:
        return thread_ts
    root = parent.thread_ts or parent.ts
    root_message = s.find_message(channel_id, root)
    if root_message is not None:
        root_message.thread_ts = root  # a parent carries its own ts as thread_ts
    return root


def post_bot_message(
    s: Store,
    channel: Channel,
    text: str | None,
    blocks: list[JSON] | None,
    *,
    thread_ts: Any = None,
    metadata: JSON | None = None,
    extra: JSON | None = None,
) -> Message:
    """Store a message from the app's bot user (the caller has validated it)."""
    extra = extra or {}
    message = Message(
        ts=s.next_ts(),
        channel=channel.id,
        user=s.bot_user_id,
        bot_id=s.bot_id,
        text=text or "",
        blocks=fill_ids(blocks or [], short_id),
        thread_ts=thread_root(s, channel.id, thread_ts),
        metadata=metadata,
        attachments=list(extra.get("attachments") or []),
        unfurl_links=as_bool(extra["unfurl_links"]) if "unfurl_links" in extra else None,
        unfurl_media=as_bool(extra["unfurl_media"]) if "unfurl_media" in extra else None,
        reply_broadcast=as_bool(extra.get("reply_broadcast")),
        app_id=s.app_id,
    )
    s.channel_messages(channel.id).append(message)
    s.bump()
    return message


def post_ephemeral(
    s: Store,
    channel_id: str,
    user_id: str,
    text: str | None,
    blocks: list[JSON] | None,
    *,
    source: str,
    thread_ts: Any = None,
    sender: str | None = None,
) -> Ephemeral:
    ephemeral = Ephemeral(
        ts=s.next_ts(),
        channel=channel_id,
        user=user_id,
        text=text or "",
        blocks=fill_ids(blocks or [], short_id),
        thread_ts=str(thread_ts) if thread_ts else None,
        sender=sender or s.bot_user_id,
        source=source,
    )
    s.ephemerals.append(ephemeral)
    s.bump()
    return ephemeral


@api_method("chat.postMessage")
def chat_post_message(s: Store, p: JSON) -> JSON:
    channel = get_channel(s, p.get("channel"))
    check_can_post(s, channel)
    wait = s.faults.channel_wait(channel.id, s.now())
    if wait is not None:
        raise ApiError("ratelimited", status=429, headers={"Retry-After": str(wait)})
    text, blocks = checked_content(p)
    metadata = checked_metadata(p.get("metadata"))
    message = post_bot_message(
        s, channel, text, blocks, thread_ts=p.get("thread_ts"), metadata=metadata, extra=p
    )
    s.faults.accepted_post(channel.id, s.now())
    return {"channel": channel.id, "ts": message.ts, "message": message_obj(s, message)}


@api_method("chat.postEphemeral")
def chat_post_ephemeral(s: Store, p: JSON) -> JSON:
    channel = get_channel(s, p.get("channel"))
    check_can_post(s, channel)
    user = get_user(s, p.get("user"))
    in_channel = user.id == channel.user if channel.is_im else user.id in channel.members
    if not in_channel:
        raise ApiError("user_not_in_channel")
    text, blocks = checked_content(p)
    ephemeral = post_ephemeral(
        s, channel.id, user.id, text, blocks, source="chat.postEphemeral", thread_ts=p.get("thread_ts")
    )
    return {"message_ts": ephemeral.ts}


def _own_message(s: Store, p: JSON, ts_key: str, not_mine: str) -> tuple[Channel, Message]:
    channel = get_channel(s, p.get("channel"))
    message = s.find_message(channel.id, str(p.get(ts_key) or ""))
    if message is None:
        raise ApiError("message_not_found")
    if message.bot_id != s.bot_id:
        raise ApiError(not_mine)
    return channel, message


@api_method("chat.update")
def chat_update(s: Store, p: JSON) -> JSON:
    channel, message = _own_message(s, p, "ts", "cant_update_message")
    if channel.is_archived:
        raise ApiError("is_archived")
    text, blocks = checked_content(p, require=False)
    if "text" in p:
        message.text = text or ""
    if "blocks" in p:  # Slack keeps the old blocks unless blocks are sent ([] removes them)
        message.blocks = fill_ids(blocks or [], short_id)
    if "attachments" in p:
        message.attachments = list(p.get("attachments") or [])
    if "metadata" in p:
        message.metadata = checked_metadata(p.get("metadata"))
    message.edited = True
    message.edited_ts = s.next_ts()
    s.bump()
    return {"channel": channel.id, "ts": message.ts, "text": message.text, "message": message_obj(s, message)}


@api_method("chat.delete")
def chat_delete(s: Store, p: JSON) -> JSON:
    channel, message = _own_message(s, p, "ts", "cant_delete_message")
    s.channel_messages(channel.id).remove(message)
    s.bump()
    return {"channel": channel.id, "ts": message.ts}


@api_method("chat.getPermalink")
def chat_get_permalink(s: Store, p: JSON) -> JSON:
    channel = s.channels.get(str(p.get("channel") or ""))
    if channel is None:
        raise ApiError("channel_not_found")
    message = s.find_message(channel.id, str(p.get("message_ts") or ""))
    if message is None:
        raise ApiError("message_not_found")
    link = f"https://{s.team_domain}.slack.com/archives/{channel.id}/p{message.ts.replace('.', '')}"
    if message.thread_ts and message.thread_ts != message.ts:
        link += f"?thread_ts={message.thread_ts}&cid={channel.id}"
    return {"channel": channel.id, "permalink": link}
