"""Modal submissions: validate through the services (errors go back under their fields, with what was
typed kept by Slack), create exactly once (a double submission or a retry is recognised by view id and
hash), then tell the user and anyone assigned."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from slack_bolt import App

from bot.blocks.common import Card
from bot.blocks.lists import message_card, stakeholders_card
from bot.blocks.modals import read_meta
from bot.context import Deps, KamRequest, unit_of_work
from bot.forms import measure_from, read_state
from bot.ids import View
from bot.listeners.commands import notify_assignment
from bot.surfaces import Surface, after_task_change, card_for
from bot.text import esc
from kam_core.actor import Actor
from kam_core.db import read_scope
from kam_core.enums import Source
from kam_core.errors import InvalidInput
from kam_core.models import Member
from kam_core.services import goals, objectives, plans, sprints, stakeholders, tactics, tasks


def submission_key(body: dict[str, Any]) -> str | None:
    view = body.get("view") or {}
    return f"view:{view.get('id')}:{view.get('hash')}" if view.get("id") else None


def _values(req: KamRequest) -> dict[str, Any]:
    return read_state(req.body.get("view") or {})


def _meta(req: KamRequest) -> dict[str, Any]:
    return read_meta(req.body.get("view") or {})


def render_later(
    req: KamRequest, render: Callable[[KamRequest], Card], deliver: Callable[[Card], Any]
) -> None:
    """Render a card once the request has committed and been acknowledged (a rollup never delays the
    ack), in a read-only session of its own, as the same member; then deliver it."""
    member_id, source = req.member.id, req.actor.source

    def work() -> None:
        with read_scope(req.deps.session_factory) as session:
            member = session.get(Member, member_id)
            if member is None:
                return
            card = render(
                replace(req, session=session, actor=Actor(member, source), after=[], committed=True)
            )
        deliver(card)

    req.later(work)


def _announce(req: KamRequest, ref: str, verb: str = "created") -> None:
    """Show the new record's card to its creator in the channel the form was opened from."""
    channel = _meta(req).get("channel")
    if not channel:
        return
    text, user = f"{ref} {verb}.", req.user_id

    def post(card: Card) -> None:
        req.client.chat_postEphemeral(
            channel=channel,
            user=user,
            text=f"{text} {card.text}",
            blocks=message_card(f"✅ {text}").blocks + card.blocks,
        )

    render_later(req, lambda later: card_for(later, "tree", ref), post)


def plan_new(req: KamRequest) -> None:
    values = _values(req)
    plan = plans.create_account_plan(
        session=req.session,
        actor=req.actor,
        data={**values, "participants": values.get("participants") or []},
    )
    _announce(req, plan.ref)


def tplan_new(req: KamRequest) -> None:
    values = _values(req)
    plan = plans.create_territory_plan(
        session=req.session,
        actor=req.actor,
        data={**values, "participants": values.get("participants") or []},
    )
    _announce(req, plan.ref)


def goal_new(req: KamRequest) -> None:
    values = _values(req)
    measure = measure_from(values)
    goal = goals.create_goal(session=req.session, actor=req.actor, data={**values, "measure": measure})
    _announce(req, goal.ref)


def objective_new(req: KamRequest) -> None:
    values = _values(req)
    measure = measure_from(values)
    objective = objectives.add_objective(
        session=req.session,
        actor=req.actor,
        data={**values, "plan": _meta(req).get("plan"), "measure": measure},
    )
    _announce(req, objective.ref)


def tactic_new(req: KamRequest) -> None:
    tactic = tactics.add_tactic(
        session=req.session, actor=req.actor, data={**_values(req), "objective": _meta(req).get("objective")}
    )
    _announce(req, tactic.ref)


def task_new(req: KamRequest) -> None:
    values = _values(req)
    meta = _meta(req)
    tactic = values.pop("tactic", None) or meta.get("tactic")
    if not tactic:
        raise InvalidInput.one("tactic", "pick the tactic this task belongs to")
    change = tasks.add_task(
        session=req.session,
        actor=req.actor,
        data={**values, "tactic": tactic, "source_permalink": meta.get("permalink")},
    )
    notify_assignment(req, change)
    _announce(req, change.task.tactic.ref, verb=f"has a new task {change.task.ref}")


def sprint_new(req: KamRequest) -> None:
    sprint = sprints.create_sprint(session=req.session, actor=req.actor, data=_values(req))
    _announce(req, sprint.ref)


def stakeholder_new(req: KamRequest) -> None:
    stakeholder = stakeholders.add_stakeholder(
        session=req.session, actor=req.actor, data={**_values(req), "plan": _meta(req).get("plan")}
    )
    channel = _meta(req).get("channel")
    if channel:
        text = f"✅ {stakeholder.ref} {esc(stakeholder.contact.name)} added to {stakeholder.plan.ref}."
        plan = stakeholder.plan
        card = stakeholders_card(
            plan, stakeholders.list_stakeholders(session=req.session, actor=req.actor, plan=plan.ref)
        )
        blocks = message_card(text).blocks + card.blocks
        req.later(
            lambda: req.client.chat_postEphemeral(channel=channel, user=req.user_id, text=text, blocks=blocks)
        )


def task_block(req: KamRequest) -> None:
    change = tasks.block_task(
        session=req.session, actor=req.actor, ref=_meta(req)["task"], reason=_values(req).get("reason")
    )
    after_task_change(req, change, Surface.from_meta(_meta(req)))


def task_reassign(req: KamRequest) -> None:
    change = tasks.assign_task(
        session=req.session, actor=req.actor, ref=_meta(req)["task"], assignee=_values(req).get("assignee")
    )
    notify_assignment(req, change)
    after_task_change(req, change, Surface.from_meta(_meta(req)))


SUBMISSIONS = {
    View.PLAN_NEW: plan_new,
    View.TPLAN_NEW: tplan_new,
    View.GOAL_NEW: goal_new,
    View.OBJECTIVE_NEW: objective_new,
    View.TACTIC_NEW: tactic_new,
    View.TASK_NEW: task_new,
    View.SPRINT_NEW: sprint_new,
    View.STAKEHOLDER_NEW: stakeholder_new,
    View.TASK_BLOCK: task_block,
    View.TASK_REASSIGN: task_reassign,
}


def register(app: App, deps: Deps) -> None:
    for callback_id, fn in SUBMISSIONS.items():
        app.view(callback_id)(unit_of_work(deps, Source.MODAL, fn, ack_first=False, once=submission_key))
