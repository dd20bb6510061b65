"""Buttons and menus: task row actions, opening modals and cards, sharing, paging. Every click is
checked by the services (a refused click answers ephemerally and changes nothing), and after a change
the card updates in place with the rollup change."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from slack_sdk.errors import SlackApiError

from bot import commands as grammar
from bot.blocks import modals
from bot.blocks.kit import modal
from bot.blocks.lists import message_card
from bot.context import Deps, KamRequest, unit_of_work
from bot.ids import Action, View, action_pattern, base_action
from bot.listeners.commands import HANDLERS, open_modal
from bot.surfaces import Surface, after_task_change, card_for, reply, task_card_for
from kam_core.enums import Role, Source
from kam_core.errors import InvalidInput, NotAllowed
from kam_core.permissions import VIEWER_REFUSAL, require_edit_plan, require_task_update
from kam_core.services import tasks

SIMPLE = {
    Action.TASK_DONE: tasks.complete_task,
    Action.TASK_START: tasks.start_task,
    Action.TASK_REOPEN: tasks.reopen_task,
}
FORMS = {
    View.PLAN_NEW: "plan.new",
    View.TPLAN_NEW: "tplan.new",
    View.OBJECTIVE_NEW: "objective.add",
    View.TACTIC_NEW: "tactic.add",
    View.TASK_NEW: "task.add",
    View.SPRINT_NEW: "sprint.new",
    View.STAKEHOLDER_NEW: "stakeholder.add",
    View.DIGEST_NEW: "digest.subscribe",
    View.GOAL_NEW: "goal.new",
}


def _action(req: KamRequest) -> dict[str, Any]:
    return (req.body.get("actions") or [{}])[0]


def task_button(req: KamRequest) -> None:
    action = _action(req)
    run = SIMPLE[Action(base_action(action["action_id"]))]
    after_task_change(req, run(session=req.session, actor=req.actor, ref=action.get("value", "")))


def assign_me(req: KamRequest) -> None:
    change = tasks.assign_task(
        session=req.session, actor=req.actor, ref=_action(req).get("value", ""), assignee=None
    )
    after_task_change(req, change)


def task_menu(req: KamRequest) -> None:
    choice = (_action(req).get("selected_option") or {}).get("value", "")
    verb, _, ref = choice.partition("|")
    if verb == "skip":
        after_task_change(req, tasks.skip_task(session=req.session, actor=req.actor, ref=ref))
        return
    task = tasks.get_task(session=req.session, actor=req.actor, ref=ref)
    plan = task.tactic.objective.plan
    if verb == "block":  # refuse before the form opens, not after the user has filled it in
        require_task_update(req.session, req.actor, task, plan)
        open_modal(req, modals.block_modal(task.ref, task.title, Surface.of(req.body).meta()))
    elif verb == "reassign":
        require_edit_plan(req.session, req.actor, plan)
        current = task.assignee.slack_user_id if task.assignee else None
        open_modal(req, modals.reassign_modal(task.ref, task.title, current, Surface.of(req.body).meta()))
    else:
        raise InvalidInput.one("action", f"unknown choice “{verb}”")


def open_form(req: KamRequest) -> None:
    """A button that opens a modal: value "<callback_id>|<context ref>"."""
    callback, _, ref = (_action(req).get("value") or "").partition("|")
    key = FORMS.get(View(callback)) if callback in View._value2member_map_ else None
    if key == "task.add" and not ref:
        if req.actor.role is Role.VIEWER:
            raise NotAllowed(f"You cannot add tasks: {VIEWER_REFUSAL}.")
        open_modal(
            req, modals.task_modal(tactic_ref=None, tactic_label="", stakeholders=[], channel=req.channel_id)
        )
        return
    if key is None or key not in HANDLERS:
        raise InvalidInput.one("action", "that form is not available")
    HANDLERS[key](req, grammar.Command(key, ref=ref or None))


def _show_card(req: KamRequest, title: str, kind: str, ref: str) -> None:
    card = task_card_for(req, ref) if ref.startswith("TSK") and kind == "tree" else card_for(req, kind, ref)
    if req.body.get("response_url"):
        reply(req, card)
        return
    # a read-only copy in a modal (from the Home tab): no buttons, whose clicks would update nothing
    inert = [{k: v for k, v in b.items() if k != "accessory"} for b in card.blocks if b["type"] != "actions"]
    open_modal(req, modal(View.NOTICE, title, inert, submit=None, close="Close"))


def show(req: KamRequest) -> None:
    ref = _action(req).get("value", "")
    _show_card(req, ref, "tree", ref)


def why(req: KamRequest) -> None:
    ref = _action(req).get("value", "")
    _show_card(req, f"Why {ref}", "why", ref)


def share(req: KamRequest) -> None:
    """Post the card to the channel for everyone, as the bot: rendered for the channel (every private
    plan hidden, whatever the sharer may see); a private plan and anything in it are not shared."""
    kind, _, ref = (_action(req).get("value") or "").rpartition("|")
    channel = req.channel_id
    if not channel:
        raise InvalidInput.one("channel", "sharing works from a channel")
    card = card_for(req, kind or "tree", ref, public=True)
    text = f"<@{req.user_id}> shared {card.text}"

    def post() -> None:
        try:
            req.client.chat_postMessage(channel=channel, text=text, blocks=card.blocks)
        except SlackApiError as error:
            code = error.response.get("error")
            hint = "invite me with `/invite @KAM bot` first" if code == "not_in_channel" else code
            reply(req, message_card(f"Could not share in this channel: {hint}."))

    req.later(post)


def page(req: KamRequest) -> None:
    card, ref, number = ((_action(req).get("value") or "") + "||").split("|")[:3]
    kind = card if card in ("my", "why", "task") else "tree"
    public = Surface.of(req.body).public  # a shared card in a channel pages for the channel
    rendered = card_for(req, kind, ref, int(number) if number.isdigit() else 1, public=public)
    req.later(lambda: reply(req, rendered, replace=True))


def register(app: App, deps: Deps) -> None:
    def on(action_id: str, fn: Any) -> None:
        app.action(action_pattern(action_id))(unit_of_work(deps, Source.BUTTON, fn))

    for action_id in SIMPLE:
        on(action_id, task_button)
    on(Action.TASK_ASSIGN_ME, assign_me)
    on(Action.TASK_MENU, task_menu)
    on(Action.OPEN_MODAL, open_form)
    on(Action.SHOW, show)
    on(Action.WHY, why)
    on(Action.SHARE, share)
    on(Action.PAGE, page)
