"""Who may do what (product.md §5). Every refusal says why.

World: admin UADMIN; manager UMANAGER manages the DACH affiliate (Berlin sits under it, Oslo does not);
kam UKAM; other_kam UOTHER; viewer UVIEWER. CRM-1 (Charité) is in Berlin, CRM-2 in Oslo.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from kam_core.actor import Actor
from kam_core.enums import Role
from kam_core.errors import NotAllowed
from kam_core.services import goals, plans, search, subscriptions, tasks, templates, workspaces
from tests.factories import PERIOD, World


def rename(world: World, actor: Actor, plan: Any, name: str = "Renamed") -> Any:
    return plans.update_plan(session=world.session, actor=actor, ref=plan.ref, data={"name": name})


def refused(call: Any, *fragments: str) -> str:
    with pytest.raises(NotAllowed) as info:
        call()
    for fragment in fragments:
        assert fragment in info.value.message
    return info.value.message


def test_admin_edits_anything_including_private_plans(world: World) -> None:
    plan = world.plan(visibility="private")
    assert rename(world, world.admin, plan).name == "Renamed"
    assert plans.get_plan(session=world.session, actor=world.admin, ref=plan.ref) is plan
    world.objective(plan, actor=world.admin)
    plans.set_plan_status(session=world.session, actor=world.admin, ref=plan.ref, status="in_progress")


def test_owner_and_participants_edit(world: World) -> None:
    plan = world.plan()
    assert rename(world, world.kam, plan, "By the owner").name == "By the owner"
    refused(lambda: rename(world, world.other_kam, plan), f"You cannot change {plan.ref}", "only its owner")
    plans.add_participant(session=world.session, actor=world.kam, ref=plan.ref, user="UOTHER")
    assert rename(world, world.other_kam, plan, "By a participant").name == "By a participant"
    world.objective(plan, actor=world.other_kam)


def test_manager_edits_plans_in_managed_territories_and_below(world: World) -> None:
    berlin_account_plan = world.plan(account="CRM-1")  # Berlin, under DACH
    rename(world, world.manager, berlin_account_plan)
    territory_plan = plans.create_territory_plan(
        session=world.session,
        actor=world.kam,
        data={"territory": "Berlin", "name": "Berlin TP", "period_start": PERIOD[0], "period_end": PERIOD[1]},
    )
    rename(world, world.manager, territory_plan)
    affiliate_plan = plans.create_territory_plan(
        session=world.session,
        actor=world.kam,
        data={"territory": "DACH", "name": "DACH TP", "period_start": PERIOD[0], "period_end": PERIOD[1]},
    )
    rename(world, world.manager, affiliate_plan)
    oslo_plan = world.plan(account="CRM-2", name="Oslo plan")  # Nordics: not managed by UMANAGER
    refused(lambda: rename(world, world.manager, oslo_plan), "managers of its territory")
    nordics_plan = plans.create_territory_plan(
        session=world.session,
        actor=world.kam,
        data={
            "territory": "Nordics",
            "name": "Nordics TP",
            "period_start": PERIOD[0],
            "period_end": PERIOD[1],
        },
    )
    refused(lambda: rename(world, world.manager, nordics_plan), f"You cannot change {nordics_plan.ref}")


def test_the_manager_role_is_needed_to_edit_as_a_territory_manager(world: World) -> None:
    plan = world.plan(account="CRM-1")
    workspaces.grant_role(session=world.session, actor=world.admin, slack_user_id="UMANAGER", role="kam")
    refused(lambda: rename(world, world.manager, plan), "You cannot change")


def test_other_kam_reads_a_workspace_plan_but_cannot_edit_it(world: World) -> None:
    plan = world.plan()
    assert plans.get_plan(session=world.session, actor=world.other_kam, ref=plan.ref) is plan
    assert plan.id in [p.id for p in plans.list_plans(session=world.session, actor=world.other_kam)]
    message = refused(lambda: rename(world, world.other_kam, plan))
    assert message == (
        f"You cannot change {plan.ref}: only its owner (<@UKAM>), its participants, managers of its "
        "territory and admins can."
    )
    refused(lambda: world.objective(plan, actor=world.other_kam), "only its owner")
    refused(
        lambda: plans.set_plan_status(
            session=world.session, actor=world.other_kam, ref=plan.ref, status="completed"
        ),
        "only its owner",
    )


def test_viewer_never_edits_even_as_a_participant(world: World) -> None:
    plan = world.plan(participants=["UVIEWER"])
    assert plans.get_plan(session=world.session, actor=world.viewer, ref=plan.ref) is plan
    refused(lambda: rename(world, world.viewer, plan), "viewers can read KAM records but not change them")
    refused(lambda: world.plan(owner=world.viewer), "Viewers cannot create account plans")
    task = world.tasks(world.tactic(world.objective(plan)), "not_started")[0]
    tasks.assign_task(session=world.session, actor=world.kam, ref=task.ref, assignee="UVIEWER")
    refused(lambda: tasks.complete_task(session=world.session, actor=world.viewer, ref=task.ref), "viewers")


def test_private_plans_are_invisible_to_non_participants(world: World) -> None:
    plan = world.plan(visibility="private", name="Secret tender plan", participants=["UOTHER"])
    world.objective(plan, name="Secret pricing objective")
    for outsider in (world.manager, world.viewer):
        assert plan.id not in [p.id for p in plans.list_plans(session=world.session, actor=outsider)]
        assert search.find(session=world.session, actor=outsider, text="secret") == []
        refused(
            lambda o=outsider: plans.get_plan(session=world.session, actor=o, ref=plan.ref),
            f"{plan.ref} is a private plan",
            "only its owner, its participants and admins",
        )
        # a refusal tells nothing about the plan beyond its being private (not even the role rules)
        refused(lambda o=outsider: rename(world, o, plan), f"{plan.ref} is a private plan")
    for insider in (world.kam, world.other_kam, world.admin):
        assert plan.id in [p.id for p in plans.list_plans(session=world.session, actor=insider)]
        found = {hit.ref for hit in search.find(session=world.session, actor=insider, text="secret")}
        assert plan.ref in found and "OBJ-1" in found


def test_assignee_may_complete_their_own_task_only(world: World) -> None:
    plan = world.plan()
    mine, theirs = world.tasks(world.tactic(world.objective(plan)), "not_started", "not_started")
    tasks.assign_task(session=world.session, actor=world.kam, ref=mine.ref, assignee="UOTHER")
    change = tasks.complete_task(session=world.session, actor=world.other_kam, ref=mine.ref)
    assert change.task.status.value == "completed" and change.task.completed_by_id == world.other_kam.id
    refused(
        lambda: tasks.complete_task(session=world.session, actor=world.other_kam, ref=theirs.ref),
        "only its owner",
    )
    refused(
        lambda: tasks.assign_task(
            session=world.session, actor=world.other_kam, ref=theirs.ref, assignee=None
        ),
        "only its owner",
    )


def goal_data(level: str, territory: str | None, parent: str | None = None) -> dict[str, Any]:
    return {
        "name": f"{level} goal",
        "level": level,
        "territory": territory,
        "parent": parent,
        "period_start": date(2026, 1, 1),
        "period_end": date(2026, 12, 31),
    }


def test_business_objectives_admin_anywhere_manager_in_own_territories(world: World) -> None:
    def create(actor: Actor, *args: Any) -> Any:
        return goals.create_goal(session=world.session, actor=actor, data=goal_data(*args))

    top = create(world.admin, "global", "Global")
    create(world.admin, "affiliate", "Nordics", top.ref)
    dach = create(world.manager, "affiliate", "DACH", top.ref)
    create(world.manager, "territory", "Berlin", dach.ref)  # below DACH
    refused(lambda: create(world.manager, "global", "Global"), "global objectives are set by admins")
    refused(lambda: create(world.manager, "affiliate", "Nordics", top.ref), "territories they manage")
    refused(lambda: create(world.manager, "territory", None, dach.ref), "territories they manage")
    refused(lambda: create(world.kam, "territory", "Berlin", dach.ref), "Only admins and managers")
    refused(lambda: create(world.viewer, "territory", "Berlin", dach.ref), "Only admins and managers")
    goals.set_goal_status(session=world.session, actor=world.manager, ref=dach.ref, status="in_progress")
    refused(
        lambda: goals.set_goal_status(
            session=world.session, actor=world.manager, ref=top.ref, status="in_progress"
        ),
        f"You cannot change {top.ref}",
    )
    refused(
        lambda: goals.set_goal_measure(session=world.session, actor=world.kam, ref=dach.ref, current=1),
        "only its owner, managers of its territory and admins",
    )


@pytest.mark.parametrize(
    ("who", "allowed"), [("admin", True), ("manager", True), ("kam", False), ("viewer", False)]
)
def test_templates_are_published_by_managers_and_admins(world: World, who: str, allowed: bool) -> None:
    actor = getattr(world, who)

    def publish() -> Any:
        return templates.create_tactic_template(
            session=world.session,
            actor=actor,
            data={"name": f"Template by {who}", "items": [{"title": "Step", "offset_days": 1}]},
        )

    if allowed:
        assert publish().name == f"Template by {who}"
    else:
        refused(publish, "Only admins, managers can publish templates", f"you are a {actor.role.label}")


def test_roles_are_granted_by_admins_and_the_last_admin_stays(world: World) -> None:
    def grant(actor: Actor, user: str, role: str) -> Any:
        return workspaces.grant_role(session=world.session, actor=actor, slack_user_id=user, role=role)

    refused(lambda: grant(world.manager, "UKAM", "manager"), "Only admins can change roles")
    refused(lambda: grant(world.kam, "UKAM", "admin"), "Only admins can change roles")
    refused(lambda: grant(world.admin, "UADMIN", "kam"), "the only admin")
    assert grant(world.admin, "UKAM", "admin").role is Role.ADMIN
    assert grant(world.admin, "UADMIN", "kam").role is Role.KAM  # now someone else is admin
    refused(lambda: grant(world.kam, "UKAM", "viewer"), "the only admin")


def test_unsubscribe_by_creator_manager_or_admin(world: World) -> None:
    plan = world.plan()

    def subscribe(actor: Actor) -> Any:
        return subscriptions.subscribe(
            session=world.session,
            actor=actor,
            data={
                "channel_id": "C1",
                "kind": "rollup",
                "scope_type": "plan",
                "scope": plan.ref,
                "local_time": "09:00",
                "timezone": "Europe/Berlin",
            },
        )

    def unsubscribe(actor: Actor, sub: Any) -> Any:
        return subscriptions.unsubscribe(session=world.session, actor=actor, ref=sub.ref)

    refused(lambda: subscribe(world.viewer), "Viewers cannot subscribe")
    for remover in (world.kam, world.manager, world.admin):
        sub = subscribe(world.kam)
        refused(
            lambda s=sub: unsubscribe(world.other_kam, s), f"Only the person who created {sub.ref} (<@UKAM>)"
        )
        refused(lambda s=sub: unsubscribe(world.viewer, s), "managers and admins can remove it")
        assert unsubscribe(remover, sub).active is False
