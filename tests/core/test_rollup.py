"""Progress rollup rules (product.md §3): tasks, tactics, objectives, plans and sprints.

Every expectation is computed by hand in the comments; nothing is read back from the engine to build it.
"""

from __future__ import annotations

import gc
from datetime import timedelta

import pytest
from sqlalchemy import select

from kam_core.enums import TacticStatus, WorkStatus
from kam_core.models import Objective, Tactic
from kam_core.rollup import rollup_plans, rollup_sprints, rollup_workspace
from kam_core.services import objectives, plans, sprints, tactics
from tests.factories import TODAY, World


def percent(world: World, plan, ref: str, today=TODAY) -> float:
    return rollup_plans(world.session, world.workspace.id, [plan.id], today)[ref].percent


def test_task_statuses_count_completed_as_one_and_leave_skipped_out(world: World) -> None:
    plan = world.plan()
    tactic = world.tactic(world.objective(plan))
    world.tasks(tactic, "completed", "completed", "skipped", "not_started", "in_progress", "blocked")
    node = rollup_plans(world.session, world.workspace.id, [plan.id], TODAY)[tactic.ref]
    # counted = 6 - 1 skipped = 5; done = 2 -> 2 / 5 = 40%
    assert node.percent == pytest.approx(40.0)
    c = node.counts
    assert (c.counted, c.done, c.open, c.blocked, c.skipped) == (5, 2, 3, 1, 1)
    # world.tasks() gives due dates TODAY, TODAY+1, ... so nothing is overdue today
    assert c.overdue == 0


def test_overdue_counts_open_tasks_due_before_today(world: World) -> None:
    plan = world.plan()
    tactic = world.tactic(world.objective(plan))
    # due TODAY+0..4; statuses: completed, not_started, blocked, in_progress, skipped
    world.tasks(tactic, "completed", "not_started", "blocked", "in_progress", "skipped")
    later = TODAY + timedelta(days=3)
    node = rollup_plans(world.session, world.workspace.id, [plan.id], later)[tactic.ref]
    # open tasks due before TODAY+3: not_started (+1) and blocked (+2); in_progress is due exactly TODAY+3
    assert node.counts.overdue == 2


def test_tactic_without_counted_tasks_is_zero(world: World) -> None:
    plan = world.plan()
    objective = world.objective(plan)
    empty = world.tactic(objective, name="No tasks")
    only_skipped = world.tactic(objective, name="Only skipped")
    world.tasks(only_skipped, "skipped", "skipped")
    rollup = rollup_plans(world.session, world.workspace.id, [plan.id], TODAY)
    assert rollup[empty.ref].percent == 0.0
    assert rollup[only_skipped.ref].percent == 0.0
    assert rollup[only_skipped.ref].counts.counted == 0
    assert rollup[objective.ref].percent == 0.0


def test_completed_tactic_is_100_even_with_open_tasks(world: World) -> None:
    plan = world.plan()
    objective = world.objective(plan)
    tactic = world.tactic(objective)
    world.tasks(tactic, "not_started", "not_started", "completed")  # 1/3 by the tasks
    tactics.set_tactic_status(session=world.session, actor=world.kam, ref=tactic.ref, status="completed")
    rollup = rollup_plans(world.session, world.workspace.id, [plan.id], TODAY)
    assert rollup[tactic.ref].percent == 100.0
    assert rollup[objective.ref].percent == 100.0


def test_cancelled_tactic_is_left_out_of_its_objective(world: World) -> None:
    plan = world.plan()
    objective = world.objective(plan)
    half = world.tactic(objective, name="Half")
    world.tasks(half, "completed", "not_started")  # 50%
    cancelled = world.tactic(objective, name="Cancelled", weight=5)
    world.tasks(cancelled, "not_started", "blocked")  # 0%, but left out
    tactics.set_tactic_status(session=world.session, actor=world.kam, ref=cancelled.ref, status="cancelled")
    rollup = rollup_plans(world.session, world.workspace.id, [plan.id], TODAY)
    assert rollup[cancelled.ref].included is False
    assert rollup[cancelled.ref].excluded_reason == "cancelled"
    # only "Half" counts: 50%. Counting the cancelled one would give (50*1 + 0*5) / 6 = 8.3%
    assert rollup[objective.ref].percent == pytest.approx(50.0)
    # its tasks are left out of the objective's task counts too: only Half's 1 done + 1 open remain
    counts = rollup[objective.ref].counts
    assert (counts.counted, counts.done, counts.open, counts.blocked) == (2, 1, 1, 0)


