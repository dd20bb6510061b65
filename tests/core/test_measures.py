"""Measures roll up like with like, and objectives serve territory-level business objectives (§3)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kam_core.errors import InvalidInput
from kam_core.rollup import rollup_goals
from kam_core.rollup.explain import explain
from kam_core.services import goals
from tests.factories import PERIOD, TODAY, World


def _goal(
    world: World, name: str, level: str, territory: str, parent: str | None = None, currency: str = "EUR"
):
    return goals.create_goal(
        session=world.session,
        actor=world.admin,
        data={
            "name": name,
            "level": level,
            "territory": territory,
            "parent": parent,
            "period_start": PERIOD[0],
            "period_end": PERIOD[1],
            "measure": {"unit": "currency", "target": 1_000_000, "currency": currency},
        },
    )


def _serving(world: World, goal_ref: str, current: int, currency: str) -> object:
    plan = world.plan(name=f"Plan {currency}")
    return world.objective(
        plan,
        contributes_to=goal_ref,
        measure={"unit": "currency", "target": 500_000, "current": current, "currency": currency},
    )


def test_currency_measures_only_add_up_in_the_same_currency(world: World) -> None:
    berlin = _goal(world, "Berlin", "territory", "Berlin", currency="EUR")
    eur = _serving(world, berlin.ref, 400_000, "EUR")
    yen = _serving(world, berlin.ref, 400_000, "JPY")
    rollup = rollup_goals(world.session, world.workspace.id, TODAY)
    measure = rollup[berlin.ref].measure
    assert measure is not None
    assert measure.current == Decimal(400_000)  # the EUR objective only, never EUR + JPY
    assert measure.rolled_from == [eur.ref] and measure.not_comparable == [yen.ref]
    text = explain(rollup, berlin.ref).measure
    assert "€400k of €1M (40%)" in text and f"another unit or currency: {yen.ref}" in text


def test_objectives_serve_territory_level_goals_only(world: World) -> None:
    global_goal = _goal(world, "Global", "global", "Global")
    affiliate = _goal(world, "DACH", "affiliate", "DACH", parent=global_goal.ref)
    plan = world.plan()
    with pytest.raises(InvalidInput) as refused:
        world.objective(plan, contributes_to=affiliate.ref)
    assert "territory-level" in refused.value.errors["contributes_to"]
    territory = _goal(world, "Berlin", "territory", "Berlin", parent=affiliate.ref)
    objective = world.objective(plan, contributes_to=territory.ref)
    assert objective.contributes_to_id == territory.id
