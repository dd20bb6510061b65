"""What the tick does besides digests: the daily snapshot of every workspace (subscribed or not, each on
its own), and pruning of old processed-request keys in bounded batches."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from kam_core.db import session_scope
from kam_core.demo import seed_demo
from kam_core.digests import housekeeping
from kam_core.digests.jobs import TickOptions
from kam_core.digests.tick import run_tick
from kam_core.models import DigestSubscription, ProcessedRequest, Snapshot, Workspace
from tests.digests.conftest import NINE_BERLIN, TODAY, DigestEnv


def snapshot_days(factory: sessionmaker[Session], workspace_id: int) -> dict[object, int]:
    with session_scope(factory) as session:
        rows = session.execute(
            select(Snapshot.day, func.count(Snapshot.id))
            .where(Snapshot.workspace_id == workspace_id)
            .group_by(Snapshot.day)
        )
        return {day: n for day, n in rows}


def another_workspace(factory: sessionmaker[Session]) -> int:
    team_id = "T" + secrets.token_hex(5).upper()
    with session_scope(factory) as session:
        seed_demo(session, team_id=team_id, today=TODAY)
        return session.scalars(select(Workspace.id).where(Workspace.team_id == team_id)).one()


def test_a_workspace_without_subscriptions_gets_its_daily_snapshot(digest_env: DigestEnv) -> None:
    with session_scope(digest_env.session_factory) as session:
        session.execute(
            update(DigestSubscription)
            .where(DigestSubscription.workspace_id == digest_env.workspace_id)
            .values(active=False)
        )
    late = datetime(2026, 12, 4, 23, 30, tzinfo=UTC)  # already Dec 5 in Berlin: the UTC day counts
    report = digest_env.tick(late)
    assert report.lines == []
    days = snapshot_days(digest_env.session_factory, digest_env.workspace_id)
    assert list(days) == [late.date()] and days[late.date()] > 10
    digest_env.tick(late + timedelta(minutes=1))  # once a day
    assert snapshot_days(digest_env.session_factory, digest_env.workspace_id) == days


def test_a_failing_workspace_does_not_stop_the_others_snapshots(
    digest_env: DigestEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    factory = digest_env.session_factory
    other = another_workspace(factory)
    real = housekeeping.rollup_workspace

    def broken(session: Session, workspace_id: int, day: object) -> object:
        if workspace_id == digest_env.workspace_id:
            raise RuntimeError("boom")
        return real(session, workspace_id, day)  # type: ignore[arg-type]

    monkeypatch.setattr(housekeeping, "rollup_workspace", broken)
    options = TickOptions(workspace_ids={digest_env.workspace_id, other})
    run_tick(factory, digest_env.publisher, NINE_BERLIN - timedelta(hours=3), options)
    assert snapshot_days(factory, digest_env.workspace_id) == {}
    assert list(snapshot_days(factory, other)) == [TODAY]
    monkeypatch.setattr(housekeeping, "rollup_workspace", real)
    assert housekeeping.take_daily_snapshots(factory, NINE_BERLIN, {digest_env.workspace_id, other}) > 0
    assert list(snapshot_days(factory, digest_env.workspace_id)) == [TODAY]


def keys(factory: sessionmaker[Session], workspace_id: int) -> list[str]:
    with session_scope(factory) as session:
        stmt = select(ProcessedRequest.key).where(ProcessedRequest.workspace_id == workspace_id)
        return sorted(session.scalars(stmt))


def test_old_processed_request_keys_are_pruned(
    digest_env: DigestEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, factory = digest_env.workspace_id, digest_env.session_factory
    ages = {"old-1": 3, "old-2": 50, "old-3": 4, "recent": 1}  # days before the tick
    with session_scope(factory) as session:
        for key, days in ages.items():
            session.add(
                ProcessedRequest(workspace_id=ws, key=key, created_at=NINE_BERLIN - timedelta(days=days))
            )
        session.add(
            ProcessedRequest(workspace_id=ws, key="fresh", created_at=NINE_BERLIN - timedelta(hours=1))
        )
    digest_env.tick(NINE_BERLIN)
    assert keys(factory, ws) == ["fresh", "recent"]
    # bounded: one batch per tick
    with session_scope(factory) as session:
        for n in range(5):
            session.add(
                ProcessedRequest(
                    workspace_id=ws, key=f"older-{n}", created_at=NINE_BERLIN - timedelta(days=9)
                )
            )
    monkeypatch.setattr(housekeeping, "PRUNE_BATCH", 2)
    assert housekeeping.prune_processed_requests(factory, NINE_BERLIN, {ws}) == 2
    assert len(keys(factory, ws)) == 5
    assert housekeeping.prune_processed_requests(factory, NINE_BERLIN, None) == 2  # every workspace
    assert housekeeping.prune_processed_requests(factory, NINE_BERLIN, {ws}) == 1
    assert keys(factory, ws) == ["fresh", "recent"]
