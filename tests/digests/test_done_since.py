"""A sprint digest's "done since" window ends where it was built, and the next digest's starts there: each
completed task is counted in exactly one digest, however late after its tick a digest is built."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from kam_core.actor import Actor
from kam_core.db import session_scope
from kam_core.digests.content import SprintDigest, build_digest
from kam_core.digests.runs import last_posted
from kam_core.enums import Source
from kam_core.models import DigestSubscription, Member
from kam_core.services import tasks
from tests.digests.conftest import NINE_BERLIN, TODAY, DigestEnv


def _sprint_digest(env: DigestEnv, day: object) -> SprintDigest:
    with session_scope(env.session_factory) as session:
        sub = session.scalars(
            select(DigestSubscription).where(
                DigestSubscription.workspace_id == env.workspace_id, DigestSubscription.number == 1
            )
        ).one()
        previous = last_posted(session, env.workspace_id, sub.id, day)  # type: ignore[arg-type]
        digest = build_digest(session, sub, day, previous)  # type: ignore[arg-type]
    assert isinstance(digest, SprintDigest)
    return digest


def test_a_task_done_after_the_tick_instant_is_counted_once(digest_env: DigestEnv) -> None:
    with session_scope(digest_env.session_factory) as session:
        alice = session.scalars(
            select(Member).where(
                Member.workspace_id == digest_env.workspace_id, Member.slack_user_id == "U0ALICE"
            )
        ).one()
        # done after 09:00 (the tick instant of today's digest), before the digest is built
        tasks.complete_task(session=session, actor=Actor(alice, Source.COMMAND), ref="TSK-4")
    assert digest_env.tick(NINE_BERLIN).count("posted") == 2  # built now, well after its tick instant
    today = _sprint_digest(digest_env, TODAY)
    assert "TSK-4" in [row.ref for row in today.done_since]  # (what today's posted digest said)
    monday = _sprint_digest(digest_env, TODAY + timedelta(days=3))
    assert "TSK-4" not in [row.ref for row in monday.done_since]
    assert monday.built_at is not None and today.built_at is not None
