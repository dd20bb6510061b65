"""The outbox: Slack messages caused by a change (assignment DMs, notices) are written in the same
transaction as the change and sent afterwards by a worker thread, never on a request thread. Claims
are made in the database, so several replicas can run workers side by side; 429 answers are honoured
with their Retry-After, other failures back off, permanent ones give up."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import Any

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from kam_core.db import session_scope
from kam_core.outbox import enqueue

__all__ = ["Outbox", "enqueue"]
from kam_core.models import OutboxMessage, utcnow

log = logging.getLogger("kam.outbox")
PERMANENT = {
    "user_not_found",
    "cannot_dm_bot",
    "account_inactive",
    "channel_not_found",
    "not_in_channel",
    "is_archived",
    "invalid_blocks",
    "msg_too_long",
    "user_disabled",
    "missing_scope",
}
MAX_ATTEMPTS = 8
CLAIM_SECONDS = 120


class Outbox:
    def __init__(
        self,
        session_factory: sessionmaker[Session],
        client: WebClient,
        poll_seconds: float = 5.0,
        worker_name: str = "outbox",
    ) -> None:
        self.session_factory = session_factory
        self.client = client
        self.poll_seconds = poll_seconds
        self.worker_name = worker_name
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self.worker_name, daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout=5)
            self._thread = None

    def wake(self) -> None:
        self._wake.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.drain()
            except Exception:
                log.exception("outbox pass failed")
            self._wake.wait(self.poll_seconds)
            self._wake.clear()

    def drain(self, limit: int = 100) -> int:
        """Send every message that is due now; returns how many were sent."""
        sent = 0
        for message_id in self._due_ids(limit):
            if self._claim(message_id):
                sent += self._send(message_id)
        return sent

    def _due_ids(self, limit: int) -> list[int]:
        now = utcnow()
        with session_scope(self.session_factory) as session:
            stmt = (
                select(OutboxMessage.id)
                .where(
                    OutboxMessage.sent_at.is_(None),
                    OutboxMessage.given_up.is_(False),
                    OutboxMessage.next_attempt_at <= now,
                )
                .order_by(OutboxMessage.id)
                .limit(limit)
            )
            return list(session.scalars(stmt))

    def _claim(self, message_id: int) -> bool:
        now = utcnow()
        with session_scope(self.session_factory) as session:
            result: Any = session.execute(
                update(OutboxMessage)
                .where(
                    OutboxMessage.id == message_id,
                    OutboxMessage.sent_at.is_(None),
                    or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
                )
                .values(claimed_until=now + timedelta(seconds=CLAIM_SECONDS))
            )
            return bool(result.rowcount == 1)

    def _send(self, message_id: int) -> int:
        """Read the message, send it with no transaction open, then record the outcome."""
        with session_scope(self.session_factory) as session:
            message = session.get(OutboxMessage, message_id)
            if message is None:
                return 0
            method, payload = message.method, dict(message.payload)
        failure: Exception | None = None
        try:
            self._deliver(method, payload)
        except Exception as error:  # recorded below: Slack's refusal, or network trouble
            failure = error
        with session_scope(self.session_factory) as session:
            message = session.get(OutboxMessage, message_id)
            if message is None:
                return 0
            if isinstance(failure, SlackApiError):
                self._failed(message, failure)
                return 0
            message.attempts += 1
            if failure is not None:  # retry later
                message.error = str(failure)[:300]
                message.next_attempt_at = utcnow() + timedelta(seconds=min(2**message.attempts, 900))
                message.claimed_until = None
                return 0
            message.sent_at = utcnow()
            return 1

    def _failed(self, message: OutboxMessage, error: SlackApiError) -> None:
        code = error.response.get("error") or str(error.response.status_code)
        message.attempts += 1
        message.error = str(code)[:300]
        message.claimed_until = None
        if error.response.status_code == 429:
            wait = int(error.response.headers.get("Retry-After", "1") or 1)
            message.next_attempt_at = utcnow() + timedelta(seconds=wait)
            message.attempts -= 1  # a rate limit is not a failed attempt
        elif code in PERMANENT or message.attempts >= MAX_ATTEMPTS:
            message.given_up = True
            log.warning("outbox message %s given up: %s", message.id, code)
        else:
            message.next_attempt_at = utcnow() + timedelta(seconds=min(2**message.attempts, 900))

    def _deliver(self, method: str, payload: dict[str, Any]) -> None:
        if method == "dm":
            channel = self.client.conversations_open(users=payload["user"])["channel"]["id"]
            self.client.chat_postMessage(channel=channel, text=payload["text"], blocks=payload.get("blocks"))
        elif method == "chat.postMessage":
            self.client.chat_postMessage(**payload)
        else:
            raise ValueError(f"unknown outbox method {method}")
