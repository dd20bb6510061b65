"""Message responses: posts to response URLs, and a slash command's immediate HTTP answer."""

from __future__ import annotations

import json
from typing import Any

from .api_chat import post_bot_message, post_ephemeral, short_id
from .blocks import fill_ids, validate_message
from .state import (
    JSON,
    RESPONSE_URL_MAX_USES,
    RESPONSE_URL_TTL,
    ResponsePost,
    Store,
)


def _flag(body: JSON, key: str) -> bool:
    value = body.get(key)
    return value is True or (isinstance(value, str) and value.lower() == "true")


def apply_reply(
    s: Store,
    user_id: str,
    channel_id: str | None,
    original: tuple[str, str, str] | None,
    body: JSON,
    source: str,
) -> tuple[int, JSON, str]:
    """Do what Slack does with a message response; return (status, answer, outcome). Hold the lock."""
    blocks: Any = body.get("blocks")
    if isinstance(blocks, str):
        try:
            blocks = json.loads(blocks)
        except ValueError:
            return 400, {"ok": False, "error": "invalid_blocks_format"}, "rejected: invalid_blocks_format"
    text = body.get("text")
    if _flag(body, "delete_original"):
        if original is None:
            return 200, {"ok": True}, "ignored: delete_original without an original message"
        kind, channel, ts = original
        if kind == "ephemeral":
            s.ephemerals = [e for e in s.ephemerals if not (e.channel == channel and e.ts == ts)]
        else:
            s.messages[channel] = [m for m in s.messages.get(channel, []) if m.ts != ts]
        s.bump()
        return 200, {"ok": True}, f"deleted original {kind} {channel}/{ts}"
    if not text and not blocks:
        return 400, {"ok": False, "error": "no_text"}, "rejected: no_text"
    problem = validate_message(text, blocks)
    if problem:
        return 400, {"ok": False, "error": problem[0], "errors": problem[1]}, f"rejected: {problem[0]}"
    block_list = blocks if isinstance(blocks, list) else None
    if _flag(body, "replace_original") and original is not None:
        kind, channel, ts = original
        target: Any = s.find_ephemeral(channel, ts) if kind == "ephemeral" else s.find_message(channel, ts)
        if target is None:
            return 404, {"ok": False, "error": "message_not_found"}, "rejected: original message is gone"
        target.text = str(text or "")
        target.blocks = fill_ids(block_list or [], short_id)
        target.edited = True
        s.bump()
        return 200, {"ok": True}, f"replaced original {kind} {channel}/{ts}"
    if channel_id is None:
        return 404, {"ok": False, "error": "channel_not_found"}, "rejected: no channel for this response"
    thread_ts = body.get("thread_ts")
    if body.get("response_type") == "in_channel":
        target_channel = s.channels.get(channel_id)
        if target_channel is None:
            return 404, {"ok": False, "error": "channel_not_found"}, "rejected: channel_not_found"
        message = post_bot_message(s, target_channel, text, block_list, thread_ts=thread_ts)
        return 200, {"ok": True}, f"posted in channel {channel_id}/{message.ts}"
    ephemeral = post_ephemeral(s, channel_id, user_id, text, block_list, source=source, thread_ts=thread_ts)
    return 200, {"ok": True}, f"posted ephemeral {channel_id}/{ephemeral.ts} to {user_id}"


def handle_response_url(s: Store, token: str, raw: bytes) -> tuple[int, JSON]:
    """POST /response/<token>: at most 5 uses within 30 minutes, like Slack."""
    with s.lock:
        url = f"{s.base_url}/response/{token}"
        try:
            body = json.loads(raw.decode("utf-8") or "{}")
            if not isinstance(body, dict):
                raise ValueError("not an object")
        except ValueError:
            body = {"raw": raw.decode("utf-8", "replace")}
            status, answer, outcome = 400, {"ok": False, "error": "invalid_payload"}, "rejected: not JSON"
        else:
            target = s.response_urls.get(token)
            if target is None:
                status, answer, outcome = 404, {"ok": False, "error": "no_service"}, "unknown response_url"
            elif s.now() - target.issued_at > RESPONSE_URL_TTL:
                status, answer, outcome = 404, {"ok": False, "error": "expired_url"}, "expired (30 min)"
            elif target.uses >= RESPONSE_URL_MAX_USES:
                status, answer, outcome = 404, {"ok": False, "error": "used_url"}, "used up (5 posts)"
            else:
                target.uses += 1
                status, answer, outcome = apply_reply(
                    s, target.user, target.channel, target.original, body, "response_url"
                )
        s.response_posts.append(ResponsePost(url, body, status, answer, outcome, s.now()))
        s.bump()
        return status, answer
