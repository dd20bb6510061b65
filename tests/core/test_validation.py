"""Bad input answers InvalidInput naming the field (so a modal shows the error under it) and writes
nothing, even when the caller goes on to commit its unit of work (a modal that shows field errors is a
handled request, not a failed one)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from kam_core.actor import Actor
from kam_core.errors import InvalidInput, NotFound
from kam_core.services import (
    goals,
    objectives,
    plans,
    reference,
    sprints,
    subscriptions,
    tactics,
    tasks,
    workspaces,
)
from tests.core.support import rebind, row_counts
from tests.factories import PERIOD, World

OUTSIDE = date(2027, 2, 1)  # after the plan period (2026)
Call = Callable[[Session, Actor], Any]


@pytest.fixture
def world(committed_world: World) -> Iterator[World]:
    """AP-1 > OBJ-1 > TAC-1 > TSK-1 (not started), TSK-2 (completed), TSK-3 (skipped); TAC-2 completed;
    BO-1 global. All committed."""
    w = committed_world
    plan = w.plan()
    objective = w.objective(plan)
    w.tasks(w.tactic(objective), "not_started", "completed", "skipped")
    done = w.tactic(objective, name="Done")
    tactics.set_tactic_status(session=w.session, actor=w.kam, ref=done.ref, status="completed")
    goals.create_goal(
        session=w.session,
        actor=w.admin,
        data={"name": "Global", "level": "global", "period_start": PERIOD[0], "period_end": PERIOD[1]},
    )
    w.session.commit()
    yield w


def plan_data(**extra: Any) -> dict[str, Any]:
    return {"account": "CRM-1", "name": "P", "period_start": PERIOD[0], "period_end": PERIOD[1], **extra}


def kw(s: Session, a: Actor) -> dict[str, Any]:
    return {"session": s, "actor": a}


def sub(**extra: Any) -> Call:
    data = {
        "channel_id": "C1",
        "kind": "rollup",
        "scope_type": "plan",
        "scope": "AP-1",
        "local_time": "09:00",
    }
    data = {**data, "timezone": "Europe/Berlin", **extra}
    return lambda s, a: subscriptions.subscribe(**kw(s, a), data=data)


def new_plan(**extra: Any) -> Call:
    return lambda s, a: plans.create_account_plan(**kw(s, a), data=plan_data(**extra))


def edit_plan(**data: Any) -> Call:
    return lambda s, a: plans.update_plan(**kw(s, a), ref="AP-1", data=data)


def new_objective(**data: Any) -> Call:
    return lambda s, a: objectives.add_objective(**kw(s, a), data={"plan": "AP-1", "name": "O", **data})


def edit_objective(**changes: Any) -> Call:
    return lambda s, a: objectives.update_objective(**kw(s, a), ref="OBJ-1", changes=changes)


def measure(current: Any, target: Any = None) -> Call:
    return lambda s, a: objectives.set_objective_measure(
        **kw(s, a), ref="OBJ-1", current=current, target=target
    )


def new_tactic(**data: Any) -> Call:
    return lambda s, a: tactics.add_tactic(**kw(s, a), data={"objective": "OBJ-1", "name": "T", **data})


def edit_tactic(**changes: Any) -> Call:
    return lambda s, a: tactics.update_tactic(**kw(s, a), ref="TAC-1", changes=changes)


def new_task(**data: Any) -> Call:
    return lambda s, a: tasks.add_task(**kw(s, a), data={"tactic": "TAC-1", "title": "T", **data})


def new_goal(**data: Any) -> Call:
    base = {
        "name": "G",
        "level": "affiliate",
        "parent": "BO-1",
        "period_start": PERIOD[0],
        "period_end": PERIOD[1],
    }
    return lambda s, a: goals.create_goal(**kw(s, a), data={**base, **data})


MAY = (date(2026, 5, 1), date(2026, 4, 1))  # a start and a due date before it
TERRITORY_PLAN = {"territory": "Berlin", "name": "TP", "period_start": PERIOD[0], "period_end": PERIOD[1]}

KAM_CASES: dict[str, tuple[Call, str]] = {
    "plan empty name": (new_plan(name="  "), "name"),
    "plan end before start": (new_plan(period_end=date(2025, 12, 1)), "period_end"),
    "plan bad owner": (new_plan(owner="bob"), "owner"),
    "plan unknown field": (new_plan(colour="red"), "colour"),
    "plan with a malformed participant": (new_plan(participants=["UOTHER", "bob smith"]), "participants"),
    "plan with a bot as participant": (new_plan(participants=["USLACKBOT"]), "participants"),
    "territory plan with a bot as participant": (
        lambda s, a: plans.create_territory_plan(
            **kw(s, a), data={**TERRITORY_PLAN, "participants": ["B0BOT"]}
        ),
        "participants",
    ),
    "plan update end before start": (edit_plan(period_end=date(2025, 6, 1)), "period_end"),
    "plan update new owner and bad period": (
        edit_plan(owner="UNEWOWNER", name="Changed", period_end=date(2025, 6, 1)),
        "period_end",
    ),
    "objective due outside the plan": (new_objective(due_date=OUTSIDE), "due_date"),
    "objective due before start": (new_objective(start_date=MAY[0], due_date=MAY[1]), "due_date"),
    "objective weight zero": (new_objective(weight=0), "weight"),
    "objective weight too big": (new_objective(weight=101), "weight"),
    "objective weight not a number": (new_objective(weight="heavy"), "weight"),
    "objective malformed plan ref": (new_objective(plan="XYZ-1"), "plan"),
    "objective plan ref of another kind": (new_objective(plan="TSK-1"), "plan"),
    "objective update bad weight": (edit_objective(weight=-1), "weight"),
    "objective update unknown field": (edit_objective(status="completed"), "status"),
    "objective update with a bot owner": (edit_objective(name="Renamed", owner="USLACKBOT"), "owner"),
    "objective measure negative": (measure("-5", 10), "current"),
    "objective measure not a number": (measure("lots", 10), "current"),
    "objective measure without target": (measure(3), "target"),
    "tactic without a name": (new_tactic(name=None), "name"),
    "tactic malformed objective": (new_tactic(objective="objective one"), "objective"),
    "tactic due outside the plan": (new_tactic(due_date=OUTSIDE), "due_date"),
    "tactic update bad weight": (edit_tactic(weight=0), "weight"),
    "tactic update with a bot owner": (edit_tactic(name="Renamed", owner="USLACKBOT"), "owner"),
    "task empty title": (new_task(title=" "), "title"),
    "task due outside the plan": (new_task(due_date=OUTSIDE), "due_date"),
    "task bad date": (new_task(due_date="next week"), "due_date"),
    "task bad assignee": (new_task(assignee="not a user"), "assignee"),
    "task assigned to a bot": (new_task(assignee="USLACKBOT"), "assignee"),
    "task on a completed tactic": (new_task(tactic="TAC-2"), "tactic"),
    "task update due outside": (
        lambda s, a: tasks.update_task(**kw(s, a), ref="TSK-1", data={"due_date": OUTSIDE}),
        "due_date",
    ),
    "complete a skipped task": (lambda s, a: tasks.complete_task(**kw(s, a), ref="TSK-3"), "status"),
    "block with a too long reason": (
        lambda s, a: tasks.block_task(**kw(s, a), ref="TSK-1", reason="x" * 301),
        "reason",
    ),
    "reassign a completed task to a new person": (
        lambda s, a: tasks.assign_task(**kw(s, a), ref="TSK-2", assignee="UNEWBIE"),
        "assignee",
    ),
    "sprint ends before it starts": (
        lambda s, a: sprints.create_sprint(
            **kw(s, a), data={"name": "S", "start_date": MAY[0], "end_date": MAY[1]}
        ),
        "end_date",
    ),
    "subscription bad time": (sub(local_time="25:00"), "local_time"),
    "subscription bad zone": (sub(timezone="Mars/Olympus"), "timezone"),
    "subscription bad weekday": (sub(weekdays=[7]), "weekdays"),
    "subscription sprint digest of a plan": (sub(kind="sprint"), "scope_type"),
}

ADMIN_CASES: dict[str, tuple[Call, str]] = {
    "goal under a goal of the wrong level": (new_goal(level="territory"), "parent"),
    "goal outside its parent's period": (new_goal(period_end=OUTSIDE), "period_end"),
    "goal bad measure": (new_goal(measure={"unit": "furlongs", "target": 3}), "measure"),
    "territory empty name": (
        lambda s, a: reference.create_territory(**kw(s, a), name=" ", level="global"),
        "name",
    ),
    "territory without a parent": (
        lambda s, a: reference.create_territory(**kw(s, a), name="Lonely", level="territory"),
        "parent",
    ),
    "bad role": (lambda s, a: workspaces.grant_role(**kw(s, a), slack_user_id="UKAM", role="boss"), "role"),
}


def attempt(factory: sessionmaker[Session], world: World, actor: Actor, call: Call) -> Exception:
    """Run `call` in a fresh session, expect a domain error, then commit that session anyway."""
    session = factory()
    try:
        with pytest.raises((InvalidInput, NotFound)) as info:
            call(session, rebind(actor, session))
        session.commit()
    finally:
        session.close()
    return info.value


def counts(factory: sessionmaker[Session], world: World) -> dict[str, Any]:
    with factory() as session:
        return row_counts(session, world.workspace.id)


@pytest.mark.parametrize("name", sorted(KAM_CASES))
def test_kam_input_errors_name_the_field(
    session_factory: sessionmaker[Session], world: World, name: str
) -> None:
    call, field = KAM_CASES[name]
    before = counts(session_factory, world)
    error = attempt(session_factory, world, world.kam, call)
    assert isinstance(error, InvalidInput)
    assert field in error.errors, error.errors
    assert error.errors[field]
    assert counts(session_factory, world) == before


@pytest.mark.parametrize("name", sorted(ADMIN_CASES))
def test_admin_input_errors_name_the_field(
    session_factory: sessionmaker[Session], world: World, name: str
) -> None:
    call, field = ADMIN_CASES[name]
    before = counts(session_factory, world)
    error = attempt(session_factory, world, world.admin, call)
    assert isinstance(error, InvalidInput)
    assert field in error.errors, error.errors
    assert counts(session_factory, world) == before


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (new_task(tactic="TAC-999"), "tactic"),
        (new_objective(plan="AP-7"), "plan"),
        (new_objective(contributes_to="BO-42"), "contributes_to"),
        (new_tactic(sprint="SPR-9"), "sprint"),
        (new_plan(account="CRM-404"), "account"),
        (new_plan(products=["Nothing"]), "products"),
        (edit_objective(name="Renamed", contributes_to="BO-99"), "contributes_to"),
        (
            lambda s, a: tasks.update_task(
                **kw(s, a), ref="TSK-1", data={"due_date": date(2026, 3, 3), "stakeholder": "ST-5"}
            ),
            "stakeholder",
        ),
    ],
)
def test_unknown_references_name_the_field(
    session_factory: sessionmaker[Session], world: World, call: Call, field: str
) -> None:
    before = counts(session_factory, world)
    error = attempt(session_factory, world, world.kam, call)
    assert isinstance(error, NotFound)
    assert error.field == field
    assert "was not found in this workspace" in error.message
    assert counts(session_factory, world) == before


def test_input_error_message_reads_well() -> None:
    error = InvalidInput({"due_date": "must be on or after the start"})
    assert error.message == "Due date — must be on or after the start"
