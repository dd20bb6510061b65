"""Tenant isolation (product.md §2): no query may return or change another workspace's rows.

Workspace A holds two of every record (AP-1/AP-2, OBJ-1/OBJ-2, ...); workspace B holds one of each. So
A's AP-2, OBJ-2, TAC-2, TSK-4, SPR-2, ST-2, BO-2, DG-2 and TP-2 exist only in A. B's admin (who may do
anything in B) hands those references to every service: each must answer NotFound and write nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy.orm import Session

from kam_core.actor import Actor
from kam_core.errors import NotFound
from kam_core.refs import get_any
from kam_core.reports import show_text, why_text
from kam_core.services import (
    goals,
    objectives,
    plans,
    search,
    sprints,
    stakeholders,
    subscriptions,
    tactics,
    tasks,
)
from kam_core.views import view_for
from tests.core.support import row_counts
from tests.factories import PERIOD, TODAY, World

ONLY_IN_A = ("AP-2", "TP-2", "OBJ-2", "TAC-2", "TSK-4", "SPR-2", "ST-2", "BO-2", "DG-2")


def populate(world: World, copies: int, tag: str) -> None:
    s, kam, admin = world.session, world.kam, world.admin
    for i in range(copies):
        sprint = sprints.create_sprint(
            session=s,
            actor=kam,
            data={"name": f"{tag} sprint {i}", "start_date": TODAY, "end_date": TODAY + timedelta(days=14)},
        )
        goal = goals.create_goal(
            session=s,
            actor=admin,
            data={
                "name": f"{tag} goal {i}",
                "level": "territory",
                "territory": "Berlin",
                "period_start": PERIOD[0],
                "period_end": PERIOD[1],
                "measure": {"unit": "number", "target": 5},
            },
        )
        plan = world.plan(name=f"{tag} plan {i}")
        plans.create_territory_plan(
            session=s,
            actor=kam,
            data={
                "territory": "Berlin",
                "name": f"{tag} tplan {i}",
                "period_start": PERIOD[0],
                "period_end": PERIOD[1],
            },
        )
        objective = world.objective(plan, name=f"{tag} objective {i}", contributes_to=goal.ref)
        tactic = world.tactic(objective, name=f"{tag} tactic {i}", sprint=sprint.ref)
        world.tasks(tactic, "not_started", "in_progress")
        stakeholders.add_stakeholder(session=s, actor=kam, data={"plan": plan.ref, "contact": "C-1"})
        subscriptions.subscribe(
            session=s,
            actor=kam,
            data={
                "channel_id": "C1",
                "kind": "rollup",
                "scope_type": "plan",
                "scope": plan.ref,
                "local_time": "09:00",
                "timezone": "Europe/Berlin",
            },
        )
    s.flush()


Call = Callable[[Session, Actor], Any]


def kw(session: Session, actor: Actor) -> dict[str, Any]:
    return {"session": session, "actor": actor}


CASES: dict[str, Call] = {
    "plans.get_plan": lambda s, a: plans.get_plan(**kw(s, a), ref="AP-2"),
    "plans.get_plan territory": lambda s, a: plans.get_plan(**kw(s, a), ref="tp-2"),
    "plans.update_plan": lambda s, a: plans.update_plan(**kw(s, a), ref="AP-2", data={"name": "Hijacked"}),
    "plans.set_plan_status": lambda s, a: plans.set_plan_status(**kw(s, a), ref="AP-2", status="completed"),
    "plans.add_participant": lambda s, a: plans.add_participant(**kw(s, a), ref="AP-2", user="UKAM"),
    "plans.remove_participant": lambda s, a: plans.remove_participant(**kw(s, a), ref="AP-2", user="UKAM"),
    "objectives.add_objective": lambda s, a: objectives.add_objective(
        **kw(s, a), data={"plan": "AP-2", "name": "X"}
    ),
    "objectives.add_objective goal": lambda s, a: objectives.add_objective(
        **kw(s, a), data={"plan": "AP-1", "name": "X", "contributes_to": "BO-2"}
    ),
    "objectives.get_objective": lambda s, a: objectives.get_objective(**kw(s, a), ref="OBJ-2"),
    "objectives.update_objective": lambda s, a: objectives.update_objective(
        **kw(s, a), ref="OBJ-2", changes={"name": "X"}
    ),
    "objectives.update_objective goal": lambda s, a: objectives.update_objective(
        **kw(s, a), ref="OBJ-1", changes={"contributes_to": "BO-2"}
    ),
    "objectives.set_objective_status": lambda s, a: objectives.set_objective_status(
        **kw(s, a), ref="OBJ-2", status="completed"
    ),
    "objectives.set_objective_measure": lambda s, a: objectives.set_objective_measure(
        **kw(s, a), ref="OBJ-2", current=1, target=2
    ),
    "tactics.add_tactic": lambda s, a: tactics.add_tactic(
        **kw(s, a), data={"objective": "OBJ-2", "name": "X"}
    ),
    "tactics.add_tactic sprint": lambda s, a: tactics.add_tactic(
        **kw(s, a), data={"objective": "OBJ-1", "name": "X", "sprint": "SPR-2"}
    ),
    "tactics.get_tactic": lambda s, a: tactics.get_tactic(**kw(s, a), ref="TAC-2"),
    "tactics.set_tactic_status": lambda s, a: tactics.set_tactic_status(
        **kw(s, a), ref="TAC-2", status="cancelled"
    ),
    "tactics.set_tactic_sprint": lambda s, a: tactics.set_tactic_sprint(**kw(s, a), ref="TAC-2", sprint=None),
    "tactics.set_tactic_sprint target": lambda s, a: tactics.set_tactic_sprint(
        **kw(s, a), ref="TAC-1", sprint="SPR-2"
    ),
    "tactics.update_tactic": lambda s, a: tactics.update_tactic(
        **kw(s, a), ref="TAC-2", changes={"name": "X"}
    ),
    "tasks.add_task": lambda s, a: tasks.add_task(**kw(s, a), data={"tactic": "TAC-2", "title": "X"}),
    "tasks.add_task stakeholder": lambda s, a: tasks.add_task(
        **kw(s, a), data={"tactic": "TAC-1", "title": "X", "stakeholder": "ST-2"}
    ),
    "tasks.get_task": lambda s, a: tasks.get_task(**kw(s, a), ref="TSK-4"),
    "tasks.complete_task": lambda s, a: tasks.complete_task(**kw(s, a), ref="TSK-4"),
    "tasks.start_task": lambda s, a: tasks.start_task(**kw(s, a), ref="TSK-4"),
    "tasks.block_task": lambda s, a: tasks.block_task(**kw(s, a), ref="TSK-4", reason="x"),
    "tasks.skip_task": lambda s, a: tasks.skip_task(**kw(s, a), ref="TSK-4"),
    "tasks.reopen_task": lambda s, a: tasks.reopen_task(**kw(s, a), ref="TSK-4"),
    "tasks.assign_task": lambda s, a: tasks.assign_task(**kw(s, a), ref="TSK-4", assignee=None),
    "tasks.update_task": lambda s, a: tasks.update_task(**kw(s, a), ref="TSK-4", data={"title": "X"}),
    "tasks.update_task stakeholder": lambda s, a: tasks.update_task(
        **kw(s, a), ref="TSK-1", data={"stakeholder": "ST-2"}
    ),
    "sprints.get_sprint": lambda s, a: sprints.get_sprint(**kw(s, a), ref="SPR-2"),
    "sprints.start_sprint": lambda s, a: sprints.start_sprint(**kw(s, a), ref="SPR-2"),
    "sprints.close_sprint": lambda s, a: sprints.close_sprint(**kw(s, a), ref="SPR-2"),
    "sprints.close_sprint carry_to": lambda s, a: sprints.close_sprint(
        **kw(s, a), ref="SPR-1", carry_to="SPR-2"
    ),
    "sprints.add_tactic_to_sprint": lambda s, a: sprints.add_tactic_to_sprint(
        **kw(s, a), sprint="SPR-2", tactic="TAC-1"
    ),
    "sprints.add_tactic_to_sprint tactic": lambda s, a: sprints.add_tactic_to_sprint(
        **kw(s, a), sprint="SPR-1", tactic="TAC-2"
    ),
    "stakeholders.add_stakeholder": lambda s, a: stakeholders.add_stakeholder(
        **kw(s, a), data={"plan": "AP-2", "contact": "C-1"}
    ),
    "stakeholders.add_stakeholder objective": lambda s, a: stakeholders.add_stakeholder(
        **kw(s, a), data={"plan": "AP-1", "contact": "C-1", "objective": "OBJ-2"}
    ),
    "stakeholders.list_stakeholders": lambda s, a: stakeholders.list_stakeholders(**kw(s, a), plan="AP-2"),
    "goals.get_goal": lambda s, a: goals.get_goal(**kw(s, a), ref="BO-2"),
    "goals.set_goal_status": lambda s, a: goals.set_goal_status(**kw(s, a), ref="BO-2", status="completed"),
    "goals.set_goal_measure": lambda s, a: goals.set_goal_measure(**kw(s, a), ref="BO-2", current=3),
    "goals.create_goal parent": lambda s, a: goals.create_goal(
        **kw(s, a),
        data={
            "name": "X",
            "level": "territory",
            "parent": "BO-2",
            "period_start": PERIOD[0],
            "period_end": PERIOD[1],
        },
    ),
    "subscriptions.get_subscription": lambda s, a: subscriptions.get_subscription(**kw(s, a), ref="DG-2"),
    "subscriptions.unsubscribe": lambda s, a: subscriptions.unsubscribe(**kw(s, a), ref="DG-2"),
    "subscriptions.resume": lambda s, a: subscriptions.resume(**kw(s, a), ref="DG-2"),
    **{
        f"subscriptions.subscribe {scope}": (
            lambda s, a, scope=scope, ref=ref, kind=kind: subscriptions.subscribe(
                **kw(s, a),
                data={
                    "channel_id": "C9",
                    "kind": kind,
                    "scope_type": scope,
                    "scope": ref,
                    "local_time": "08:00",
                    "timezone": "Europe/Oslo",
                },
            )
        )
        for scope, ref, kind in (
            ("plan", "AP-2", "rollup"),
            ("sprint", "SPR-2", "sprint"),
            ("business_objective", "BO-2", "rollup"),
        )
    },
    **{
        f"views.view_for {ref}": (lambda s, a, ref=ref: view_for(s, a, ref, TODAY))
        for ref in ("AP-2", "TP-2", "OBJ-2", "TAC-2", "SPR-2", "BO-2")
    },
    **{
        f"reports.show_text {ref}": (lambda s, a, ref=ref: show_text(s, a, ref, TODAY))
        for ref in ("AP-2", "TSK-4")
    },
    **{
        f"reports.why_text {ref}": (lambda s, a, ref=ref: why_text(s, a, ref, TODAY))
        for ref in ("AP-2", "OBJ-2", "TAC-2", "SPR-2", "BO-2")
    },
}


@pytest.fixture
def two_workspaces(session: Session) -> tuple[World, World]:
    a = World.create(session)
    populate(a, 2, "Alpha")
    b = World.create(session)
    populate(b, 1, "Beta")
    return a, b


def test_the_references_exist_only_in_workspace_a(
    session: Session, two_workspaces: tuple[World, World]
) -> None:
    a, b = two_workspaces
    for ref in ONLY_IN_A:
        assert get_any(session, a.workspace.id, ref).workspace_id == a.workspace.id
        with pytest.raises(NotFound):
            get_any(session, b.workspace.id, ref)


@pytest.mark.parametrize("name", sorted(CASES))
def test_another_workspace_reference_is_not_found(
    session: Session, two_workspaces: tuple[World, World], name: str
) -> None:
    _, b = two_workspaces
    before = row_counts(session)
    with pytest.raises(NotFound) as info:
        CASES[name](session, b.admin)
    assert any(ref in info.value.message for ref in ONLY_IN_A), info.value.message
    assert row_counts(session) == before


def test_search_never_finds_another_workspace(session: Session, two_workspaces: tuple[World, World]) -> None:
    a, b = two_workspaces
    assert {h.ref for h in search.find(session=session, actor=a.admin, text="alpha")} >= {
        "AP-2",
        "OBJ-2",
        "TAC-2",
        "BO-2",
    }
    assert search.find(session=session, actor=b.admin, text="alpha") == []
    assert {h.title for h in search.find(session=session, actor=b.admin, text="plan")} == {
        "Beta plan 0",
        "Beta tplan 0",
    }
