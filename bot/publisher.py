"""Posting digests to Slack from the scheduler's threads (never a request thread): at most one message
per second per channel, Retry-After honoured on 429, 5xx retried with backoff, and the errors that
mean "this channel cannot take digests" reported so the subscription is paused."""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy.orm import Session

from bot.blocks.digest import messages
from bot.blocks.kit import actions, button, section
from bot.ids import Action
from kam_core.digests.tick import DigestJob, PublishResult
from kam_core.outbox import enqueue

log = logging.getLogger("kam.digests")
REASONS = {
    "not_in_channel": "I am not a member of the channel any more",
    "channel_not_found": "the channel no longer exists (or I cannot see it)",
    "is_archived": "the channel is archived",
}


class ChannelPacer:
    """Hands out posting slots: one message per `interval` seconds per channel, across threads."""

    def __init__(self, interval: float = 1.05) -> None:  # a little over 1 s: network jitter never bunches two
        self.interval = interval
        self._next: dict[str, float] = {}
        self._lock = threading.Lock()

    def wait(self, channel: str) -> None:
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next.get(channel, 0.0))
            self._next[channel] = slot + self.interval
        if slot > now:
            time.sleep(slot - now)

    def ready_in(self, channel: str) -> float:
        with self._lock:
            return max(0.0, self._next.get(channel, 0.0) - time.monotonic())

    def hold(self, channel: str, seconds: float) -> None:
        """Slack said wait (429): nobody posts to this channel before then."""
        with self._lock:
            self._next[channel] = max(self._next.get(channel, 0.0), time.monotonic() + seconds)


class SlackPublisher:
    def __init__(
        self,
        client: WebClient,
        pacer: ChannelPacer | None = None,
        max_attempts: int = 6,
        backoff: float = 1.0,
    ) -> None:
        self.client = client
        self.pacer = pacer or ChannelPacer()
        self.max_attempts = max_attempts
        self.backoff = backoff

    def publish(self, job: DigestJob) -> PublishResult:
        cards = messages(job.digest, job.ref)
        first_ts: str | None = None
        for index, card in enumerate(cards):
            extra: dict[str, Any] = (
                {"thread_ts": first_ts}
                if first_ts
                else {
                    "metadata": {
                        "event_type": "kam_digest",
                        "event_payload": {"subscription": job.ref, "local_date": str(job.local_date)},
                    }
                }
            )
            ok, value = self._post(job.channel_id, card.text, card.blocks, extra)
            if not ok:
                if first_ts is None:
                    return PublishResult(False, error=value)
                log.warning("digest %s continuation %s failed: %s", job.ref, index, value)
                return PublishResult(True, ts=first_ts, messages=index, error=value)
            first_ts = first_ts or value
        return PublishResult(True, ts=first_ts, messages=len(cards))

    def _post(
        self, channel: str, text: str, blocks: list[dict[str, Any]], extra: dict[str, Any]
    ) -> tuple[bool, str]:
        for attempt in range(1, self.max_attempts + 1):
            self.pacer.wait(channel)
            try:
                response = self.client.chat_postMessage(channel=channel, text=text, blocks=blocks, **extra)
                return True, str(response.get("ts"))
            except SlackApiError as error:
                status = error.response.status_code
                code = str(error.response.get("error") or status)
                if status == 429:
                    wait = float(error.response.headers.get("Retry-After", "1") or 1)
                    log.info("429 on %s: waiting %ss", channel, wait)
                    self.pacer.hold(channel, wait)
                    continue
                if status >= 500:
                    time.sleep(self.backoff * 2 ** (attempt - 1))
                    continue
                return False, code
            except OSError:  # connection trouble: back off and retry
                time.sleep(self.backoff * 2 ** (attempt - 1))
        return False, "gave up after retries"

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
