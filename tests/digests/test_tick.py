"""Exactly once: ticks, retries, catch-up, 429s, pausing — against the fake Slack over real HTTP."""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select

from kam_core.db import session_scope
from kam_core.enums import RunStatus
from kam_core.models import AuditEvent, DigestRun
from tests.digests.conftest import HALF_EIGHT_BERLIN, NINE_BERLIN, DigestEnv


def runs(env: DigestEnv) -> list[tuple[int, str, str]]:
    with session_scope(env.session_factory) as session:
        rows = session.execute(
            select(DigestRun.subscription_id, DigestRun.local_date, DigestRun.status).where(
                DigestRun.workspace_id == env.workspace_id
            )
        ).all()
        return [(sid, str(day), status.value) for sid, day, status in rows]


def test_two_ticks_post_once(digest_env: DigestEnv) -> None:
    first = digest_env.tick(NINE_BERLIN)
    assert first.count("posted") == 2  # DG-1 at 09:00 and DG-2 at 08:30 (caught up)
    second = digest_env.tick(NINE_BERLIN + timedelta(minutes=1))
    assert second.count("posted") == 0 and second.count("skipped") == 2
    assert len(digest_env.posts("C0KAMTEAM")) == 1
    assert len(digest_env.posts("C0ONCDACH")) == 1
    assert sorted(status for _, _, status in runs(digest_env)) == ["posted", "posted"]


def test_nothing_before_the_local_time(digest_env: DigestEnv) -> None:
    report = digest_env.tick(HALF_EIGHT_BERLIN - timedelta(minutes=1))
    assert report.count("posted") == 0
    assert digest_env.emu.calls_to("chat.postMessage") == []


def test_failed_post_is_retried_on_a_later_tick(digest_env: DigestEnv) -> None:
    digest_env.emu.fail_next("chat.postMessage", error="internal_error", times=1)
    first = digest_env.tick(HALF_EIGHT_BERLIN)  # only DG-2 is due: its post fails
    assert first.count("failed") == 1 and first.count("posted") == 0
    assert [s for _, _, s in runs(digest_env)] == ["failed"]
    too_soon = digest_env.tick(HALF_EIGHT_BERLIN + timedelta(seconds=30))  # backoff: 1 minute
    assert too_soon.count("posted") == 0
    retried = digest_env.tick(HALF_EIGHT_BERLIN + timedelta(minutes=1))
    assert retried.count("posted") == 1
    assert len(digest_env.posts("C0ONCDACH")) == 1
    with session_scope(digest_env.session_factory) as session:
        run = session.scalars(
            select(DigestRun).where(DigestRun.workspace_id == digest_env.workspace_id)
        ).one()
        assert run.status is RunStatus.POSTED and run.attempts == 2


def test_past_the_catch_up_window_nothing_is_posted(digest_env: DigestEnv, caplog: object) -> None:
    with caplog.at_level(logging.WARNING, logger="kam.digests"):  # type: ignore[attr-defined]
        report = digest_env.tick(NINE_BERLIN + timedelta(hours=3))  # DG-1's window just closed; DG-2's too
    assert report.count("posted") == 0 and report.count("missed") == 2
    assert digest_env.emu.calls_to("chat.postMessage") == []
    assert "past the catch-up window" in caplog.text  # type: ignore[attr-defined]
    again = digest_env.tick(NINE_BERLIN + timedelta(hours=4))
    assert again.count("missed") == 0  # recorded once, not logged on every tick
    assert sorted(s for _, _, s in runs(digest_env)) == ["missed", "missed"]


def test_downtime_within_the_window_is_caught_up_once(digest_env: DigestEnv) -> None:
    # the scheduler was down from before 08:30 until 10:29 (Berlin): both digests are late but in the window
    report = digest_env.tick(HALF_EIGHT_BERLIN + timedelta(hours=2, minutes=59))
    assert report.count("posted") == 2
    assert digest_env.tick(NINE_BERLIN + timedelta(hours=3, minutes=30)).count("posted") == 0
    assert len(digest_env.posts("C0KAMTEAM")) == 1 and len(digest_env.posts("C0ONCDACH")) == 1


def test_429_then_success_posts_once(digest_env: DigestEnv) -> None:
    digest_env.emu.rate_limit_next("chat.postMessage", retry_after=1, times=1)
    report = digest_env.tick(HALF_EIGHT_BERLIN)
    assert report.count("posted") == 1
    attempts = [c for c in digest_env.emu.calls_to("chat.postMessage")]
    assert [c.status for c in attempts] == [429, 200]
    assert len(digest_env.posts("C0ONCDACH")) == 1


def test_bot_removed_from_channel_pauses_with_reason_and_one_dm(digest_env: DigestEnv) -> None:
    digest_env.emu.update_channel("C0ONCDACH", bot_is_member=False)
    report = digest_env.tick(HALF_EIGHT_BERLIN)
    assert report.count("paused") == 1
    sub = digest_env.subscription("DG-2")
    assert sub.paused_reason == "not_in_channel" and sub.paused_at is not None
    for minutes in (1, 2, 30):  # later ticks neither retry nor tell again
        assert digest_env.tick(HALF_EIGHT_BERLIN + timedelta(minutes=minutes)).count("paused") == 0
    with session_scope(digest_env.session_factory) as session:
        from kam_core.models import OutboxMessage

        notices = session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.workspace_id == digest_env.workspace_id, OutboxMessage.method == "dm"
            )
        ).all()
        paused_events = session.scalar(
            select(func.count(AuditEvent.id)).where(
                AuditEvent.workspace_id == digest_env.workspace_id, AuditEvent.action == "paused"
            )
        )
    assert len(notices) == 1
    assert notices[0].payload["user"] == "U0ALICE"  # the demo subscriptions' creator
    assert "not a member" in notices[0].payload["text"]
    assert paused_events == 1
    assert (
        len(
            [c for c in digest_env.emu.calls_to("chat.postMessage") if c.params.get("channel") == "C0ONCDACH"]
        )
        == 1
    )
