"""Every change writes an AuditEvent (product.md §5): who, from where, which record, what changed."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from kam_core.actor import Actor
from kam_core.audit import history
from kam_core.enums import Source
from kam_core.models import AuditEvent
from kam_core.services import (
    goals,
    objectives,
    plans,
    reference,
    sprints,
    stakeholders,
    subscriptions,
    tactics,
    tasks,
    templates,
    workspaces,
)
from tests.factories import PERIOD, TODAY, World


@pytest.fixture
def base(world: World) -> dict[str, Any]:
    """AP-1 > OBJ-1 > TAC-1 > TSK-1 (not started); SPR-1 planned; BO-1 with a number measure."""
    plan = world.plan()
    objective = world.objective(plan)
    tactic = world.tactic(objective)
    task = world.tasks(tactic, "not_started")[0]
    sprint = sprints.create_sprint(
        session=world.session,
        actor=world.kam,
        data={"name": "S1", "start_date": TODAY, "end_date": TODAY + timedelta(days=14)},
    )
    goal = goals.create_goal(
        session=world.session,
        actor=world.admin,
        data={
            "name": "G",
            "level": "global",
            "period_start": PERIOD[0],
            "period_end": PERIOD[1],
            "measure": {"unit": "number", "target": 10, "current": 1},
        },
    )
    world.session.flush()
    return {
        "plan": plan,
        "objective": objective,
        "tactic": tactic,
        "task": task,
        "sprint": sprint,
        "goal": goal,
    }


def kw(world: World, actor: Actor) -> dict[str, Any]:
    return {"session": world.session, "actor": actor}


# name -> (call, (who, action, record ref, before, after)); before/after hold the changed values only
Expect = tuple[str, str, str | None, dict | None, dict | None]
CASES: dict[str, tuple[Callable[[World, Actor], Any], Expect]] = {
    "create plan": (
        lambda w, a: plans.create_account_plan(
            **kw(w, a),
            data={"account": "CRM-2", "name": "New plan", "period_start": PERIOD[0], "period_end": PERIOD[1]},
        ),
        (
            "kam",
            "created",
            "AP-2",
            None,
            {"name": "New plan", "status": "not_started", "visibility": "workspace"},
        ),
    ),
    "update plan": (
        lambda w, a: plans.update_plan(**kw(w, a), ref="AP-1", data={"name": "Renamed"}),
        ("kam", "updated", "AP-1", {"name": "Test plan"}, {"name": "Renamed"}),
    ),
    "plan status": (
        lambda w, a: plans.set_plan_status(**kw(w, a), ref="AP-1", status="in_progress"),
        ("kam", "status_changed", "AP-1", {"status": "not_started"}, {"status": "in_progress"}),
    ),
    "add participant": (
        lambda w, a: plans.add_participant(**kw(w, a), ref="AP-1", user="UOTHER"),
        ("kam", "participant_added", "AP-1", None, {"member": "UOTHER", "role": "Contributor"}),
    ),
    "add objective": (
        lambda w, a: objectives.add_objective(**kw(w, a), data={"plan": "AP-1", "name": "O2"}),
        ("kam", "created", "OBJ-2", None, {"name": "O2", "weight": 1.0}),
    ),
    "update objective": (
        lambda w, a: objectives.update_objective(**kw(w, a), ref="OBJ-1", changes={"weight": 3}),
        ("kam", "updated", "OBJ-1", {"weight": 1.0}, {"weight": 3.0}),
    ),
    "objective status": (
        lambda w, a: objectives.set_objective_status(**kw(w, a), ref="OBJ-1", status="deferred"),
        ("kam", "status_changed", "OBJ-1", {"status": "not_started"}, {"status": "deferred"}),
    ),
    "objective measure": (
        lambda w, a: objectives.set_objective_measure(
            **kw(w, a), ref="OBJ-1", current=2, target=5, unit="number"
        ),
        (
            "kam",
            "measure_updated",
            "OBJ-1",
            {"measure_unit": None, "measure_target": None, "measure_current": None},
            {"measure_unit": "number", "measure_target": "5", "measure_current": "2"},
        ),
    ),
    "add tactic": (
        lambda w, a: tactics.add_tactic(**kw(w, a), data={"objective": "OBJ-1", "name": "T2"}),
        ("kam", "created", "TAC-2", None, {"name": "T2"}),
    ),
    "tactic status": (
        lambda w, a: tactics.set_tactic_status(**kw(w, a), ref="TAC-1", status="cancelled"),
        ("kam", "status_changed", "TAC-1", {"status": "not_started"}, {"status": "cancelled"}),
    ),
    "tactic sprint": (
        lambda w, a: tactics.set_tactic_sprint(**kw(w, a), ref="TAC-1", sprint="SPR-1"),
        ("kam", "sprint_changed", "TAC-1", {"sprint": None}, {"sprint": "SPR-1"}),
    ),
    "update tactic": (
        lambda w, a: tactics.update_tactic(**kw(w, a), ref="TAC-1", changes={"name": "T!"}),
        ("kam", "updated", "TAC-1", {"name": "Tactic"}, {"name": "T!"}),
    ),
    "add task": (
        lambda w, a: tasks.add_task(**kw(w, a), data={"tactic": "TAC-1", "title": "Call"}),
        ("kam", "created", "TSK-2", None, {"title": "Call", "status": "not_started"}),
    ),
    "complete task": (
        lambda w, a: tasks.complete_task(**kw(w, a), ref="TSK-1"),
        ("kam", "completed", "TSK-1", {"status": "not_started"}, {"status": "completed"}),
    ),
    "start task": (
        lambda w, a: tasks.start_task(**kw(w, a), ref="TSK-1"),
        ("kam", "started", "TSK-1", {"status": "not_started"}, {"status": "in_progress"}),
    ),
    "block task": (
        lambda w, a: tasks.block_task(**kw(w, a), ref="TSK-1", reason="Waiting"),
        (
            "kam",
            "blocked",
            "TSK-1",
            {"status": "not_started", "blocked_reason": None},
            {"status": "blocked", "blocked_reason": "Waiting"},
        ),
    ),
    "skip task": (
        lambda w, a: tasks.skip_task(**kw(w, a), ref="TSK-1"),
        ("kam", "skipped", "TSK-1", {"status": "not_started"}, {"status": "skipped"}),
    ),
    "assign task": (
        lambda w, a: tasks.assign_task(**kw(w, a), ref="TSK-1", assignee="UOTHER"),
        ("kam", "assigned", "TSK-1", {"assignee_id": None}, {"assignee_id": "OTHER_ID"}),
    ),
    "update task": (
        lambda w, a: tasks.update_task(**kw(w, a), ref="TSK-1", data={"notes": "Bring slides"}),
        ("kam", "updated", "TSK-1", {"notes": None}, {"notes": "Bring slides"}),
    ),
    "create sprint": (
        lambda w, a: sprints.create_sprint(
            **kw(w, a), data={"name": "S2", "start_date": TODAY, "end_date": TODAY + timedelta(days=7)}
        ),
        ("kam", "created", "SPR-2", None, {"name": "S2", "status": "planned"}),
    ),
    "start sprint": (
        lambda w, a: sprints.start_sprint(**kw(w, a), ref="SPR-1"),
        ("kam", "started", "SPR-1", {"status": "planned"}, {"status": "active"}),
    ),
    "close sprint": (
        lambda w, a: sprints.close_sprint(**kw(w, a), ref="SPR-1"),
        (
            "kam",
            "closed",
            "SPR-1",
            {"status": "planned", "carried": None, "unscheduled": None},
            {"status": "closed", "carried": [], "unscheduled": []},
        ),
    ),
    "add stakeholder": (
        lambda w, a: stakeholders.add_stakeholder(
            **kw(w, a), data={"plan": "AP-1", "contact": "C-1", "influence": "high"}
        ),
        ("kam", "created", "ST-1", None, {"influence": "high"}),
    ),
    "create goal": (
        lambda w, a: goals.create_goal(
            **kw(w, a),
            data={"name": "G2", "level": "global", "period_start": PERIOD[0], "period_end": PERIOD[1]},
        ),
        ("admin", "created", "BO-2", None, {"name": "G2", "level": "global"}),
    ),
    "goal status": (
        lambda w, a: goals.set_goal_status(**kw(w, a), ref="BO-1", status="in_progress"),
        ("admin", "status_changed", "BO-1", {"status": "not_started"}, {"status": "in_progress"}),
    ),
    "goal measure": (
        lambda w, a: goals.set_goal_measure(**kw(w, a), ref="BO-1", current=4),
        ("admin", "measure_updated", "BO-1", {"measure_current": "1"}, {"measure_current": "4"}),
    ),
    "subscribe": (
        lambda w, a: subscriptions.subscribe(
            **kw(w, a),
            data={
                "channel_id": "C1",
                "kind": "sprint",
                "scope_type": "sprint",
                "scope": "SPR-1",
                "local_time": "9:30",
                "timezone": "Europe/Berlin",
            },
        ),
        ("kam", "created", "DG-1", None, {"channel_id": "C1", "local_time": "09:30"}),
    ),
    "grant role": (
        lambda w, a: workspaces.grant_role(**kw(w, a), slack_user_id="UKAM", role="manager"),
        ("admin", "role_granted", None, {"role": "kam"}, {"role": "manager"}),
    ),
    "tactic template": (
        lambda w, a: templates.create_tactic_template(
            **kw(w, a), data={"name": "KOL", "items": [{"title": "Invite", "offset_days": 3}]}
        ),
        ("manager", "created", None, None, {"name": "KOL", "items": [["Invite", 3]]}),
    ),
    "territory": (
        lambda w, a: reference.create_territory(**kw(w, a), name="Munich", level="territory", parent="DACH"),
        ("admin", "created", None, None, {"name": "Munich", "level": "territory"}),
    ),
    "account": (
        lambda w, a: reference.create_account(**kw(w, a), name="LMU", external_id="CRM-9"),
        ("admin", "created", None, None, {"name": "LMU", "external_id": "CRM-9"}),
    ),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_every_change_is_audited(world: World, base: dict[str, Any], name: str) -> None:
    call, (who, action, ref, before, after) = CASES[name]
    actor = getattr(world, who).via(Source.MODAL)
    last_id = world.session.scalar(select(func.max(AuditEvent.id))) or 0
    call(world, actor)
    world.session.flush()
    events = list(
        world.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.id > last_id, AuditEvent.action == action)
            .order_by(AuditEvent.id)
        )
    )
    assert len(events) == 1, [(e.action, e.record_ref) for e in events]
    event = events[0]
    assert event.workspace_id == world.workspace.id
    assert event.actor_id == actor.id
    assert event.source is Source.MODAL
    assert event.record_id is not None
    if ref is not None:
        assert event.record_ref == ref
    expected_after = {k: (world.other_kam.id if v == "OTHER_ID" else v) for k, v in (after or {}).items()}
    if before is None:
        assert event.before is None
        assert expected_after.items() <= event.after.items()
    else:
        assert event.before == before
        assert event.after == expected_after


def test_complete_task_history_reads_newest_first(world: World, base: dict[str, Any]) -> None:
    task = base["task"]
    button = world.kam.via(Source.BUTTON)
    tasks.start_task(session=world.session, actor=button, ref=task.ref)
    tasks.complete_task(session=world.session, actor=button, ref=task.ref)
    tasks.reopen_task(session=world.session, actor=world.kam, ref=task.ref)
    world.session.flush()
    events = history(world.session, world.workspace.id, task)
    assert [e.action for e in events] == ["reopened", "completed", "started", "created"]
    assert [e.source for e in events[:3]] == [Source.COMMAND, Source.BUTTON, Source.BUTTON]
    assert events[1].before == {"status": "in_progress"} and events[1].after == {"status": "completed"}


def test_a_repeated_click_writes_no_second_event(world: World, base: dict[str, Any]) -> None:
    ref = base["task"].ref
    tasks.complete_task(session=world.session, actor=world.kam, ref=ref)
    change = tasks.complete_task(session=world.session, actor=world.kam, ref=ref)
    world.session.flush()
    assert change.changed is False
    count = world.session.scalar(
        select(func.count(AuditEvent.id)).where(
            AuditEvent.record_ref == ref,
            AuditEvent.action == "completed",
            AuditEvent.workspace_id == world.workspace.id,
        )
    )
    assert count == 1


def test_completing_a_plan_audits_the_cascade(world: World, base: dict[str, Any]) -> None:
    plans.set_plan_status(session=world.session, actor=world.kam, ref="AP-1", status="completed")
    world.session.flush()
    cascade = world.session.scalars(
        select(AuditEvent).where(
            AuditEvent.workspace_id == world.workspace.id,
            AuditEvent.action == "status_changed",
            AuditEvent.record_type.in_(["objectives", "tactics"]),
        )
    ).all()
    # one event per record the cascade completed, with the actor and the status before and after
    assert sorted((e.record_ref, e.before, e.after, e.actor_id) for e in cascade) == [
        ("OBJ-1", {"status": "not_started"}, {"status": "completed"}, world.kam.id),
        ("TAC-1", {"status": "not_started"}, {"status": "completed"}, world.kam.id),
    ]


def test_participants_and_subscriptions_are_audited(world: World, base: dict[str, Any]) -> None:
    plans.add_participant(session=world.session, actor=world.kam, ref="AP-1", user="UOTHER")
    plans.remove_participant(session=world.session, actor=world.kam, ref="AP-1", user="UOTHER")
    sub = subscriptions.subscribe(
        session=world.session,
        actor=world.kam,
        data={
            "channel_id": "C1",
            "kind": "rollup",
            "scope_type": "plan",
            "scope": "AP-1",
            "local_time": "08:00",
            "timezone": "Europe/Oslo",
        },
    )
    subscriptions.unsubscribe(session=world.session, actor=world.manager, ref=sub.ref)
    subscriptions.resume(session=world.session, actor=world.admin, ref=sub.ref)
    world.session.flush()
    events = world.session.scalars(
        select(AuditEvent)
        .where(
            AuditEvent.workspace_id == world.workspace.id,
            AuditEvent.action.in_(["participant_removed", "unsubscribed", "resumed"]),
        )
        .order_by(AuditEvent.id)
    ).all()
    assert [(e.action, e.record_ref, e.actor_id) for e in events] == [
        ("participant_removed", "AP-1", world.kam.id),
        ("unsubscribed", sub.ref, world.manager.id),
        ("resumed", sub.ref, world.admin.id),
    ]
    assert events[0].before == {"member": "UOTHER"}
    assert (events[1].before, events[1].after) == ({"active": True}, {"active": False})
    assert (events[2].before, events[2].after) == ({"active": False}, {"active": True})
