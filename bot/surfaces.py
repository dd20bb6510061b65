"""Rendering and delivering the answers: cards by kind, the App Home, and updating in place whatever
surface a button was clicked on (an ephemeral card, a channel message, the Home tab, a modal)."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.webhook import WebhookClient
from sqlalchemy import select

from bot.blocks.cards import task_card, tree_card, why_card
from bot.blocks.common import Card, card_of_block, find_card
from bot.blocks.home import home_view
from bot.blocks.lists import my_card
from bot.blocks.tasks import replace_task_blocks, task_row
from bot.context import KamRequest
from bot.ids import CARD_MARK, TASK_BLOCK_PREFIX
from kam_core.enums import SprintStatus, Visibility, WorkStatus
from kam_core.errors import InvalidInput
from kam_core.models import Plan, PlanParticipant, Sprint
from kam_core.permissions import visible_plans_clause
from kam_core.rollup import rollup_plans, rollup_sprints
from kam_core.rollup.explain import explain
from kam_core.services.tasks import TaskChange
from kam_core.views import (
    TaskRow,
    channel_refusal,
    for_channel,
    hidden_plan_refs,
    my_tasks,
    subtree_view,
    view_for,
)

log = logging.getLogger("kam.bot")
Flash = dict[str, list[tuple[str, float, float]]]


def card_for(
    req: KamRequest,
    kind: str,
    ref: str = "",
    page: int = 1,
    flash: Flash | None = None,
    *,
    public: bool = False,
) -> Card:
    """Render a card again by its marker (kind, ref, page), as the requester may see it; `public` renders
    it for a channel instead, whoever asks: a private plan (or anything in one) is refused, and every
    private plan in the rollup is hidden, as for someone who is not its participant."""
    today = req.today()
    if kind == "my":
        if public:
            raise InvalidInput.one("card", "your own task list cannot be shown in a channel")
        return my_card(with_flashed(req, my_tasks(req.session, req.actor, today), flash), today, page, flash)
    if kind == "task":
        if public:
            from kam_core.services.tasks import get_task

            plan = get_task(session=req.session, actor=req.actor, ref=ref).tactic.objective.plan
            if plan.visibility is Visibility.PRIVATE:
                raise channel_refusal(ref.upper(), plan.ref)
        return task_card_for(req, ref, flash.get(ref) if flash else None)
    view = view_for(req.session, req.actor, ref, today, for_card=True)
    hidden = for_channel(view) if public else hidden_plan_refs(req.session, req.actor, view.rollup)
    if kind == "why":
        return why_card(view, explain(view.rollup, view.root.ref, hidden))
    return tree_card(view, page=page, hidden=hidden, flash=flash)


def task_row_for(req: KamRequest, ref: str) -> TaskRow:
    from kam_core.services.tasks import get_task

    task = get_task(session=req.session, actor=req.actor, ref=ref)
    view = subtree_view(req.session, req.actor, task.tactic.ref, req.today())
    return next(r for r in view.all_tasks() if r.ref == task.ref)


def with_flashed(req: KamRequest, rows: list[TaskRow], flash: Flash | None) -> list[TaskRow]:
    """A task just completed or skipped from a list of open tasks stays in view once, first, with its
    rollup change."""
    shown = {row.ref for row in rows}
    return [task_row_for(req, ref) for ref in flash or {} if ref not in shown] + rows


def task_card_for(req: KamRequest, ref: str, change: list[tuple[str, float, float]] | None = None) -> Card:
    return task_card(task_row_for(req, ref), req.today(), change)


def reply(req: KamRequest, card: Card, *, replace: bool = False) -> None:
    """Answer the user ephemerally through the response URL, once the change is committed (a failed
    commit must not have been announced as done)."""
    req.later(lambda: _send_reply(req, card, replace))


def _send_reply(req: KamRequest, card: Card, replace: bool) -> None:
    if req.respond is None or not req.body.get("response_url"):
        channel = req.channel_id
        if channel:
            req.client.chat_postEphemeral(
                channel=channel, user=req.user_id, text=card.text, blocks=card.blocks
            )
        return
    sent = req.respond(
        text=card.text, blocks=card.blocks, response_type="ephemeral", replace_original=replace
    )
    if getattr(sent, "status_code", 200) != 200:  # Slack refused the answer: never fail silently
        log.warning("response_url refused the answer (%s): %s", sent.status_code, sent.body)


def home(req: KamRequest, flash: Flash | None = None) -> dict[str, Any]:
    today = req.today()
    tasks = my_tasks(req.session, req.actor, today)
    tasks = with_flashed(req, tasks, flash)
    ws = req.actor.workspace_id
    participant = select(PlanParticipant.plan_id).where(PlanParticipant.member_id == req.actor.id)
    plans = list(
        req.session.scalars(
            select(Plan)
            .where(
                Plan.workspace_id == ws,
                visible_plans_clause(req.member),
                (Plan.owner_id == req.actor.id) | Plan.id.in_(participant),
                Plan.status.not_in([WorkStatus.COMPLETED, WorkStatus.CANCELLED]),
            )
            .order_by(Plan.kind, Plan.number)
        )
    )
    plan_rollup = rollup_plans(req.session, ws, [p.id for p in plans], today)
    sprint_ids = list(
        req.session.scalars(
            select(Sprint.id).where(Sprint.workspace_id == ws, Sprint.status == SprintStatus.ACTIVE)
        )
    )
    sprint_rollup = rollup_sprints(req.session, ws, sprint_ids, today) if sprint_ids else None
    return home_view(
        name=req.member.name,
        local_now=req.local_now(),
        today=today,
        tasks=tasks,
        plans=plans,
        plan_rollup=plan_rollup,
        sprint_rollup=sprint_rollup,
        flash=flash,
    )


def publish_home(req: KamRequest, flash: Flash | None = None) -> None:
    view = home(req, flash)
    req.later(lambda: req.client.views_publish(user_id=req.user_id, view=view))


@dataclass
class Surface:
    """Where a click happened, so that the answer lands on the same surface."""

    home: bool = False
    response_url: str | None = None
    channel: str | None = None
    ts: str | None = None
    blocks: list[dict[str, Any]] = field(default_factory=list)  # the message's blocks, when known
    card: str | None = None  # the card marker "kind:ref:page", when known
    public: bool = False  # a message in a channel (not ephemeral, not a DM): re-rendered for everyone

    @classmethod
    def of(cls, body: dict[str, Any]) -> Surface:
        container = body.get("container") or {}
        view = body.get("view") or {}
        blocks = (body.get("message") or {}).get("blocks") or []
        # with the message at hand its rows are replaced in place; an ephemeral card comes without its
        # message, and the clicked row's stamped block_id names the card to render again
        clicked = str((body.get("actions") or [{}])[0].get("block_id") or "")
        marker = find_card(blocks) if blocks else card_of_block(clicked)
        in_channel = container.get("type") == "message" and container.get("is_ephemeral") is not True
        return cls(
            home=view.get("type") == "home",
            response_url=body.get("response_url"),
            channel=container.get("channel_id"),
            ts=container.get("message_ts"),
            blocks=blocks,
            card=":".join(map(str, marker)) if marker else None,
            public=in_channel and not str(container.get("channel_id") or "").startswith("D"),
        )

    def meta(self) -> dict[str, Any]:
        """What fits in a modal's private_metadata (not the blocks)."""
        return {
            "home": self.home or None,
            "response_url": self.response_url,
            "channel": self.channel,
            "ts": self.ts,
            "card": self.card,
            "public": self.public,
        }

    @classmethod
    def from_meta(cls, meta: dict[str, Any]) -> Surface:
        return cls(
            home=bool(meta.get("home")),
            response_url=meta.get("response_url"),
            channel=meta.get("channel"),
            ts=meta.get("ts"),
            card=meta.get("card"),
            public=bool(meta.get("public", True)),  # unknown: as if in a channel
        )


