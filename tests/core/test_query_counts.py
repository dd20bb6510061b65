"""Set-based reads (product.md §3, "no query per child"): the number of SQL statements behind a rollup or a
view does not grow with the data. A small workspace built through the services is compared with one
about ten times larger, bulk-inserted."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kam_core.enums import TaskStatus
from kam_core.rollup import rollup_plans, rollup_workspace
from kam_core.services import goals, sprints, tasks
from kam_core.views import my_tasks, plan_view
from tests.core.support import bulk_plan, rebind
from tests.factories import PERIOD, TODAY, QueryCounter, World


def small_world(session: Session) -> tuple[World, Any, Any]:
    world = World.create(session)
    sprint = sprints.create_sprint(
        session=session,
        actor=world.kam,
        data={"name": "S", "start_date": TODAY - timedelta(days=3), "end_date": TODAY + timedelta(days=10)},
    )
    bo = goals.create_goal(
        session=session,
        actor=world.admin,
        data={
            "name": "BO",
            "level": "territory",
            "territory": "Berlin",
            "period_start": PERIOD[0],
            "period_end": PERIOD[1],
        },
    )
    plan = world.plan()
    for i in range(2):
        objective = world.objective(plan, name=f"O{i}", contributes_to=bo.ref)
        for j in range(2):
            tactic = world.tactic(objective, name=f"T{i}{j}", sprint=sprint.ref if j == 0 else None)
            for task in world.tasks(tactic, "completed", "not_started", "blocked"):
                if task.status.is_open:
                    tasks.assign_task(session=session, actor=world.kam, ref=task.ref, assignee=None)
    world.plan(name="Other plan", account="CRM-2")
    session.flush()
    return world, plan, sprint


def large_world(session: Session) -> tuple[World, Any, int]:
    world = World.create(session)
    sprint = sprints.create_sprint(
        session=session,
        actor=world.kam,
        data={"name": "S", "start_date": TODAY - timedelta(days=3), "end_date": TODAY + timedelta(days=10)},
    )
    bo = goals.create_goal(
        session=session,
        actor=world.admin,
        data={
            "name": "BO",
            "level": "territory",
            "territory": "Berlin",
            "period_start": PERIOD[0],
            "period_end": PERIOD[1],
        },
    )
    session.flush()
    account_id = world.plan().account_id  # an (empty) service-made plan, for the account id
    common = {
        "workspace_id": world.workspace.id,
        "owner_id": world.kam.id,
        "account_id": account_id,
        "period": PERIOD,
        "sprint_id": sprint.id,
        "goal_id": bo.id,
    }
    # 6 objectives x 4 tactics x 10 tasks = 240 tasks (the small plan has 12)
    plan = bulk_plan(session, objectives=6, tactics=4, tasks=10, **common)
    for _ in range(3):
        bulk_plan(session, objectives=3, tactics=4, tasks=5, **common)
    session.flush()
    return world, plan, 240


def test_large_dataset_is_about_ten_times_larger(session: Session) -> None:
    _, small_plan, _ = small_world(session)
    _, large_plan, expected = large_world(session)
    small = rollup_plans(session, small_plan.workspace_id, [small_plan.id], TODAY)
    large = rollup_plans(session, large_plan.workspace_id, [large_plan.id], TODAY)
    assert small[small_plan.ref].counts.counted == 12
    # 240 tasks; the 4th tactic of each objective is cancelled and left out: 6 x 3 x 10 = 180 remain
    counts = large[large_plan.ref].counts
    assert counts.counted + counts.skipped == 180 == expected * 3 // 4


@pytest.mark.parametrize("scope", ["plan", "workspace"])
def test_rollup_query_count_does_not_grow(engine: Engine, session: Session, scope: str) -> None:
    small_w, small_plan, _ = small_world(session)
    large_w, large_plan, _ = large_world(session)
    session.flush()
    queries, sizes = [], []
    for workspace_id, plan_id in (
        (small_w.workspace.id, small_plan.id),
        (large_w.workspace.id, large_plan.id),
    ):
        with QueryCounter(engine) as counter:
            if scope == "plan":
                rollup = rollup_plans(session, workspace_id, [plan_id], TODAY)
            else:
                rollup = rollup_workspace(session, workspace_id, TODAY)
        queries.append(counter.count)
        sizes.append(sum(n.counts.counted + n.counts.skipped for n in rollup.of_kind("plan")))
    assert sizes[1] >= 10 * sizes[0]  # tasks counted: 12 vs 180 (plan) or 315 (workspace)
    assert queries[0] == queries[1]
    # plans, objectives, tactics, task counts (+ sprints and business objectives for the workspace)
    assert queries[1] <= (4 if scope == "plan" else 6)


def test_plan_view_and_my_tasks_query_counts_do_not_grow(engine: Engine, session: Session) -> None:
    small_w, small_plan, _ = small_world(session)
    large_w, large_plan, large_tasks = large_world(session)
    small_ref, large_ref = small_plan.ref, large_plan.ref
    results: dict[str, dict[str, tuple[int, Any]]] = {}
    for name, world, ref in (("small", small_w, small_ref), ("large", large_w, large_ref)):
        session.flush()
        session.expunge_all()
        actor = rebind(world.kam, session)
        results[name] = {
            "plan_view": count_bound(engine, lambda a=actor, r=ref: plan_view(session, a, r, TODAY)),
            "my_tasks": count_bound(engine, lambda a=actor: my_tasks(session, a, TODAY)),
        }
    small_view, large_view = results["small"]["plan_view"][1], results["large"]["plan_view"][1]
    assert len(large_view.all_tasks()) == large_tasks > 10 * len(small_view.all_tasks())
    assert len(results["large"]["my_tasks"][1]) > 10 * len(results["small"]["my_tasks"][1]) > 0
    for view in ("plan_view", "my_tasks"):
        assert results["small"][view][0] == results["large"][view][0], view
    # rendering the rows touches no lazy relationship
    with QueryCounter(engine) as counter:
        names = {row.assignee.display for row in large_view.all_tasks() if row.assignee is not None}
        finished = [row.completed_by for row in large_view.all_tasks() if row.status is TaskStatus.COMPLETED]
    assert names == {"Kim Kam"}
    assert counter.count == 0
    assert finished and all(m is None for m in finished)  # bulk rows carry no completed_by


def count_bound(engine: Engine, work: Callable[[], Any]) -> tuple[int, Any]:
    """Statements run by `work`; the caller empties the identity map first, so that lazy loads cannot
    hide behind cached objects."""
    with QueryCounter(engine) as counter:
        result = work()
    return counter.count, result