def test_objective_is_the_weighted_mean_of_its_tactics(world: World) -> None:
    plan = world.plan()
    objective = world.objective(plan)
    heavy = world.tactic(objective, name="Heavy", weight=3)
    world.tasks(heavy, "completed", "completed")  # 100%
    light = world.tactic(objective, name="Light", weight=1)
    world.tasks(light, "completed", "not_started", "not_started", "not_started")  # 25%
    # (100 * 3 + 25 * 1) / (3 + 1) = 325 / 4 = 81.25
    assert percent(world, plan, objective.ref) == pytest.approx(81.25)


def test_completed_objective_is_100(world: World) -> None:
    plan = world.plan()
    objective = world.objective(plan)
    world.tasks(world.tactic(objective), "not_started", "not_started")  # 0% by its tactic
    objectives.set_objective_status(
        session=world.session, actor=world.kam, ref=objective.ref, status="completed"
    )
    assert percent(world, plan, objective.ref) == 100.0
    assert percent(world, plan, plan.ref) == 100.0


def test_plan_is_the_weighted_mean_and_leaves_out_cancelled_and_deferred(world: World) -> None:
    plan = world.plan()
    first = world.objective(plan, name="First", weight=2)
    world.tasks(world.tactic(first), "completed", "not_started", "not_started", "not_started")  # 25%
    second = world.objective(plan, name="Second", weight=1)
    world.tasks(world.tactic(second), "completed")  # 100%
    cancelled = world.objective(plan, name="Cancelled", weight=10)
    world.tasks(world.tactic(cancelled), "not_started")  # 0%
    deferred = world.objective(plan, name="Deferred", weight=10)
    world.tasks(world.tactic(deferred), "completed")  # 100%
    for ref, status in ((cancelled.ref, "cancelled"), (deferred.ref, "deferred")):
        objectives.set_objective_status(session=world.session, actor=world.kam, ref=ref, status=status)
    rollup = rollup_plans(world.session, world.workspace.id, [plan.id], TODAY)
    # (25 * 2 + 100 * 1) / 3 = 150 / 3 = 50
    assert rollup[plan.ref].percent == pytest.approx(50.0)
    assert rollup[cancelled.ref].included is False and rollup[deferred.ref].included is False
    assert rollup[deferred.ref].excluded_reason == "deferred"


def test_empty_objective_and_empty_plan_are_zero(world: World) -> None:
    empty_plan = world.plan(name="Empty")
    plan = world.plan(name="With an empty objective")
    objective = world.objective(plan)
    rollup = rollup_plans(world.session, world.workspace.id, [empty_plan.id, plan.id], TODAY)
    assert rollup[empty_plan.ref].percent == 0.0
    assert rollup[objective.ref].percent == 0.0
    assert rollup[plan.ref].percent == 0.0


def test_completing_a_plan_completes_its_open_objectives_and_tactics(world: World) -> None:
    plan = world.plan()
    open_objective = world.objective(plan, name="Open")
    open_tactic = world.tactic(open_objective, name="Open tactic")
    world.tasks(open_tactic, "not_started")
    cancelled_tactic = world.tactic(open_objective, name="Cancelled tactic")
    tactics.set_tactic_status(
        session=world.session, actor=world.kam, ref=cancelled_tactic.ref, status="cancelled"
    )
    deferred = world.objective(plan, name="Deferred")
    objectives.set_objective_status(
        session=world.session, actor=world.kam, ref=deferred.ref, status="deferred"
    )

    plans.set_plan_status(session=world.session, actor=world.kam, ref=plan.ref, status="completed")

    statuses = dict(
        world.session.execute(
            select(Objective.id, Objective.status).where(Objective.plan_id == plan.id)
        ).all()
    )
    assert statuses == {open_objective.id: WorkStatus.COMPLETED, deferred.id: WorkStatus.DEFERRED}
    tactic_statuses = dict(
        world.session.execute(
            select(Tactic.id, Tactic.status).where(Tactic.objective_id == open_objective.id)
        ).all()
    )
    assert tactic_statuses == {
        open_tactic.id: TacticStatus.COMPLETED,
        cancelled_tactic.id: TacticStatus.CANCELLED,
    }
    rollup = rollup_plans(world.session, world.workspace.id, [plan.id], TODAY)
    assert rollup[plan.ref].percent == 100.0
    assert rollup[open_tactic.ref].percent == 100.0  # completed tactic = 100 despite its open task
    # the records loaded in this session are not stale: reopening the objective works
    objectives.set_objective_status(
        session=world.session, actor=world.kam, ref=open_objective.ref, status="in_progress"
    )
    world.session.flush()
    assert percent(world, plan, open_objective.ref) == 100.0  # still its completed tactic


