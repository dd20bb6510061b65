"""Posting digests to Slack from the scheduler's threads (never a request thread): at most one message
per second per channel, Retry-After honoured on 429, 5xx and connection errors retried with backoff, and
the errors that mean "this channel cannot take digests" reported so the subscription is paused.

Exactly once: a 5xx, a timeout or a dropped connection leaves it unknown whether Slack posted the message.
So the client never re-sends by itself (no retry handlers), and before sending again, or before posting a
run that was taken over or retried after such an answer, the publisher looks for the message in the
channel by its metadata (conversations.history / .replies, `kam_digest` with subscription, local date, run
and part) and keeps the one it finds. Where it may not look (missing_scope, not_in_channel, e.g. a private
channel without groups:history) it logs that and posts. Every digest is given up by its deadline.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from functools import partial
from http.client import HTTPException
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.blocks.common import Card
from bot.blocks.digest import messages
from bot.blocks.kit import actions, button, section
from bot.ids import Action
from kam_core.digests.jobs import DigestJob, PublishResult
from kam_core.outbox import enqueue

log = logging.getLogger("kam.digests")
REASONS = {
    "not_in_channel": "I am not a member of the channel any more",
    "channel_not_found": "the channel no longer exists (or I cannot see it)",
    "is_archived": "the channel is archived",
}
EVENT_TYPE = "kam_digest"
AMBIGUOUS_ERRORS = {"internal_error", "fatal_error", "service_unavailable"}  # Slack may have done it
REQUEST_TIMEOUT = 15  # seconds per Web API call: a digest overruns its deadline by one call at most
HISTORY_PAGES, PAGE_SIZE = 5, 200
FOUND, ABSENT, UNKNOWN = "found", "absent", "unknown"
Look = tuple[str, str]  # (FOUND, ts) | (ABSENT, why) | (UNKNOWN, error)


def digest_client(token: str, api_url: str, timeout: int = REQUEST_TIMEOUT) -> WebClient:
    """A Web API client that never re-sends a request by itself (see the module docstring)."""
    return WebClient(token=token, base_url=api_url, timeout=timeout, retry_handlers=[])


def without_retries(client: WebClient) -> WebClient:
    """`client`, or a copy of it without retry handlers and with at most REQUEST_TIMEOUT per call."""
    if not client.retry_handlers and client.timeout <= REQUEST_TIMEOUT:
        return client
    return WebClient(
        token=client.token,
        base_url=client.base_url,
        timeout=min(client.timeout, REQUEST_TIMEOUT),
        ssl=client.ssl,
        proxy=client.proxy,
        headers=dict(client.headers),
        team_id=client.default_params.get("team_id"),
        retry_handlers=[],
    )


class ChannelPacer:
    """Hands out posting slots: one message per `interval` seconds per channel, across threads."""

    def __init__(self, interval: float = 1.05) -> None:  # a little over 1 s: network jitter never bunches two
        self.interval = interval
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, channel: str, deadline: float | None = None) -> bool:
        """Wait for the channel's next slot; False (without waiting) when it comes after `deadline`."""
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(channel, 0.0))
            if deadline is not None and slot >= deadline:
                return False
            self._next[channel] = slot + self.interval
        if slot > now:
            time.sleep(slot - now)
        return True

    def ready_in(self, channel: str) -> float:
        with self._lock:
            return max(0.0, self._next.get(channel, 0.0) - time.monotonic())

    def hold(self, channel: str, seconds: float) -> None:
        """Slack said wait (429): nobody posts to this channel before then."""
        with self._lock:
            self._next[channel] = max(self._next.get(channel, 0.0), time.monotonic() + seconds)


class Sent:
    def __init__(self, ok: bool, value: str, *, ambiguous: bool = False, adopted: bool = False) -> None:
        self.ok, self.value, self.ambiguous, self.adopted = ok, value, ambiguous, adopted


