"""Schedule risk (product.md §3): expected % = share of the period elapsed; more than 15 points behind is
at risk, more than 30 is off track; a projected finish date from the pace so far."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from kam_core.rollup import Risk, rollup_plans, rollup_workspace
from kam_core.rollup.explain import explain
from kam_core.rollup.risk import schedule
from kam_core.services import objectives, sprints
from tests.factories import TODAY, World

START = date(2026, 1, 1)
END = START + timedelta(days=100)
DAY_40 = START + timedelta(days=40)  # expected = 40 / 100 = 40%


@pytest.mark.parametrize(
    ("percent", "risk"),
    [
        (40.0, Risk.ON_TRACK),  # 0 behind
        (25.0, Risk.ON_TRACK),  # exactly 15 behind: not "more than 15"
        (24.9, Risk.AT_RISK),  # 15.1 behind
        (10.0, Risk.AT_RISK),  # exactly 30 behind: not "more than 30"
        (9.9, Risk.OFF_TRACK),  # 30.1 behind
        (0.0, Risk.OFF_TRACK),
        (90.0, Risk.ON_TRACK),  # ahead
    ],
)
def test_risk_boundaries(percent: float, risk: Risk) -> None:
    s = schedule(percent, START, END, DAY_40, done=False)
    assert s.expected == pytest.approx(40.0)
    assert s.behind == pytest.approx(40.0 - percent)
    assert s.risk is risk


def test_projected_finish_extends_the_pace_so_far() -> None:
    # 50% after 40 days -> 100% after 40 * 100 / 50 = 80 days
    assert schedule(50.0, START, END, DAY_40, done=False).projected_finish == START + timedelta(days=80)
    # 30% after 40 days -> ceil(40 * 100 / 30) = ceil(133.3) = 134 days
    assert schedule(30.0, START, END, DAY_40, done=False).projected_finish == START + timedelta(days=134)
    assert schedule(0.0, START, END, DAY_40, done=False).projected_finish is None
    assert schedule(100.0, START, END, DAY_40, done=False).projected_finish == DAY_40


def test_edges_of_the_period() -> None:
    before = schedule(0.0, START, END, START - timedelta(days=1), done=False)
    assert before.risk is Risk.NOT_STARTED and before.expected == 0.0
    after = schedule(60.0, START, END, END + timedelta(days=5), done=False)
    assert after.expected == 100.0 and after.risk is Risk.OFF_TRACK  # 40 behind
    assert schedule(10.0, START, END, DAY_40, done=True).risk is Risk.DONE
    assert schedule(10.0, None, END, DAY_40, done=False).risk is Risk.NO_DATES


def test_plan_schedule_uses_the_plan_period(world: World) -> None:
    plan = world.plan()  # 2026-01-01 .. 2026-12-31 (364 days)
    objective = world.objective(plan)
    world.tasks(world.tactic(objective), "completed", "not_started")  # 50%
    late = world.objective(plan, name="Late", start_date=date(2026, 5, 1), due_date=date(2026, 6, 11))
    world.tactic(late)  # 0% with no tasks
    rollup = rollup_plans(world.session, world.workspace.id, [plan.id], TODAY)
    node = rollup[objective.ref]
    # TODAY = 2026-06-01 is day 151 of 364: expected = 100 * 151 / 364 = 41.48%; actual 50% -> ahead
    assert node.schedule.expected == pytest.approx(100 * 151 / 364)
    assert node.schedule.risk is Risk.ON_TRACK
    # 50% after 151 days -> ceil(151 * 100 / 50) = 302 days after 2026-01-01 = 2026-10-30
    assert node.schedule.projected_finish == date(2026, 10, 30)
    # "Late" runs 2026-05-01 .. 2026-06-11 (41 days); day 31 -> expected 75.6%, actual 0 -> off track
    assert rollup[late.ref].schedule.expected == pytest.approx(100 * 31 / 41)
    assert rollup[late.ref].schedule.risk is Risk.OFF_TRACK
    text = explain(rollup, late.ref).schedule
    assert "76%" in text and "off track" in text and "no projected finish" in text


def test_done_records_have_no_risk(world: World) -> None:
    plan = world.plan()
    objective = world.objective(plan)
    sprint = sprints.create_sprint(
        session=world.session,
        actor=world.kam,
        data={"name": "S", "start_date": TODAY - timedelta(days=20), "end_date": TODAY - timedelta(days=6)},
    )
    world.tasks(world.tactic(objective, sprint=sprint.ref), "not_started")  # 0%, far behind
    sprints.close_sprint(session=world.session, actor=world.kam, ref=sprint.ref)
    objectives.set_objective_status(
        session=world.session, actor=world.kam, ref=objective.ref, status="completed"
    )
    rollup = rollup_workspace(world.session, world.workspace.id, TODAY)
    assert rollup[sprint.ref].schedule.risk is Risk.DONE  # closed
    assert rollup[objective.ref].schedule.risk is Risk.DONE  # completed
    assert rollup[plan.ref].schedule.risk is Risk.ON_TRACK  # its only objective is done: 100%
