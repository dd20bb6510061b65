"""Business-objective tree, measure rollups and `why` explanations (product.md §3)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from kam_core.reports import why_text
from kam_core.rollup import rollup_goals, rollup_plans, rollup_workspace
from kam_core.rollup.explain import explain
from kam_core.services import goals, objectives, tactics
from kam_core.views import hidden_plan_refs
from tests.factories import PERIOD, TODAY, World


def goal(
    world: World,
    name: str,
    level: str,
    parent: Any = None,
    territory: str | None = None,
    unit: str = "currency",
) -> Any:
    return goals.create_goal(
        session=world.session,
        actor=world.admin,
        data={
            "name": name,
            "level": level,
            "parent": parent.ref if parent else None,
            "territory": territory,
            "period_start": PERIOD[0],
            "period_end": PERIOD[1],
            "measure": {"unit": unit, "target": 1000, "current": 0},
        },
    )


def contributing(
    world: World,
    plan: Any,
    bo: Any,
    statuses: tuple[str, ...],
    current: int | None = None,
    unit: str = "currency",
    **extra: Any,
) -> Any:
    measure = {"unit": unit, "target": 500, "current": current} if current is not None else None
    objective = world.objective(plan, contributes_to=bo.ref, measure=measure, **extra)
    if statuses:
        world.tasks(world.tactic(objective), *statuses)
    return objective


@pytest.fixture
def tree(world: World) -> dict[str, Any]:
    g = goal(world, "Global", "global", territory="Global")
    dach = goal(world, "DACH", "affiliate", g, "DACH")
    nordics = goal(world, "Nordics", "affiliate", g, "Nordics")
    berlin = goal(world, "Berlin", "territory", dach, "Berlin")
    oslo = goal(world, "Oslo", "territory", nordics, "Oslo")
    deferred = goal(world, "Munich (deferred)", "territory", dach, "Berlin")
    goals.set_goal_status(session=world.session, actor=world.admin, ref=deferred.ref, status="deferred")
    charite = world.plan(name="Charité")
    o1 = contributing(world, charite, berlin, ("completed", "not_started"), 100)  # 50%, 100
    o2 = contributing(world, charite, berlin, ("completed",), 250)  # 100%, 250
    o3 = contributing(world, charite, berlin, ("not_started",), 999)  # 0%, cancelled below
    objectives.set_objective_status(session=world.session, actor=world.kam, ref=o3.ref, status="cancelled")
    oslo_plan = world.plan(name="OUS", account="CRM-2")
    o4 = contributing(
        world, oslo_plan, oslo, ("completed", "not_started", "not_started", "blocked", "in_progress"), 50
    )  # 1/5 = 20%, 50
    return {
        "global": g,
        "dach": dach,
        "nordics": nordics,
        "berlin": berlin,
        "oslo": oslo,
        "deferred": deferred,
        "objectives": (o1, o2, o3, o4),
    }


def test_business_objective_tree_rolls_up_level_by_level(world: World, tree: dict[str, Any]) -> None:
    rollup = rollup_goals(world.session, world.workspace.id, TODAY)
    pct = {key: rollup[tree[key].ref].percent for key in ("global", "dach", "nordics", "berlin", "oslo")}
    # Berlin: mean of its contributing objectives 50 and 100 (the cancelled one is left out) = 75
    # Oslo: its one contributor = 20; DACH = mean(Berlin) = 75 (the deferred Munich BO is left out);
    # Nordics = mean(Oslo) = 20; Global = mean(DACH, Nordics) = (75 + 20) / 2 = 47.5
    assert pct == pytest.approx({"global": 47.5, "dach": 75.0, "nordics": 20.0, "berlin": 75.0, "oslo": 20.0})
    assert rollup[tree["deferred"].ref].included is False
    everything = rollup_workspace(world.session, world.workspace.id, TODAY)
    assert everything[tree["global"].ref].percent == pytest.approx(47.5)


def test_measures_sum_for_currency(world: World, tree: dict[str, Any]) -> None:
    rollup = rollup_goals(world.session, world.workspace.id, TODAY)
    current = {
        key: rollup[tree[key].ref].measure.current for key in ("global", "dach", "nordics", "berlin", "oslo")
    }
    # Berlin = 100 + 250 (the cancelled objective's 999 is left out); Oslo = 50;
    # DACH = 350; Nordics = 50; Global = 350 + 50 = 400
    assert current == {
        "global": Decimal(400),
        "dach": Decimal(350),
        "nordics": Decimal(50),
        "berlin": Decimal(350),
        "oslo": Decimal(50),
    }
    o1, o2, _, _ = tree["objectives"]
    assert rollup[tree["berlin"].ref].measure.rolled_from == [o1.ref, o2.ref]
    # attainment of the global target 1000: 400 / 1000 = 40%
    assert rollup[tree["global"].ref].measure.attainment == pytest.approx(40.0)


def test_measures_average_for_percent_and_ignore_other_units(world: World) -> None:
    affiliate = goal(world, "Share", "affiliate", None, "DACH", unit="percent")
    first = goal(world, "Share Berlin", "territory", affiliate, "Berlin", unit="percent")
    second = goal(world, "Share Berlin 2", "territory", affiliate, "Berlin", unit="percent")
    plan = world.plan()
    contributing(world, plan, first, (), 40, unit="percent")
    contributing(world, plan, first, (), 60, unit="percent")
    contributing(world, plan, first, (), 7000, unit="number")  # another unit: not averaged in
    contributing(world, plan, second, (), 80, unit="percent")
    rollup = rollup_goals(world.session, world.workspace.id, TODAY)
    # first = mean(40, 60) = 50; second = 80; affiliate = mean(50, 80) = 65
    assert rollup[first.ref].measure.current == Decimal(50)
    assert rollup[second.ref].measure.current == Decimal(80)
    assert rollup[affiliate.ref].measure.current == Decimal(65)


def test_explanation_terms_and_arithmetic_agree_with_the_percent(world: World) -> None:
    plan = world.plan()
    objective = world.objective(plan)
    heavy = world.tactic(objective, name="Heavy", weight=3)
    world.tasks(heavy, "completed", "completed")  # 100%
    light = world.tactic(objective, name="Light")
    world.tasks(light, "completed", "not_started", "not_started", "not_started", "skipped")  # 1/4 = 25%
    dropped = world.tactic(objective, name="Dropped")
    tactics.set_tactic_status(session=world.session, actor=world.kam, ref=dropped.ref, status="cancelled")
    rollup = rollup_plans(world.session, world.workspace.id, [plan.id], TODAY)
    ex = explain(rollup, objective.ref.lower())
    counted = [(t.percent, t.weight) for t in ex.terms if t.included]
    assert sum(p * w for p, w in counted) / sum(w for _, w in counted) == pytest.approx(ex.node.percent)
    # (100 * 3 + 25 * 1) / 4 = 81.25
    assert ex.arithmetic == "(100 × 3 + 25 × 1) ÷ (3 + 1) = 81.3% → 81%"
    assert [t.note for t in ex.terms if not t.included] == ["cancelled — left out"]
    assert explain(rollup, light.ref).arithmetic == "1 completed ÷ 4 counted = 25% (1 skipped task left out)"
    assert explain(rollup, dropped.ref).arithmetic == "no counted tasks yet = 0%"
    plan_ex = explain(rollup, plan.ref)
    assert plan_ex.arithmetic.endswith("= 81.3% → 81%")


def test_completed_node_explains_the_override(world: World) -> None:
    plan = world.plan()
    objective = world.objective(plan)
    world.tasks(world.tactic(objective), "not_started")
    objectives.set_objective_status(
        session=world.session, actor=world.kam, ref=objective.ref, status="completed"
    )
    rollup = rollup_plans(world.session, world.workspace.id, [plan.id], TODAY)
    ex = explain(rollup, objective.ref)
    assert ex.node.percent == 100.0
    assert ex.arithmetic.endswith("→ completed = 100%")
    assert ex.headline.endswith("— 100%")


def test_goal_explanation_uses_the_unweighted_mean(world: World, tree: dict[str, Any]) -> None:
    rollup = rollup_goals(world.session, world.workspace.id, TODAY)
    ex = explain(rollup, tree["global"].ref)
    assert [t.ref for t in ex.terms] == [tree["dach"].ref, tree["nordics"].ref]
    # (75 + 20) / 2 = 47.5 -> "48%" (half up)
    assert ex.arithmetic == "(75 + 20) ÷ 2 = 47.5% → 48%"
    berlin = explain(rollup, tree["berlin"].ref)
    included = [t.percent for t in berlin.terms if t.included]
    assert sum(included) / len(included) == pytest.approx(berlin.node.percent) == pytest.approx(75.0)


def test_private_plan_objectives_are_hidden_in_a_goal_explanation(world: World, tree: dict[str, Any]) -> None:
    secret = world.plan(name="Secret plan", visibility="private")
    hidden = contributing(world, secret, tree["berlin"], ("completed",), name="Confidential tender price")
    rollup = rollup_goals(world.session, world.workspace.id, TODAY)
    # Berlin is now mean(50, 100, 100) = 83.3
    assert rollup[tree["berlin"].ref].percent == pytest.approx(250 / 3)
    outsider = hidden_plan_refs(world.session, world.other_kam, rollup)
    assert outsider == {secret.ref}
    assert hidden_plan_refs(world.session, world.kam, rollup) == set()
    assert hidden_plan_refs(world.session, world.admin, rollup) == set()
    terms = {t.ref: t for t in explain(rollup, tree["berlin"].ref, outsider).terms}
    assert terms[hidden.ref].hidden is True
    text = why_text(world.session, world.other_kam, tree["berlin"].ref, TODAY)
    assert "Confidential tender price" not in text
    assert "(an objective in a private plan)" in text
    assert "Confidential tender price" in why_text(world.session, world.kam, tree["berlin"].ref, TODAY)


def test_contributing_objectives_outside_the_period_still_count(world: World) -> None:
    bo = goals.create_goal(
        session=world.session,
        actor=world.admin,
        data={
            "name": "Short",
            "level": "territory",
            "territory": "Berlin",
            "period_start": date(2026, 3, 1),
            "period_end": date(2026, 3, 31),
        },
    )
    plan = world.plan()
    contributing(world, plan, bo, ("completed", "not_started", "not_started", "not_started"))  # 25%
    rollup = rollup_goals(world.session, world.workspace.id, TODAY)
    assert rollup[bo.ref].percent == pytest.approx(25.0)
    assert rollup[bo.ref].measure is None
