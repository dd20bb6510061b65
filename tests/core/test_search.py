"""`/kam find`: case-insensitive substring search across kinds, with LIKE wildcards taken literally and
private plans left out for non-participants."""

from __future__ import annotations

from datetime import timedelta

import pytest

from kam_core.errors import InvalidInput
from kam_core.services import goals, search, sprints, stakeholders, tasks
from tests.factories import PERIOD, TODAY, World


def refs(world: World, text: str, actor=None) -> set[str]:
    return {hit.ref for hit in search.find(session=world.session, actor=actor or world.kam, text=text)}


def test_finds_every_kind_by_substring(world: World) -> None:
    plan = world.plan(name="Oncology growth plan", vision="Become the partner in HER2 care")
    objective = world.objective(plan, name="Formulary listing", description="Get onto the HER2 formulary")
    tactic = world.tactic(objective, name="Oncology dossier")
    task = tasks.add_task(
        session=world.session,
        actor=world.kam,
        data={"tactic": tactic.ref, "title": "Call the pharmacist", "notes": "Mention the oncology board"},
    ).task
    goal = goals.create_goal(
        session=world.session,
        actor=world.admin,
        data={
            "name": "Oncology share",
            "level": "global",
            "period_start": PERIOD[0],
            "period_end": PERIOD[1],
        },
    )
    sprint = sprints.create_sprint(
        session=world.session,
        actor=world.kam,
        data={
            "name": "Sprint 12",
            "goal": "Oncology board confirmed",
            "start_date": TODAY,
            "end_date": TODAY + timedelta(days=14),
        },
    )
    stakeholder = stakeholders.add_stakeholder(
        session=world.session, actor=world.kam, data={"plan": plan.ref, "contact": "C-1"}
    )  # Dr Weber, Head of Oncology
    found = search.find(session=world.session, actor=world.kam, text="ONCOLOGY")
    kinds = {hit.ref: hit.kind for hit in found}
    assert kinds == {
        plan.ref: "account plan",
        goal.ref: "business objective",
        tactic.ref: "tactic",
        task.ref: "task",
        sprint.ref: "sprint",
        stakeholder.ref: "stakeholder",
    }
    assert refs(world, "her2") == {plan.ref, objective.ref}  # vision and description count
    assert refs(world, "pharmac") == {task.ref}
    hit = next(h for h in found if h.ref == task.ref)
    assert (hit.title, hit.context, hit.status) == ("Call the pharmacist", tactic.ref, "Not started")


def test_like_wildcards_are_taken_literally(world: World) -> None:
    tactic = world.tactic(world.objective(world.plan()))
    made = {}
    for title in (
        "Reach 50% share",
        "Reach 500 accounts",
        "key_account review",
        "keyXaccount review",
        "Path C:\\docs",
    ):
        made[title] = tasks.add_task(
            session=world.session, actor=world.kam, data={"tactic": tactic.ref, "title": title}
        ).task.ref
    assert refs(world, "50%") == {made["Reach 50% share"]}
    assert refs(world, "y_a") == {made["key_account review"]}
    assert refs(world, "%%") == set()
    assert refs(world, "__") == set()
    assert refs(world, ":\\d") == {made["Path C:\\docs"]}


def test_private_plans_are_left_out_for_non_participants(world: World) -> None:
    secret = world.plan(name="Tender strategy", visibility="private", participants=["UOTHER"])
    objective = world.objective(secret, name="Tender pricing")
    tactic = world.tactic(objective, name="Tender scenarios")
    task = world.tasks(tactic, "not_started")[0]
    tasks.update_task(session=world.session, actor=world.kam, ref=task.ref, data={"title": "Tender model"})
    stakeholder = stakeholders.add_stakeholder(
        session=world.session,
        actor=world.kam,
        data={"plan": secret.ref, "contact": "C-1", "role": "Tender decision maker"},
    )
    public = world.plan(name="Tender response (public)")
    everything = {secret.ref, objective.ref, tactic.ref, task.ref, stakeholder.ref, public.ref}
    for insider in (world.kam, world.other_kam, world.admin):
        assert refs(world, "tender", insider) == everything
    for outsider in (world.manager, world.viewer):
        assert refs(world, "tender", outsider) == {public.ref}


def test_too_short_a_search_is_invalid(world: World) -> None:
    for text in ("", " ", "a", " b "):
        with pytest.raises(InvalidInput) as info:
            search.find(session=world.session, actor=world.kam, text=text)
        assert "text" in info.value.errors


def test_results_are_limited(world: World) -> None:
    tactic = world.tactic(world.objective(world.plan()))
    for i in range(7):
        tasks.add_task(
            session=world.session, actor=world.kam, data={"tactic": tactic.ref, "title": f"Visit {i}"}
        )
    found = search.find(session=world.session, actor=world.kam, text="visit", limit=5)
    assert [h.ref for h in found] == ["TSK-1", "TSK-2", "TSK-3", "TSK-4", "TSK-5"]
