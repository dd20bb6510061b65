"""`/kam`: parse, then dispatch to a small handler per subcommand. Every handler runs after ack() in its
own unit of work; modals open straight away, before any slow work."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from slack_bolt import App
from sqlalchemy import select

from bot import commands as grammar
from bot.blocks import modals
from bot.blocks.cards import task_card, tree_card
from bot.blocks.lists import (
    find_card,
    goals_card,
    help_card,
    message_card,
    plans_card,
    stakeholders_card,
    subscriptions_card,
    usage_card,
)
from bot.context import Deps, KamRequest, unit_of_work
from bot.surfaces import card_for, reply, task_card_for
from bot.text import esc
from kam_core.actor import Actor
from kam_core.enums import Role, Source
from kam_core.errors import NotAllowed
from kam_core.format import pct
from kam_core.models import Objective
from kam_core.rollup import rollup_goals, rollup_plans
from kam_core.services import objectives, plans, search, sprints, stakeholders, subscriptions, tactics, tasks
from kam_core.services.templates import list_objective_templates, list_tactic_templates
from kam_core.views import hidden_plan_refs, task_row, view_for

Run = Callable[[KamRequest, grammar.Command], None]
HANDLERS: dict[str, Run] = {}


def handles(*keys: str) -> Callable[[Run], Run]:
    def register(fn: Run) -> Run:
        for key in keys:
            HANDLERS[key] = fn
        return fn

    return register


def open_modal(req: KamRequest, view: dict[str, Any]) -> None:
    """Open the modal as soon as this request's reads are committed: its trigger expires 3 s after Slack
    sent it, and no transaction stays open while Slack answers."""
    trigger = req.trigger_id
    req.right_after_commit(lambda: req.client.views_open(trigger_id=trigger, view=view))


@handles("help")
def _help(req: KamRequest, cmd: grammar.Command) -> None:
    reply(req, help_card())


@handles("plan.new")
def _plan_new(req: KamRequest, cmd: grammar.Command) -> None:
    _require_not_viewer(req, "create plans")
    open_modal(req, modals.plan_modal(req.user_id, req.channel_id))


@handles("tplan.new")
def _tplan_new(req: KamRequest, cmd: grammar.Command) -> None:
    _require_not_viewer(req, "create plans")
    open_modal(req, modals.tplan_modal(req.user_id, req.channel_id))


@handles("goal.new")
def _goal_new(req: KamRequest, cmd: grammar.Command) -> None:
    if req.actor.role not in (Role.ADMIN, Role.MANAGER):
        raise NotAllowed("Only admins and managers set business objectives; ask your manager.")
    open_modal(req, modals.goal_modal(req.user_id, req.channel_id))


@handles("sprint.new")
def _sprint_new(req: KamRequest, cmd: grammar.Command) -> None:
    _require_not_viewer(req, "create sprints")
    open_modal(req, modals.sprint_modal(req.user_id, req.channel_id))


def _require_not_viewer(req: KamRequest, doing: str) -> None:
    if req.actor.role is Role.VIEWER:
        raise NotAllowed(f"Viewers cannot {doing}; an admin can give you the KAM role.")


@handles("plan.list", "tplan.list")
def _plan_list(req: KamRequest, cmd: grammar.Command) -> None:
    kind = "territory" if cmd.key.startswith("tplan") else None
    found = plans.list_plans(session=req.session, actor=req.actor, mine=cmd.scope == "mine", kind=kind)
    rollup = rollup_plans(req.session, req.actor.workspace_id, [p.id for p in found], req.today())
    reply(req, plans_card(found, rollup, cmd.scope or "all"))


@handles("plan.show", "tplan.show", "goal.show", "objective.show", "tactic.show", "sprint.show")
def _show(req: KamRequest, cmd: grammar.Command) -> None:
    assert cmd.ref
    reply(req, card_for(req, "tree", cmd.ref))


@handles("task.show")
def _task_show(req: KamRequest, cmd: grammar.Command) -> None:
    assert cmd.ref
    reply(req, task_card_for(req, cmd.ref))


@handles("why")
def _why(req: KamRequest, cmd: grammar.Command) -> None:
    assert cmd.ref
    reply(req, card_for(req, "why", cmd.ref))


@handles("goal.list")
def _goal_list(req: KamRequest, cmd: grammar.Command) -> None:
    reply(req, goals_card(rollup_goals(req.session, req.actor.workspace_id, req.today())))


@handles("objective.add")
def _objective_add(req: KamRequest, cmd: grammar.Command) -> None:
    assert cmd.ref
    plan = plans.get_plan_for_edit(session=req.session, actor=req.actor, ref=cmd.ref)
    templates = [(str(t.id), t.name) for t in list_objective_templates(session=req.session, actor=req.actor)]
    open_modal(req, modals.objective_modal(plan.ref, plan.name, req.user_id, templates, req.channel_id))


@handles("objective.measure")
def _objective_measure(req: KamRequest, cmd: grammar.Command) -> None:
    assert cmd.ref and cmd.number
    objective = objectives.set_objective_measure(
        session=req.session,
        actor=req.actor,
        ref=cmd.ref,
        current=cmd.number,
        target=cmd.target,
        label=cmd.text or None,
    )
    view = view_for(req.session, req.actor, objective.ref, req.today())
    card = tree_card(view, hidden=hidden_plan_refs(req.session, req.actor, view.rollup))
    reply(req, card)


@handles("tactic.add")
def _tactic_add(req: KamRequest, cmd: grammar.Command) -> None:
    assert cmd.ref
    objective = objectives.objective_for_edit(req.session, req.actor, cmd.ref)
    templates = [(str(t.id), t.name) for t in list_tactic_templates(session=req.session, actor=req.actor)]
    open_sprints = [
        (s.ref, f"{s.ref} {s.name}") for s in sprints.list_sprints(session=req.session, actor=req.actor)
    ]
    open_modal(
        req,
        modals.tactic_modal(
            objective.ref,
            f"{objective.name} · {objective.plan.ref}",
            req.user_id,
            templates,
            open_sprints,
            req.channel_id,
        ),
    )


@handles("task.add")
def _task_add(req: KamRequest, cmd: grammar.Command) -> None:
    assert cmd.ref
    tactic = tactics.tactic_for_edit(req.session, req.actor, cmd.ref)
    plan = tactic.objective.plan
    options = [
        (s.ref, f"{s.contact.name} ({s.influence.value} influence)")
        for s in stakeholders.list_stakeholders(session=req.session, actor=req.actor, plan=plan.ref)
    ]
    open_modal(
        req,
        modals.task_modal(
            tactic_ref=tactic.ref,
            tactic_label=f"{tactic.name} · {plan.ref} {plan.name}",
            stakeholders=options,
            title=cmd.text,
            channel=req.channel_id,
        ),
    )


TASK_ACTIONS: dict[str, Callable[..., tasks.TaskChange]] = {
    "task.done": tasks.complete_task,
    "task.start": tasks.start_task,
    "task.skip": tasks.skip_task,
    "task.reopen": tasks.reopen_task,
}


@handles("task.done", "task.start", "task.skip", "task.reopen", "task.block", "task.assign")
def _task_change(req: KamRequest, cmd: grammar.Command) -> None:
    assert cmd.ref
    if cmd.key == "task.block":
        change = tasks.block_task(session=req.session, actor=req.actor, ref=cmd.ref, reason=cmd.text or None)
    elif cmd.key == "task.assign":
        user = None if cmd.user == "me" else cmd.user
        change = tasks.assign_task(session=req.session, actor=req.actor, ref=cmd.ref, assignee=user)
        notify_assignment(req, change)
    else:
        change = TASK_ACTIONS[cmd.key](session=req.session, actor=req.actor, ref=cmd.ref)
    card = task_card_for(req, change.task.ref, change.moves() if change.changed else None)
    if not change.changed:
        card.blocks.insert(
            1, message_card(f"{change.task.ref} was already {change.task.status.label.lower()}.").blocks[0]
        )
    reply(req, card)


def notify_assignment(req: KamRequest, change: tasks.TaskChange) -> None:
    """DM the new assignee with the task and its buttons (sent after commit, by the outbox): the card as
    the assignee sees it, on their day (the service refuses an assignee who may not see the plan)."""
    assignee = change.assigned_to
    if assignee is None:
        return
    as_assignee = replace(req, actor=Actor(assignee, req.actor.source))
    row = task_row(req.session, as_assignee.actor, change.task.ref)
    card = task_card(row, as_assignee.today())
    text = f"<@{req.user_id}> assigned you {change.task.ref}: {esc(change.task.title)}"
    req.dm(
        assignee.slack_user_id,
        text,
        [message_card(text).blocks[0], *card.blocks[1:]],
        dedupe_key=f"assign:{req.actor.workspace_id}:{change.task.ref}:{change.task.version}",
    )


@handles("my")
def _my(req: KamRequest, cmd: grammar.Command) -> None:
    reply(req, card_for(req, "my"))


@handles("sprint.add")
def _sprint_add(req: KamRequest, cmd: grammar.Command) -> None:
    assert cmd.ref and cmd.ref2
    sprints.add_tactic_to_sprint(session=req.session, actor=req.actor, sprint=cmd.ref, tactic=cmd.ref2)
    reply(req, card_for(req, "tree", cmd.ref))


@handles("sprint.start")
def _sprint_start(req: KamRequest, cmd: grammar.Command) -> None:
    assert cmd.ref
    sprints.start_sprint(session=req.session, actor=req.actor, ref=cmd.ref)
    reply(req, card_for(req, "tree", cmd.ref))


@handles("sprint.close")
def _sprint_close(req: KamRequest, cmd: grammar.Command) -> None:
    assert cmd.ref
    closure = sprints.close_sprint(session=req.session, actor=req.actor, ref=cmd.ref, carry_to=cmd.target)
    moved = ", ".join(closure.carried) or "none"
    text = f"{closure.sprint.ref} is closed at {pct(card_pct(req, closure.sprint.ref))}. "
    if closure.carried_to:
        text += f"Open tactics carried to {closure.carried_to.ref}: {moved}."
    elif closure.unscheduled:
        text += f"Open tactics back in the backlog: {', '.join(closure.unscheduled)}."
    else:
        text += "No open tactics were left."
    reply(req, message_card(text))


def card_pct(req: KamRequest, ref: str) -> float:
    return view_for(req.session, req.actor, ref, req.today()).root.percent


@handles("stakeholder.add")
def _stakeholder_add(req: KamRequest, cmd: grammar.Command) -> None:
    assert cmd.ref
    plan = plans.get_plan_for_edit(session=req.session, actor=req.actor, ref=cmd.ref)
    options = [(o.ref, f"{o.ref} {o.name}") for o in _plan_objectives(req, plan.id)]
    open_modal(req, modals.stakeholder_modal(plan.ref, plan.name, options, req.channel_id))


def _plan_objectives(req: KamRequest, plan_id: int) -> list[Any]:
    stmt = select(Objective).where(
        Objective.workspace_id == req.actor.workspace_id, Objective.plan_id == plan_id
    )
    return list(req.session.scalars(stmt.order_by(Objective.number)))


@handles("stakeholder.list")
def _stakeholder_list(req: KamRequest, cmd: grammar.Command) -> None:
    assert cmd.ref
    plan = plans.get_plan(session=req.session, actor=req.actor, ref=cmd.ref)
    found = stakeholders.list_stakeholders(session=req.session, actor=req.actor, plan=plan.ref)
    reply(req, stakeholders_card(plan, found))


@handles("find")
def _find(req: KamRequest, cmd: grammar.Command) -> None:
    reply(req, find_card(cmd.text, search.find(session=req.session, actor=req.actor, text=cmd.text)))


@handles("digest.list")
def _digest_list(req: KamRequest, cmd: grammar.Command) -> None:
    channel = req.channel_id or ""
    subs = subscriptions.list_subscriptions(session=req.session, actor=req.actor, channel_id=channel)
    names = {s.id: subscriptions.scope_label(req.session, req.actor, s) for s in subs}
    reply(req, subscriptions_card(subs, names, channel))


@handles("digest.unsubscribe")
def _digest_unsubscribe(req: KamRequest, cmd: grammar.Command) -> None:
    assert cmd.ref
    sub = subscriptions.unsubscribe(session=req.session, actor=req.actor, ref=cmd.ref)
    reply(req, message_card(f"{sub.ref} is stopped: no more digests in <#{sub.channel_id}>."))


def run_command(req: KamRequest) -> None:
    parsed = grammar.parse(req.body.get("text", ""))
    if isinstance(parsed, grammar.Usage):
        reply(req, usage_card(parsed.problem, [(s.usage, s.summary) for s in parsed.specs]))
        return
    handler = HANDLERS.get(parsed.key)
    if handler is None:
        spec = grammar.BY_KEY[parsed.key]
        reply(req, usage_card("That command is not available yet.", [(spec.usage, spec.summary)]))
        return
    handler(req, parsed)


def register(app: App, deps: Deps) -> None:
    app.command("/kam")(unit_of_work(deps, Source.COMMAND, run_command))