class SlackPublisher:
    def __init__(
        self,
        client: WebClient,
        pacer: ChannelPacer | None = None,
        max_attempts: int = 6,
        backoff: float = 1.0,
        budget: float = 120.0,
    ) -> None:
        self.client = without_retries(client)
        self.pacer = pacer or ChannelPacer()
        self.max_attempts = max_attempts
        self.backoff = backoff
        self.budget = budget  # seconds for a digest whose job brings no deadline

    def publish(self, job: DigestJob) -> PublishResult:
        deadline = job.deadline if job.deadline is not None else time.monotonic() + self.budget
        cards = messages(job.digest, job.ref)
        channel = job.channel_id
        first = self._send(
            channel,
            cards[0],
            {"metadata": _metadata(job, 0, len(cards))},
            deadline,
            lambda: self._find_first(job),
            verify=job.verify_since is not None,
        )
        if not first.ok:
            return PublishResult(False, error=first.value, ambiguous=first.ambiguous)
        root = first.value
        present = self._parts_present(job, root) if first.adopted and len(cards) > 1 else set()
        if present is None:
            log.warning(
                "digest %s: kept the message found (ts %s); its thread is left as it is", job.ref, root
            )
            return PublishResult(True, ts=root, messages=1, adopted=True)
        for index, card in enumerate(cards[1:], start=1):
            if index in present:
                continue
            sent = self._send(
                channel,
                card,
                {"thread_ts": root, "metadata": _metadata(job, index, len(cards))},
                deadline,
                partial(self._find_part, job, root, index),
            )
            if not sent.ok:
                log.warning("digest %s continuation %s failed: %s", job.ref, index, sent.value)
                return PublishResult(True, ts=root, messages=index, error=sent.value, adopted=first.adopted)
        return PublishResult(True, ts=root, messages=len(cards), adopted=first.adopted)

    def _send(
        self,
        channel: str,
        card: Card,
        extra: dict[str, Any],
        deadline: float,
        find: Callable[[], Look],
        verify: bool = False,
    ) -> Sent:
        """Post one message. While Slack may already hold it (`verify`, or after a 5xx / connection error),
        look for it first and keep the one found instead of sending it again."""
        unsure, last = verify, "gave up after retries"
        for attempt in range(1, self.max_attempts + 1):
            if time.monotonic() >= deadline:
                last = "gave up at the deadline"
                break
            if unsure:
                state, value = self._look(find)
                if state == FOUND:
                    log.info("digest message already in %s (ts %s): kept, not posted again", channel, value)
                    return Sent(True, value, adopted=True)
                if state == UNKNOWN:
                    last = f"could not check for an earlier post: {value}"
                    self._sleep(attempt, deadline)
                    continue
                unsure = False
            if not self.pacer.wait(channel, deadline):
                last = "gave up at the deadline"
                break
            try:
                response = self.client.chat_postMessage(
                    channel=channel, text=card.text, blocks=card.blocks, **extra
                )
                return Sent(True, str(response.get("ts")))
            except SlackApiError as error:
                status = error.response.status_code
                code = str(error.response.get("error") or status)
                if status == 429:
                    wait = float(error.response.headers.get("Retry-After", "1") or 1)
                    log.info("429 on %s: waiting %ss", channel, wait)
                    self.pacer.hold(channel, wait)
                    continue
                if status < 500:
                    return Sent(False, code, ambiguous=code in AMBIGUOUS_ERRORS)
                unsure, last = True, code
            except (OSError, HTTPException) as error:  # timeout, reset, refused: it may have gone through
                unsure, last = True, f"{type(error).__name__}: {error}"[:200]
            self._sleep(attempt, deadline)
        return Sent(False, last, ambiguous=unsure)

    def _sleep(self, attempt: int, deadline: float) -> None:
        time.sleep(max(0.0, min(self.backoff * 2 ** (attempt - 1), deadline - time.monotonic())))

    def _look(self, find: Callable[[], Look]) -> Look:
        try:
            return find()
        except SlackApiError as error:
            status = error.response.status_code
            code = str(error.response.get("error") or status)
            if status == 429 or status >= 500 or code in AMBIGUOUS_ERRORS:
                return UNKNOWN, code
            log.warning(
                "cannot look for an earlier post of a digest (%s): posting it, a duplicate is possible", code
            )
            return ABSENT, code
        except (OSError, HTTPException) as error:
            return UNKNOWN, type(error).__name__

    def _find_first(self, job: DigestJob) -> Look:
        """The digest's first message in the channel since the run could first have posted it."""
        since = job.verify_since
        oldest = f"{since.timestamp():.6f}" if since is not None else "0"
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            page = self.client.conversations_history(
                channel=job.channel_id,
                oldest=oldest,
                limit=PAGE_SIZE,
                include_all_metadata=True,
                cursor=cursor,
            )
            for message in page.get("messages") or []:
                if _is_part(message, job, 0):
                    return FOUND, str(message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return ABSENT, "not in the channel"
        log.warning(
            "digest %s: over %s messages since %s, not all searched",
            job.ref,
            HISTORY_PAGES * PAGE_SIZE,
            oldest,
        )
        return ABSENT, "not in the messages searched"

    def _thread(self, job: DigestJob, root: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        cursor: str | None = None
        while True:
            page = self.client.conversations_replies(
                channel=job.channel_id, ts=root, limit=PAGE_SIZE, include_all_metadata=True, cursor=cursor
            )
            found += page.get("messages") or []
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                return found

    def _find_part(self, job: DigestJob, root: str, part: int) -> Look:
        for message in self._thread(job, root):
            if _is_part(message, job, part):
                return FOUND, str(message["ts"])
        return ABSENT, "not in the thread"

    def _parts_present(self, job: DigestJob, root: str) -> set[int] | None:
        """The continuation parts already in the thread of an adopted message; None if unknown."""
        try:
            thread = self._thread(job, root)
        except (SlackApiError, OSError, HTTPException) as error:
            log.warning("digest %s: cannot read the thread of %s: %s", job.ref, root, error)
            return None
        return {int(_payload(m).get("part", 0)) for m in thread if _is_ours(m, job)}

    def ready_in(self, channel: str) -> float:
        return self.pacer.ready_in(channel)

    def paused(self, session: Session, job: DigestJob, reason: str) -> None:
        """Tell the subscription's creator, once, why it stopped and how to resume it."""
        why = REASONS.get(reason, reason)
        text = (
            f"I paused digest {job.ref} for <#{job.channel_id}>: {why} (`{reason}`). "
            f"Fix it (e.g. `/invite @KAM bot`), then resume it."
        )
        blocks = [
            section(text),
            actions(button("Resume digest", Action.DIGEST_RESUME, job.ref, style="primary")),
        ]
        enqueue(
            session,
            job.workspace_id,
            "dm",
            {"user": job.creator_user_id, "text": text, "blocks": blocks},
            dedupe_key=f"digest-paused:{job.workspace_id}:{job.subscription_id}:{job.local_date}",
        )


def _metadata(job: DigestJob, part: int, parts: int) -> dict[str, Any]:
    """What identifies a digest message: subscription, local date, run and part (0 = the channel message)."""
    payload: dict[str, Any] = {"subscription": job.ref, "local_date": str(job.local_date)}
    if job.run_id is not None:
        payload["run"] = job.run_id
    payload.update(part=part, parts=parts)
    return {"event_type": EVENT_TYPE, "event_payload": payload}


def _payload(message: dict[str, Any]) -> dict[str, Any]:
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") != EVENT_TYPE:
        return {}
    return dict(metadata.get("event_payload") or {})


def _is_ours(message: dict[str, Any], job: DigestJob) -> bool:
    """A message of this digest run (a manual "run digests now" post carries no run: never this one)."""
    payload = _payload(message)
    return (
        bool(payload)
        and payload.get("subscription") == job.ref
        and payload.get("local_date") == str(job.local_date)
        and payload.get("run") == job.run_id
    )


def _is_part(message: dict[str, Any], job: DigestJob, part: int) -> bool:
    return _is_ours(message, job) and int(_payload(message).get("part", 0)) == part
