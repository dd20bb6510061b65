"""Optimistic locking on PostgreSQL: two people change the same task at the same moment. Both read it
before either writes; exactly one commits, the other gets a Conflict and nothing of theirs is saved."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kam_core.db import session_scope
from kam_core.enums import TaskStatus
from kam_core.errors import Conflict
from kam_core.models import AuditEvent, Task
from kam_core.services import plans, tasks
from tests.core.support import rebind
from tests.factories import World

pytestmark = pytest.mark.postgres_only


def race(
    session_factory: sessionmaker[Session], world: World, ref: str, moves: dict[str, Callable[..., Any]]
) -> dict[str, str]:
    """Run each move in its own thread and session; all load the task, wait at a barrier, then write."""
    barrier = threading.Barrier(len(moves))
    outcome: dict[str, str] = {}

    def run(name: str, move: Callable[..., Any]) -> None:
        try:
            with session_scope(session_factory) as s:
                actor = rebind(world.kam, s)
                s.scalars(select(Task).where(Task.workspace_id == world.workspace.id, Task.number == 1)).one()
                barrier.wait(timeout=10)
                move(session=s, actor=actor, ref=ref)
            outcome[name] = "committed"
        except Conflict as conflict:
            outcome[name] = f"conflict: {conflict.message}"
        except BaseException as error:  # anything else fails the test below
            outcome[name] = f"error: {error!r}"

    threads = [threading.Thread(target=run, args=item) for item in moves.items()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcome


@pytest.fixture
def task_ref(committed_world: World) -> str:
    world = committed_world
    plan = world.plan()
    task = world.tasks(world.tactic(world.objective(plan)), "not_started")[0]
    plans.add_participant(session=world.session, actor=world.kam, ref=plan.ref, user="UOTHER")
    world.session.commit()
    assert task.ref == "TSK-1" and task.version == 1
    return task.ref


def final_state(session_factory: sessionmaker[Session], world: World) -> tuple[Task, list[str]]:
    with session_factory() as s:
        task = s.scalars(select(Task).where(Task.workspace_id == world.workspace.id, Task.number == 1)).one()
        actions = list(
            s.scalars(
                select(AuditEvent.action)
                .where(
                    AuditEvent.workspace_id == world.workspace.id,
                    AuditEvent.record_type == "tasks",
                    AuditEvent.record_id == task.id,
                )
                .order_by(AuditEvent.id)
            )
        )
        s.expunge(task)
    return task, actions


def test_complete_and_block_at_once_exactly_one_wins(
    session_factory: sessionmaker[Session], committed_world: World, task_ref: str
) -> None:
    outcome = race(
        session_factory,
        committed_world,
        task_ref,
        {
            "complete": tasks.complete_task,
            "block": lambda **kw: tasks.block_task(reason="Waiting for pharmacy", **kw),
        },
    )
    assert sorted(v.split(":")[0] for v in outcome.values()) == ["committed", "conflict"], outcome
    winner = next(name for name, result in outcome.items() if result == "committed")
    loser = next(name for name, result in outcome.items() if result != "committed")
    # session_scope turned the loser's StaleDataError (its UPDATE matched no row) into a Conflict
    assert "changed by someone else at the same moment" in outcome[loser]
    assert "Nothing was saved" in outcome[loser]
    task, actions = final_state(session_factory, committed_world)
    if winner == "complete":
        assert task.status is TaskStatus.COMPLETED and task.blocked_reason is None
        assert actions == ["created", "completed"]
    else:
        assert task.status is TaskStatus.BLOCKED and task.blocked_reason == "Waiting for pharmacy"
        assert task.completed_at is None
        assert actions == ["created", "blocked"]
    assert task.version == 2  # incremented once: the loser's update matched no row


def test_assign_and_start_at_once_exactly_one_wins(
    session_factory: sessionmaker[Session], committed_world: World, task_ref: str
) -> None:
    outcome = race(
        session_factory,
        committed_world,
        task_ref,
        {
            "assign": lambda **kw: tasks.assign_task(assignee="UOTHER", **kw),
            "start": tasks.start_task,
        },
    )
    assert sorted(v.split(":")[0] for v in outcome.values()) == ["committed", "conflict"], outcome
    task, actions = final_state(session_factory, committed_world)
    assert task.version == 2
    if outcome["assign"] == "committed":
        assert task.assignee_id == committed_world.other_kam.id and task.status is TaskStatus.NOT_STARTED
        assert actions == ["created", "assigned"]
    else:
        assert task.assignee_id is None and task.status is TaskStatus.IN_PROGRESS
        assert actions == ["created", "started"]


def test_a_stale_version_from_a_form_is_refused(
    session_factory: sessionmaker[Session], committed_world: World, task_ref: str
) -> None:
    """The Slack buttons carry the version they showed; a click on an outdated message is refused."""
    with session_scope(session_factory) as s:
        tasks.start_task(session=s, actor=rebind(committed_world.kam, s), ref=task_ref, expected_version=1)
    with pytest.raises(Conflict) as info, session_scope(session_factory) as s:
        tasks.complete_task(session=s, actor=rebind(committed_world.kam, s), ref=task_ref, expected_version=1)
    assert "version 2, you saw 1" in info.value.message
    task, actions = final_state(session_factory, committed_world)
    assert task.status is TaskStatus.IN_PROGRESS and task.version == 2
    assert actions == ["created", "started"]
