"""Exactly once when a post's outcome is unknown: a slow worker whose claim is taken over, an answer lost
after Slack posted (5xx, dropped connection), the publisher's deadline, and no retries behind its back."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from bot.app import make_client
from bot.publisher import ChannelPacer, SlackPublisher, digest_client
from bot.scheduler import publisher_for
from kam_core.config import Settings
from kam_core.db import session_scope
from kam_core.digests.jobs import DigestJob, PublishResult, TickOptions
from kam_core.digests.runs import AMBIGUOUS
from kam_core.enums import RunStatus
from kam_core.models import DigestRun
from tests.digests.conftest import HALF_EIGHT_BERLIN, DigestEnv

ONCDACH = "C0ONCDACH"  # DG-2, the rollup, is due there at 08:30 Berlin (HALF_EIGHT_BERLIN)


def the_run(env: DigestEnv) -> DigestRun:
    with session_scope(env.session_factory) as session:
        return session.scalars(select(DigestRun).where(DigestRun.workspace_id == env.workspace_id)).one()


def top_level(env: DigestEnv, channel: str = ONCDACH) -> list[Any]:
    return [m for m in env.emu.messages(channel) if m.thread_ts in (None, m.ts)]


class TakenOverMidPost:
    """Publishes, then (before the tick records the post) lets another replica take the claim over as
    stale and run its own tick: what happens when a worker is slow, or dies right after Slack answers."""

    def __init__(self, env: DigestEnv) -> None:
        self.env, self.inner = env, env.publisher
        self.other: Any = None

    def publish(self, job: DigestJob) -> PublishResult:
        result = self.inner.publish(job)
        self.other = self.env.tick(HALF_EIGHT_BERLIN + timedelta(minutes=16), worker="replica-b")
        return result

    def ready_in(self, channel: str) -> float:
        return self.inner.ready_in(channel)

    def paused(self, *args: Any) -> None:
        self.inner.paused(*args)


def test_a_claim_taken_over_mid_post_is_posted_once_and_fenced(
    digest_env: DigestEnv, caplog: pytest.LogCaptureFixture
) -> None:
    from kam_core.digests.tick import run_tick

    slow = TakenOverMidPost(digest_env)
    options = TickOptions(workspace_ids={digest_env.workspace_id}, worker="replica-a")
    with caplog.at_level(logging.WARNING, logger="kam.digests"):
        mine = run_tick(digest_env.session_factory, slow, HALF_EIGHT_BERLIN, options)
    # replica B took the stale claim over, found A's message by its metadata and kept it
    assert slow.other.count("posted") == 1 and "already posted" in slow.other.text()
    assert len(top_level(digest_env)) == 1
    assert len(digest_env.emu.calls_to("conversations.history")) == 1
    # A's record came after it lost the claim: nothing recorded, and logged
    assert mine.count("lost") == 1 and mine.count("posted") == 0
    assert "taken over by another worker" in caplog.text
    run = the_run(digest_env)
    assert run.status is RunStatus.POSTED and run.claimed_by == "replica-b" and run.attempts == 1
    assert run.message_ts == top_level(digest_env)[0].ts


def test_an_answer_lost_after_posting_is_found_not_posted_again(digest_env: DigestEnv) -> None:
    digest_env.emu.lose_answer_next("chat.postMessage", status=503)  # posted, but the answer is a 503
    report = digest_env.tick(HALF_EIGHT_BERLIN)
    assert report.count("posted") == 1, report.text()
    assert len(top_level(digest_env)) == 1
    assert [c.status for c in digest_env.emu.calls_to("chat.postMessage")] == [503]
    history = digest_env.emu.calls_to("conversations.history")
    assert len(history) == 1 and history[0].params["include_all_metadata"] in (True, "true", "1")
    run = the_run(digest_env)
    assert run.status is RunStatus.POSTED and run.message_ts == top_level(digest_env)[0].ts


def test_an_ambiguous_failure_is_checked_on_the_next_tick(digest_env: DigestEnv) -> None:
    digest_env.publisher.max_attempts = 1  # give up at once: the next tick retries
    digest_env.emu.lose_answer_next("chat.postMessage")
    first = digest_env.tick(HALF_EIGHT_BERLIN)
    assert first.count("failed") == 1
    failed = the_run(digest_env)
    assert failed.status is RunStatus.FAILED and (failed.error or "").startswith(AMBIGUOUS)
    retried = digest_env.tick(HALF_EIGHT_BERLIN + timedelta(minutes=1))
    assert retried.count("posted") == 1 and "already posted" in retried.text()
    assert len(top_level(digest_env)) == 1 and len(digest_env.emu.calls_to("chat.postMessage")) == 1
    assert the_run(digest_env).message_ts == top_level(digest_env)[0].ts


def test_a_clean_failure_is_retried_without_looking(digest_env: DigestEnv) -> None:
    digest_env.emu.fail_next("chat.postMessage", error="msg_too_long")  # refused: nothing was posted
    assert digest_env.tick(HALF_EIGHT_BERLIN).count("failed") == 1
    assert digest_env.tick(HALF_EIGHT_BERLIN + timedelta(minutes=1)).count("posted") == 1
    assert digest_env.emu.calls_to("conversations.history") == []
    assert len(top_level(digest_env)) == 1


def test_when_it_may_not_look_it_posts_and_logs(
    digest_env: DigestEnv, caplog: pytest.LogCaptureFixture
) -> None:
    digest_env.publisher.max_attempts = 1
    digest_env.emu.fail_next("chat.postMessage", error="internal_error")  # Slack may have done it
    assert digest_env.tick(HALF_EIGHT_BERLIN).count("failed") == 1
    digest_env.emu.fail_next("conversations.history", error="missing_scope")  # e.g. no groups:history
    with caplog.at_level(logging.WARNING, logger="kam.digests"):
        retried = digest_env.tick(HALF_EIGHT_BERLIN + timedelta(minutes=1))
    assert retried.count("posted") == 1
    assert "missing_scope" in caplog.text and "a duplicate is possible" in caplog.text
    assert len(top_level(digest_env)) == 1


def test_the_publisher_gives_up_by_the_deadline(digest_env: DigestEnv) -> None:
    assert TickOptions().deadline() == timedelta(minutes=5)  # a third of the 15 stale minutes
    assert TickOptions(publish_within=timedelta(hours=1)).deadline() == timedelta(minutes=7.5)
    digest_env.publisher.backoff = 0.3  # 6 attempts would take 0.3 * 63 s ≈ 19 s
    digest_env.emu.server_error_next("chat.postMessage", status=502, times=100)
    started = time.monotonic()
    report = digest_env.tick(HALF_EIGHT_BERLIN, publish_within=timedelta(seconds=1))
    assert time.monotonic() - started < 4
    assert report.count("failed") == 1
    assert the_run(digest_env).status is RunStatus.FAILED


class DroppingServer:
    """Reads each HTTP request and closes the connection without an answer; counts requests by path."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.paths: list[str] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/api/"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            with conn:
                conn.settimeout(2)
                data = b""
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                self.paths.append(data.split(b" ", 2)[1].decode() if data else "")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def dropping() -> Iterator[DroppingServer]:
    server = DroppingServer()
    yield server
    server.close()


