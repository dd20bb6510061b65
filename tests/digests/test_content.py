"""What a digest says: the same figures as `why`, changes since the last digest, and Slack's limits
respected however large the sprint (the rest continues in the thread)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.blocks.digest import ROWS_WITH_BUTTONS, messages, sparkline
from bot.blocks.limits import check_message
from kam_core.actor import Actor
from kam_core.db import session_scope
from kam_core.digests.content import RollupDigest, SprintDigest, build_digest
from kam_core.digests.runs import last_posted
from kam_core.enums import Source
from kam_core.format import pct
from kam_core.models import DigestSubscription, Member, Sprint
from kam_core.reports import why_text
from kam_core.rollup.explain import explain
from kam_core.services import tasks
from kam_core.views import view_for
from tests.digests.conftest import NINE_BERLIN, TODAY, DigestEnv


def _sub(session: object, env: DigestEnv, ref: str) -> DigestSubscription:
    number = int(ref.split("-")[1])
    return session.scalars(
        select(DigestSubscription).where(  # type: ignore[attr-defined]
            DigestSubscription.workspace_id == env.workspace_id, DigestSubscription.number == number
        )
    ).one()


def _actor(session: object, env: DigestEnv, user: str = "U0ALICE") -> Actor:
    member = session.scalars(
        select(Member).where(  # type: ignore[attr-defined]
            Member.workspace_id == env.workspace_id, Member.slack_user_id == user
        )
    ).one()
    return Actor(member, Source.COMMAND)


def test_sprint_digest_figures_equal_why(digest_env: DigestEnv) -> None:
    with session_scope(digest_env.session_factory) as session:
        digest = build_digest(session, _sub(session, digest_env, "DG-1"), TODAY, None)
        assert isinstance(digest, SprintDigest) and digest.node is not None
        view = view_for(session, _actor(session, digest_env), digest.ref, TODAY)
        explanation = explain(view.rollup, view.root.ref)
        assert digest.node.percent == view.root.percent
        assert f"→ {pct(digest.node.percent)}" in explanation.arithmetic
        assert f"— {pct(digest.node.percent)}" in why_text(
            session, _actor(session, digest_env), digest.ref, TODAY
        )
        rendered = str([card.blocks for card in messages(digest, "DG-1")])
        assert f"*{pct(digest.node.percent)}*" in rendered
        # due today and overdue rows carry a Done button each
        for row in digest.due_today + digest.overdue:
            assert f"'value': '{row.ref}'" in rendered


def test_rollup_digest_figures_equal_the_goal_rollup(digest_env: DigestEnv) -> None:
    with session_scope(digest_env.session_factory) as session:
        digest = build_digest(session, _sub(session, digest_env, "DG-2"), TODAY, None)
        assert isinstance(digest, RollupDigest)
        view = view_for(session, _actor(session, digest_env), "BO-1", TODAY)
        root = digest.rows[0]
        assert root.node.ref == "BO-1" and root.node.percent == view.root.percent
        refs = [row.node.ref for row in digest.rows]
        assert {"BO-2", "BO-3", "BO-4", "BO-5", "BO-6", "BO-7"} <= set(refs)
        for row in digest.rows:
            assert row.node.percent == view.rollup[row.node.ref].percent
        # AP-4 is private: its objective is in the tree but never named in a channel digest
        hidden = [row for row in digest.rows if row.hidden]
        assert hidden and all(row.node.parent_ref == "AP-4" for row in hidden)
        text = str([card.blocks for card in messages(digest, "DG-2")])
        assert "Tender readiness" not in text and "an objective in a private plan" in text


def test_change_since_the_last_digest(digest_env: DigestEnv) -> None:
    assert digest_env.tick(NINE_BERLIN).count("posted") == 2
    with session_scope(digest_env.session_factory) as session:
        alice = _actor(session, digest_env)
        tasks.complete_task(session=session, actor=alice, ref="TSK-4")  # in TAC-1, in SPR-1
    with session_scope(digest_env.session_factory) as session:
        sub = _sub(session, digest_env, "DG-1")
        tomorrow = TODAY + timedelta(days=3)  # Monday
        previous = last_posted(session, digest_env.workspace_id, sub.id, tomorrow)
        assert previous is not None and previous.local_date == TODAY
        digest = build_digest(session, sub, tomorrow, previous)
        assert isinstance(digest, SprintDigest) and digest.change is not None
        before = previous.figures["percent"][digest.ref]  # type: ignore[index]
        assert digest.change == digest.node.percent - before  # type: ignore[union-attr]
        assert digest.change > 0
        assert digest.since == "since Fri 4 Dec"
        assert any(row.ref == "TSK-4" for row in digest.done_since)


def test_a_large_sprint_digest_continues_in_the_thread(digest_env: DigestEnv) -> None:
    with session_scope(digest_env.session_factory) as session:
        bob = _actor(session, digest_env, "U0BOB")
        for i in range(70):
            tasks.add_task(
                session=session,
                actor=bob,
                data={
                    "tactic": "TAC-1",
                    "title": f"Follow-up call {i} <!channel>",
                    "assignee": "U0BOB",
                    "due_date": TODAY if i % 2 else TODAY - timedelta(days=1 + i % 5),
                },
            )
    with session_scope(digest_env.session_factory) as session:
        digest = build_digest(session, _sub(session, digest_env, "DG-1"), TODAY, None)
    cards = messages(digest, "DG-1")
    assert len(cards) >= 2
    for card in cards:
        assert check_message(card.blocks, card.text) == []
    everything = str([card.blocks for card in cards])
    assert "<!channel>" not in everything and "&lt;!channel&gt;" in everything
    with_buttons = min(len(digest.due_today), ROWS_WITH_BUTTONS) + min(len(digest.overdue), ROWS_WITH_BUTTONS)
    assert everything.count("'action_id': 'task_done'") == with_buttons
    assert f"+{len(digest.due_today) - ROWS_WITH_BUTTONS} more due today" in everything
    report = digest_env.tick(NINE_BERLIN)
    sprint_posts = digest_env.posts("C0KAMTEAM")
    assert len(sprint_posts) == len(cards)
    first_ts = sprint_posts[0].response["ts"]  # type: ignore[attr-defined]
    assert all(p.params.get("thread_ts") == first_ts for p in sprint_posts[1:])  # type: ignore[attr-defined]
    assert report.count("posted") == 2


def test_burndown_uses_daily_snapshots(digest_env: DigestEnv) -> None:
    from kam_core.digests.snapshots import take_snapshots

    with session_scope(digest_env.session_factory) as session:
        sprint = session.scalars(
            select(Sprint).where(Sprint.workspace_id == digest_env.workspace_id, Sprint.number == 1)
        ).one()
        for back in (3, 2, 1):
            assert take_snapshots(session, digest_env.workspace_id, TODAY - timedelta(days=back)) > 0
        assert take_snapshots(session, digest_env.workspace_id, TODAY - timedelta(days=1)) == 0  # once a day
        digest = build_digest(session, _sub(session, digest_env, "DG-1"), TODAY, None)
    assert isinstance(digest, SprintDigest)
    assert len(digest.burndown) == 4  # three snapshot days and today
    assert digest.burndown[-1] == digest.node.counts.open  # type: ignore[union-attr]
    assert len(digest.ideal) == (sprint.end_date - sprint.start_date).days + 1
    assert sparkline([4.0, 2.0, 0.0]) == "█▅▁"