def test_sprint_is_the_mean_of_its_tactics_with_task_counts(world: World) -> None:
    sprint = sprints.create_sprint(
        session=world.session,
        actor=world.kam,
        data={
            "name": "Sprint",
            "start_date": TODAY - timedelta(days=7),
            "end_date": TODAY + timedelta(days=7),
        },
    )
    plan_a = world.plan(name="A")
    quarter = world.tactic(world.objective(plan_a), name="Quarter", weight=9, sprint=sprint.ref)
    # due TODAY+0..3: completed, blocked, not_started, in_progress -> 1/4 = 25%
    world.tasks(quarter, "completed", "blocked", "not_started", "in_progress")
    plan_b = world.plan(name="B", account="CRM-2")
    full = world.tactic(world.objective(plan_b), name="Full", sprint=sprint.ref)
    world.tasks(full, "completed", "completed", "skipped")  # 2/2 = 100%
    cancelled = world.tactic(world.objective(plan_b), name="Cancelled", sprint=sprint.ref)
    world.tasks(cancelled, "not_started")
    tactics.set_tactic_status(session=world.session, actor=world.kam, ref=cancelled.ref, status="cancelled")
    outside = world.tactic(world.objective(plan_b), name="Not in the sprint")
    world.tasks(outside, "not_started")

    later = TODAY + timedelta(days=2)
    rollup = rollup_sprints(world.session, world.workspace.id, [sprint.id], later)
    node = rollup[sprint.ref]
    # unweighted mean (weight 9 is ignored), cancelled left out: (25 + 100) / 2 = 62.5
    assert node.percent == pytest.approx(62.5)
    assert sorted(node.children) == sorted([quarter.ref, full.ref, cancelled.ref])
    c = node.counts
    # done: 1 + 2 = 3; open: 3 (Quarter); blocked: 1; overdue on TODAY+2: blocked (due +1) -> 1
    assert (c.done, c.open, c.blocked, c.overdue) == (3, 3, 1, 1)
    assert rollup_workspace(world.session, world.workspace.id, later)[sprint.ref].percent == pytest.approx(
        62.5
    )


def test_rollup_plans_scope_and_workspace_rollup_agree(world: World) -> None:
    plan_a = world.plan(name="A")
    objective = world.objective(plan_a, weight=2)
    world.tasks(world.tactic(objective), "completed", "not_started")  # 50%
    plan_b = world.plan(name="B")
    world.tasks(world.tactic(world.objective(plan_b)), "completed")  # 100%
    only_a = rollup_plans(world.session, world.workspace.id, [plan_a.id], TODAY)
    assert plan_b.ref not in only_a.nodes
    everything = rollup_workspace(world.session, world.workspace.id, TODAY)
    assert everything[plan_a.ref].percent == only_a[plan_a.ref].percent == pytest.approx(50.0)
    assert everything[plan_b.ref].percent == pytest.approx(100.0)


def test_children_keep_their_reference_order_after_updates(world: World) -> None:
    """A tree shows objectives and tactics in the order they were added, however the database stores
    them (PostgreSQL moves an updated row to the end of the table)."""
    plan = world.plan()
    first, second, third = (world.objective(plan, name=f"O{i}") for i in range(3))
    tactic_a, tactic_b = world.tactic(first, name="A"), world.tactic(first, name="B")
    for objective in (first, second):
        objectives.update_objective(
            session=world.session, actor=world.kam, ref=objective.ref, changes={"weight": 2}
        )
    tactics.update_tactic(session=world.session, actor=world.kam, ref=tactic_a.ref, changes={"weight": 2})
    world.session.flush()
    rollup = rollup_workspace(world.session, world.workspace.id, TODAY)
    assert rollup[plan.ref].children == [first.ref, second.ref, third.ref]
    assert rollup[first.ref].children == [tactic_a.ref, tactic_b.ref]


def test_a_rollup_leaves_the_garbage_collector_as_it_found_it(world: World) -> None:
    world.tasks(world.tactic(world.objective(world.plan())), "completed")
    assert gc.isenabled()
    rollup_workspace(world.session, world.workspace.id, TODAY)
    assert gc.isenabled()
    gc.disable()
    try:
        rollup_workspace(world.session, world.workspace.id, TODAY)
        assert not gc.isenabled()
    finally:
        gc.enable()