def test_the_digest_client_never_resends_by_itself(digest_env: DigestEnv, dropping: DroppingServer) -> None:
    settings = Settings(slack_bot_token="xoxb-x", slack_api_url=dropping.url)
    assert publisher_for(settings).client.retry_handlers == []
    assert publisher_for(settings, make_client("xoxb-x", dropping.url)).client.retry_handlers == []
    with session_scope(digest_env.session_factory) as session:
        from kam_core.digests.content import build_digest

        sub = digest_env.subscription("DG-2")
        digest = build_digest(session, sub, HALF_EIGHT_BERLIN.date(), None)
    job = DigestJob(
        digest_env.workspace_id, "T", sub.id, "DG-2", ONCDACH, 1, HALF_EIGHT_BERLIN.date(), digest, ""
    )
    # the bot's usual client retries dropped connections itself; the publisher's copy must not
    publisher = SlackPublisher(
        make_client("xoxb-x", dropping.url), ChannelPacer(0), max_attempts=2, backoff=0
    )
    result = publisher.publish(job)
    assert not result.ok and result.ambiguous
    # one post; the second attempt only looked for it (and could not tell), so it did not post again
    assert dropping.paths.count("/api/chat.postMessage") == 1
    assert dropping.paths.count("/api/conversations.history") == 1
    assert digest_client("xoxb-x", dropping.url).retry_handlers == []
