"""Acting as Slack toward the app: request signing, HTTP delivery and the :class:`Delivery` record."""

from __future__ import annotations

import hashlib
import hmac
import http.client
import json
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

from .state import JSON


@dataclass
class Delivery:
    """One request the emulator sent to the app, the app's answer, and what the emulator did with it."""

    kind: str  # "command" | "block_actions" | "view_submission" | "event_callback" | ...
    status: int  # HTTP status from the app; 0 when the app could not be reached
    headers: dict[str, str]
    body: str
    elapsed: float
    payload: Any = None  # what was sent (dict for JSON / interactivity, dict of form fields for commands)
    outcome: str = ""  # what Slack would have done with the answer
    error: str | None = None  # connection error, if any
    trigger_id: str | None = None
    response_url: str | None = None
    event_id: str | None = None
    too_slow: bool = False  # answered after Slack's 3 s deadline
    request_headers: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return 200 <= self.status < 300 and not self.too_slow

    @property
    def json(self) -> Any:
        """The app's answer parsed as JSON, or None when empty / not JSON."""
        try:
            return json.loads(self.body) if self.body.strip() else None
        except ValueError:
            return None


def signature(secret: str, timestamp: int | str, body: bytes) -> str:
    base = b"v0:" + str(timestamp).encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> dict[str, str]:
    ts = int(time.time()) if timestamp is None else int(timestamp)
    return {"X-Slack-Request-Timestamp": str(ts), "X-Slack-Signature": signature(secret, ts, body)}


def form_body(fields: dict[str, str]) -> bytes:
    return urllib.parse.urlencode(fields).encode()


def payload_body(payload: JSON) -> bytes:
    return urllib.parse.urlencode({"payload": json.dumps(payload)}).encode()


def http_post(
    url: str, body: bytes, headers: dict[str, str], timeout: float
) -> tuple[int, dict[str, str], str, str | None, float]:
    """POST with http.client: (status, headers, body, error, elapsed); status 0 when unreachable."""
    parts = urllib.parse.urlsplit(url)
    conn_cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    started = time.monotonic()
    conn = conn_cls(parts.hostname or "127.0.0.1", parts.port, timeout=timeout)
    try:
        conn.request("POST", path, body=body, headers={**headers, "User-Agent": "Slackbot 1.0 (slackemu)"})
        resp = conn.getresponse()
        text = resp.read().decode("utf-8", "replace")
        return resp.status, dict(resp.getheaders()), text, None, time.monotonic() - started
    except (OSError, http.client.HTTPException) as exc:
        return 0, {}, "", f"{type(exc).__name__}: {exc}", time.monotonic() - started
    finally:
        conn.close()
