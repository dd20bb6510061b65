"""References (product.md §2): short, unique per workspace, numbered from 1 per prefix, case-insensitive
on input; concurrent creators never share or skip a number."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kam_core.db import session_scope
from kam_core.errors import InvalidInput, NotFound
from kam_core.models import Task
from kam_core.refs import get_any, get_by_ref, looks_like_ref, normalize_ref, parse_ref
from kam_core.services import goals, plans, sprints, tasks
from tests.core.support import rebind
from tests.factories import PERIOD, TODAY, World


def test_numbering_starts_at_one_per_prefix_and_workspace(session: Session) -> None:
    first, second = World.create(session), World.create(session)
    refs = []
    for world in (first, second):
        plan = world.plan()
        objective = world.objective(plan)
        tactic = world.tactic(objective)
        made = world.tasks(tactic, "not_started", "not_started")
        territory_plan = plans.create_territory_plan(
            session=session,
            actor=world.kam,
            data={"territory": "Berlin", "name": "TP", "period_start": PERIOD[0], "period_end": PERIOD[1]},
        )
        sprint = sprints.create_sprint(
            session=session,
            actor=world.kam,
            data={"name": "S", "start_date": TODAY, "end_date": TODAY + timedelta(days=1)},
        )
        goal = goals.create_goal(
            session=session,
            actor=world.admin,
            data={"name": "G", "level": "global", "period_start": PERIOD[0], "period_end": PERIOD[1]},
        )
        refs.append(
            [
                plan.ref,
                territory_plan.ref,
                objective.ref,
                tactic.ref,
                *(t.ref for t in made),
                sprint.ref,
                goal.ref,
                world.plan(name="Second").ref,
            ]
        )
    # account and territory plans share a table but not a counter
    expected = ["AP-1", "TP-1", "OBJ-1", "TAC-1", "TSK-1", "TSK-2", "SPR-1", "BO-1", "AP-2"]
    assert refs == [expected, expected]


@pytest.mark.parametrize("text", ["TSK-3", "tsk-3", "Tsk 3", "TSK 3", "tsk3", "  TSK-3  ", "TSK-003"])
def test_parsing_is_case_insensitive(text: str) -> None:
    assert parse_ref(text) == ("TSK", 3)
    assert normalize_ref(text) == "TSK-3"
    assert looks_like_ref(text)


@pytest.mark.parametrize(
    "text", ["", "TSK", "TSK-", "-3", "XYZ-3", "TSK-3a", "TSK--3", "T-3", "TSK-1234567890", "3-TSK", "tsk_3"]
)
def test_bad_references_are_invalid_input(text: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_ref(text, "task")
    assert "is not a reference like" in info.value.errors["task"]
    assert not looks_like_ref(text)


def test_lookup_is_case_insensitive_and_checks_the_kind(world: World) -> None:
    plan = world.plan()
    task = world.tasks(world.tactic(world.objective(plan)), "not_started")[0]
    assert get_by_ref(world.session, world.workspace.id, Task, "tsk 1") is task
    assert get_any(world.session, world.workspace.id, "ap-1") is plan
    with pytest.raises(InvalidInput) as info:
        get_by_ref(world.session, world.workspace.id, Task, "AP-1", "task")
    assert info.value.errors["task"] == "AP-1 is not a task; expected TSK-…"
    with pytest.raises(NotFound) as missing:
        get_by_ref(world.session, world.workspace.id, Task, "TSK-2", "task")
    assert missing.value.field == "task" and "TSK-2" in missing.value.message


@pytest.mark.postgres_only
def test_concurrent_creators_get_unique_gap_free_numbers(
    session_factory: sessionmaker[Session], committed_world: World
) -> None:
    world = committed_world
    tactic = world.tactic(world.objective(world.plan()))
    tactic_ref = tactic.ref
    world.session.commit()  # no task yet: the TSK counter row does not exist, so the first ones race for it
    threads_count, per_thread = 8, 5
    barrier = threading.Barrier(threads_count)
    errors: list[BaseException] = []

    def create(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            for n in range(per_thread):
                with session_scope(session_factory) as s:
                    tasks.add_task(
                        session=s,
                        actor=rebind(world.kam, s),
                        data={"tactic": tactic_ref, "title": f"thread {index} task {n}"},
                    )
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=create, args=(i,)) for i in range(threads_count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    with session_factory() as s:
        numbers = sorted(s.scalars(select(Task.number).where(Task.workspace_id == world.workspace.id)))
    assert numbers == list(range(1, threads_count * per_thread + 1))
