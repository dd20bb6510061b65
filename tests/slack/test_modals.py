"""Every modal: opened by its command, an invalid submission (errors under the right block ids, the view
stays open with the typed values), a valid one (the record is created once and its card is posted)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest

from kam_core.models import BusinessObjective, Objective, Plan, Sprint, Stakeholder, Tactic, Task
from tests.slack.conftest import SlackEnv
from tests.slack.support import count, fetch, flat, open_modal

TODAY = date.today()


@dataclass
class Form:
    command: str
    callback: str
    model: Any
    invalid: dict[str, Any]
    error_block: str
    valid: dict[str, Any]
    user: str = "U0ALICE"
    extra: dict[str, Any] = field(default_factory=dict)


FORMS = [
    Form(
        "plan new",
        "plan_new",
        Plan,
        {
            "name": "Vivantes 2027",
            "account": "CRM-0002",
            "period_start": TODAY,
            "period_end": TODAY - timedelta(1),
        },
        "period_end",
        {"period_end": TODAY + timedelta(days=300)},
        user="U0BOB",
    ),
    Form(
        "tplan new",
        "tplan_new",
        Plan,
        {
            "name": "Munich 2027",
            "territory": "Munich",
            "period_start": TODAY,
            "period_end": TODAY - timedelta(9),
        },
        "period_end",
        {"period_end": TODAY + timedelta(days=300)},
    ),
    Form(
        "goal new",
        "goal_new",
        BusinessObjective,
        {
            "name": "Grow Immunavir",
            "level": "global",
            "period_start": TODAY,
            "period_end": TODAY - timedelta(3),
        },
        "period_end",
        {"period_end": TODAY + timedelta(days=200), "measure_unit": "number", "measure_target": "12"},
    ),
    Form(
        "objective add AP-1",
        "objective_new",
        Objective,
        {"name": "Tumour board access", "start_date": TODAY, "due_date": TODAY - timedelta(days=1)},
        "due_date",
        {"due_date": TODAY + timedelta(days=60), "contributes_to": "BO-4"},
        user="U0BOB",
    ),
    Form(
        "tactic add OBJ-1",
        "tactic_new",
        Tactic,
        {"name": None},
        "name",
        {"name": "Pharmacy lunch and learn", "weight": "2"},
        user="U0BOB",
    ),
    Form(
        "task add TAC-3",
        "task_new",
        Task,
        {"title": "Call the pharmacy", "due_date": TODAY + timedelta(days=900), "assignee": "U0BOB"},
        "due_date",
        {"due_date": TODAY + timedelta(days=3), "stakeholder": "ST-1"},
        user="U0BOB",
    ),
    Form(
        "sprint new",
        "sprint_new",
        Sprint,
        {"name": "Oncology sprint 14", "start_date": TODAY, "end_date": TODAY - timedelta(days=2)},
        "end_date",
        {"end_date": TODAY + timedelta(days=13)},
    ),
    Form(
        "stakeholder add AP-1",
        "stakeholder_new",
        Stakeholder,
        {"contact": "CON-999", "role": "Tumour board chair"},
        "contact",
        {"contact": "CON-103", "influence": "high", "covering": "U0BOB"},
        user="U0BOB",
    ),
]


def _announcement(slack: SlackEnv, user: str) -> Any:
    return slack.emu.wait_for(
        lambda: [e for e in slack.emu.ephemerals("C0KAMTEAM", user) if "✅" in e.text + flat(e.blocks)],
        message="the created record's card",
    )


@pytest.mark.parametrize("form", FORMS, ids=[f.callback for f in FORMS])
def test_modal_open_invalid_then_valid(slack: SlackEnv, form: Form) -> None:
    emu = slack.emu
    before = count(slack, form.model)
    modal = open_modal(slack, form.user, form.command)
    assert modal.callback_id == form.callback
    # invalid: the error lands under its field and the modal stays open with what was typed
    bad = emu.submit_view_inputs(form.user, modal.id, form.invalid, force=True)
    assert bad.status == 200, bad.body
    assert bad.json["response_action"] == "errors", bad.body
    view = emu.view(modal.id)
    assert view is not None and not view.closed and view.alert is None, bad.outcome
    assert form.error_block in view.errors, (view.errors, bad.body)
    typed = flat(view.state_values)
    for value in form.invalid.values():
        if isinstance(value, str | date):
            assert str(value) in typed
    assert count(slack, form.model) == before
    # valid: created exactly once, the modal closes, the new card is shown to its creator
    good = emu.submit_view_inputs(form.user, modal.id, form.valid)
    assert good.status == 200 and good.outcome == "view closed", (good.body, good.outcome)
    assert count(slack, form.model) == before + 1
    card = _announcement(slack, form.user)[-1]
    shown = card.text + flat(card.blocks)
    assert "created" in shown or "has a new task" in shown or "added to" in shown
    assert count(slack, form.model) == before + 1


def test_new_plan_has_the_typed_fields(slack: SlackEnv) -> None:
    modal = open_modal(slack, "U0BOB", "plan new")
    inputs = {
        "name": "Vivantes <!channel> 2027",
        "account": "CRM-0002",
        "visibility": "private",
        "participants": ["U0CAROL"],
        "vision": "Vivantes lists Oncorex",
    }
    assert slack.emu.submit_view_inputs("U0BOB", modal.id, inputs).outcome == "view closed"
    (plan,) = fetch(slack, Plan, Plan.name == "Vivantes <!channel> 2027")
    assert plan.visibility.value == "private" and plan.vision == "Vivantes lists Oncorex"
    card = _announcement(slack, "U0BOB")[-1]
    assert f"{plan.ref} · Vivantes <!channel> 2027" in flat(card.blocks)  # header: plain text
    assert "<!channel>" not in card.text and "&lt;!channel&gt;" in card.text


def test_objective_from_the_modal_contributes_and_measures(slack: SlackEnv) -> None:
    modal = open_modal(slack, "U0BOB", "objective add AP-1")
    assert "AP-1" in flat(modal.blocks)
    inputs = {
        "name": "Tumour board access",
        "contributes_to": "BO-4",
        "measure_unit": "number",
        "measure_target": "5",
        "measure_current": "2",
        "measure_label": "boards",
    }
    assert slack.emu.submit_view_inputs("U0BOB", modal.id, inputs).outcome == "view closed"
    (objective,) = fetch(slack, Objective, Objective.name == "Tumour board access")
    assert objective.contributes_to_id is not None
    card = _announcement(slack, "U0BOB")[-1]
    assert "2 of 5 boards" in flat(card.blocks)


def test_tactic_from_a_template_creates_its_tasks(slack: SlackEnv) -> None:
    modal = open_modal(slack, "U0BOB", "tactic add OBJ-3")
    template = next(b for b in modal.blocks if b.get("block_id") == "template")
    options = {o["text"]["text"]: o["value"] for o in template["element"]["options"]}
    before = count(slack, Task)
    done = slack.emu.submit_view_inputs(
        "U0BOB", modal.id, {"template": options["Formulary submission"], "sprint": "SPR-2"}
    )
    assert done.outcome == "view closed", done.body
    assert count(slack, Task) == before + 3
    (objective,) = fetch(slack, Objective, Objective.number == 3)
    (tactic,) = fetch(
        slack, Tactic, Tactic.name == "Formulary submission", Tactic.objective_id == objective.id
    )
    assert tactic.sprint_id is not None


def test_required_fields_are_required_by_slack(slack: SlackEnv) -> None:
    """An empty required input never reaches the app: the Slack client refuses it."""
    modal = open_modal(slack, "U0ALICE", "sprint new")
    d = slack.emu.submit_view_inputs("U0ALICE", modal.id, {"name": None})
    assert d.status == 0 and "name" in (slack.emu.view(modal.id) or modal).errors


def test_a_viewer_cannot_open_the_task_form(slack: SlackEnv) -> None:
    slack.emu.send_command("U0DAN", "C0KAMTEAM", "task add TAC-3")
    refusal = slack.emu.wait_for(lambda: slack.emu.ephemerals("C0KAMTEAM", "U0DAN"))
    assert "viewers can read" in flat(refusal[-1].blocks) + refusal[-1].text
    assert not slack.emu.open_views("U0DAN")


def test_external_selects_search_what_the_user_may_see(slack: SlackEnv) -> None:
    emu = slack.emu
    plan = open_modal(slack, "U0BOB", "plan new")
    accounts = emu.suggest("U0BOB", plan, "account_select", "char", block_id="account")
    assert [o["value"] for o in accounts] == ["CRM-0001"]
    assert emu.suggest("U0BOB", plan, "account_select", "%%%", block_id="account") == []
    emu.close_view("U0BOB")
    stakeholder = open_modal(slack, "U0BOB", "stakeholder add AP-2")
    contacts = {
        o["value"] for o in emu.suggest("U0BOB", stakeholder, "contact_select", "dr ", block_id="contact")
    }
    assert contacts == {"CON-302"}  # only the contacts of the plan's account (LMU)
    emu.close_view("U0BOB")
    goal = open_modal(slack, "U0ALICE", "goal new")
    goals = [o["value"] for o in emu.suggest("U0ALICE", goal, "goal_select", "onc", block_id="parent")]
    assert "BO-1" in goals
    territories = emu.suggest("U0ALICE", goal, "territory_select", "mun", block_id="territory")
    assert [o["value"] for o in territories] == ["Munich"]


def test_tactic_search_leaves_out_private_plans(slack: SlackEnv) -> None:
    emu = slack.emu
    emu.open_home("U0ALICE")
    home = emu.wait_for(lambda: emu.home("U0ALICE"))
    from tests.slack.support import click

    click(slack, "U0ALICE", home, "open_modal", "task_new|")
    modal = emu.wait_for(lambda: emu.open_views("U0ALICE"))[-1]
    mine = {o["value"] for o in emu.suggest("U0ALICE", modal, "tactic_select", "tender", block_id="tactic")}
    assert mine == {"TAC-8"}  # Alice is in AP-4
    emu.close_view("U0ALICE")
    emu.open_home("U0CAROL")
    home = emu.wait_for(lambda: emu.home("U0CAROL"))
    click(slack, "U0CAROL", home, "open_modal", "task_new|")
    modal = emu.wait_for(lambda: emu.open_views("U0CAROL"))[-1]
    assert emu.suggest("U0CAROL", modal, "tactic_select", "tender", block_id="tactic") == []
