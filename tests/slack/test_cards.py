"""What the cards show: the business objective an objective contributes to, a sprint's open tasks with
their buttons, and private plans' tactics anonymised on a sprint card for a reader outside the plan."""

from __future__ import annotations

from sqlalchemy import select

from kam_core.actor import Actor
from kam_core.db import session_scope
from kam_core.enums import Source
from kam_core.models import Member, Tactic, Workspace
from kam_core.services import sprints
from tests.slack.conftest import SlackEnv
from tests.slack.support import answer_text, ask


def test_plan_card_names_the_business_objective_served(slack: SlackEnv) -> None:
    text = answer_text(ask(slack, "U0BOB", "plan show AP-1"))
    assert "contributes to BO-4" in text  # OBJ-1 and OBJ-2 serve the Berlin territory objective
    assert "a business objective" not in text


def test_sprint_card_lists_open_tasks_with_done_buttons(slack: SlackEnv) -> None:
    card = ask(slack, "U0BOB", "sprint show SPR-1")
    text = answer_text(card)
    assert "*Open tasks*" in text
    assert "TSK-10" in text and "overdue" in text  # the demo's overdue MSL deck task, first
    done_values = [
        e.get("value")
        for b in card.blocks
        if b.get("type") == "actions"
        for e in b.get("elements", [])
        if e.get("action_id", "").startswith("task_done")
    ]
    assert "TSK-10" in done_values
    assert text.index("TSK-10") < text.index("TSK-11")  # overdue before later due dates


def test_private_plan_tactics_are_anonymised_on_a_sprint_card(slack: SlackEnv) -> None:
    with session_scope(slack.session_factory) as session:
        ws = session.scalars(select(Workspace.id).where(Workspace.team_id == slack.team_id)).one()
        bob = session.scalars(
            select(Member).where(Member.workspace_id == ws, Member.slack_user_id == "U0BOB")
        ).one()
        tender = session.scalars(
            select(Tactic).where(Tactic.workspace_id == ws, Tactic.name == "Tender pricing scenarios")
        ).one()
        assert tender.objective.plan.ref == "AP-4" and tender.objective.plan.is_private
        sprints.add_tactic_to_sprint(
            session=session, actor=Actor(bob, Source.COMMAND), sprint="SPR-1", tactic=tender.ref
        )
        ref = tender.ref
    outsider = answer_text(ask(slack, "U0CAROL", "sprint show SPR-1"))
    assert ref in outsider and "a tactic in a private plan" in outsider
    assert "Tender pricing scenarios" not in outsider
    assert "Model three pricing scenarios" not in outsider  # nor its tasks
    insider = answer_text(ask(slack, "U0BOB", "sprint show SPR-1"))
    assert "Tender pricing scenarios" in insider and "a tactic in a private plan" not in insider
