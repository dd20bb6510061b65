"""Fault injection: scripted failures per Web API method and per-channel rate enforcement."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

JSON = dict[str, Any]


@dataclass
class Fault:
    kind: str  # "error" | "ratelimit" | "server_error" | "lost_answer"
    times: int
    error: str = ""
    status: int = 200
    retry_after: int = 1


@dataclass
class FaultAnswer:
    status: int
    body: JSON
    headers: dict[str, str] = field(default_factory=dict)
    after: bool = False  # the call takes effect first, then this is the answer (Slack did the work)


class Faults:
    """Queues of scripted answers; not locked itself (the Store lock guards it)."""

    def __init__(self) -> None:
        self.queues: dict[str, list[Fault]] = defaultdict(list)
        self.channel_rate: float | None = None
        self.last_post: dict[str, float] = {}

    def add(self, method: str, fault: Fault) -> None:
        if fault.times < 1:
            raise ValueError("times must be at least 1")
        self.queues[method].append(fault)

    def clear(self) -> None:
        self.queues.clear()
        self.channel_rate = None
        self.last_post.clear()

    def take(self, method: str) -> FaultAnswer | None:
        queue = self.queues.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.times -= 1
        if fault.times <= 0:
            queue.pop(0)
        if fault.kind == "ratelimit":
            return FaultAnswer(
                429, {"ok": False, "error": "ratelimited"}, {"Retry-After": str(fault.retry_after)}
            )
        if fault.kind == "server_error":
            return FaultAnswer(fault.status, {"ok": False, "error": "internal_error"})
        if fault.kind == "lost_answer":
            return FaultAnswer(fault.status, {"ok": False, "error": "internal_error"}, after=True)
        return FaultAnswer(200, {"ok": False, "error": fault.error})

    def channel_wait(self, channel_id: str, now: float) -> int | None:
        """Seconds to wait (Retry-After) if a post to the channel now exceeds the rate, else None."""
        if not self.channel_rate:
            return None
        last = self.last_post.get(channel_id)
        interval = 1.0 / self.channel_rate
        if last is not None and now - last < interval:
            return max(1, math.ceil(interval - (now - last)))
        return None

    def accepted_post(self, channel_id: str, now: float) -> None:
        self.last_post[channel_id] = now