def after_task_change(req: KamRequest, change: TaskChange, surface: Surface | None = None) -> None:
    """Update the surface the click came from, showing the rollup change on the task's row."""
    surface = surface or Surface.of(req.body)
    flash: Flash = {change.task.ref: change.moves()}
    if surface.home:
        publish_home(req, flash)
        return
    if surface.card:
        kind, ref, page = surface.card.split(":")
        card = card_for(req, kind, ref, int(page), flash, public=surface.public)
    elif surface.blocks:
        today = req.today()
        view = subtree_view(req.session, req.actor, change.task.tactic.ref, today)
        row = next(r for r in view.all_tasks() if r.ref == change.task.ref)
        actions_id = f"{TASK_BLOCK_PREFIX}{row.ref}:a"
        compact = not any(str(b.get("block_id")).split(CARD_MARK)[0] == actions_id for b in surface.blocks)
        new_rows = task_row(row, today, compact=compact, change=change.moves())
        card = Card(f"{row.ref} updated", replace_task_blocks(surface.blocks, row.ref, new_rows))
    else:  # the message is unknown (a form opened from it): show the task's card next to it
        card = task_card_for(req, change.task.ref, change.moves())
        req.later(lambda: _tell(req, surface, card))
        return
    req.later(lambda: _replace_message(req, surface, card))


def _replace_message(req: KamRequest, surface: Surface, card: Card) -> None:
    try:
        if surface.response_url:
            sent = WebhookClient(surface.response_url).send(
                text=card.text, blocks=card.blocks, replace_original=True
            )
            if sent.status_code != 200:
                log.warning("could not update the message (%s): %s", sent.status_code, sent.body)
        elif surface.channel and surface.ts:
            req.client.chat_update(channel=surface.channel, ts=surface.ts, text=card.text, blocks=card.blocks)
    except SlackApiError as error:
        log.warning("could not update the message: %s", error.response.get("error"))


def _tell(req: KamRequest, surface: Surface, card: Card) -> None:
    """A new ephemeral card where the user was: through the surface's response URL or the channel."""
    if req.body.get("response_url"):
        reply(req, card)
        return
    try:
        if surface.response_url:
            sent = WebhookClient(surface.response_url).send(
                text=card.text, blocks=card.blocks, response_type="ephemeral", replace_original=False
            )
            if sent.status_code == 200:
                return
        if surface.channel:
            req.client.chat_postEphemeral(
                channel=surface.channel, user=req.user_id, text=card.text, blocks=card.blocks
            )
    except SlackApiError as error:
        log.warning("could not show the task: %s", error.response.get("error"))
