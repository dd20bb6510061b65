"""Digest subscriptions from Slack: `/kam digest subscribe` (a modal for the current channel),
`preview` (the digest now, only to you), the "Subscribe this channel" button on cards, and "Resume"
on the notice a paused digest sends its creator."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import App
from sqlalchemy import select

from bot import commands as grammar
from bot.blocks.digest import messages
from bot.blocks.kit import (
    Block,
    checkboxes,
    context,
    external_select,
    input_block,
    modal,
    option,
    radio_buttons,
    text_input,
    timepicker,
)
from bot.blocks.lists import message_card
from bot.blocks.modals import meta, read_meta
from bot.context import Deps, KamRequest, unit_of_work
from bot.forms import read_state
from bot.ids import Action, View
from bot.listeners.commands import handles, open_modal
from bot.listeners.views import submission_key
from bot.surfaces import reply
from bot.text import esc
from kam_core.digests.content import build_digest
from kam_core.digests.runs import last_posted
from kam_core.enums import Role, Source, SprintStatus, Visibility
from kam_core.errors import InvalidInput, NotAllowed
from kam_core.models import BusinessObjective, Member, Plan, Sprint, Territory
from kam_core.services import subscriptions

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
SCOPE_LABEL = {
    "sprint": "Sprint",
    "plan": "Plan",
    "territory": "Territory",
    "business_objective": "Goal",
    "member": "Person",
}


def digest_modal(channel: str, tz: str, scope: Block | None) -> Block:
    blocks: list[Block] = [
        context(f"Posts to <#{channel}> at the local time you choose, once a day on the chosen days."),
        input_block(
            "kind",
            "Digest",
            radio_buttons(
                "kind",
                [
                    option("Sprint digest — progress, burndown, due today, overdue, blocked", "sprint"),
                    option("Objective rollup — the tree with %, measures and risk", "rollup"),
                ],
                initial="sprint",
            ),
        ),
        input_block(
            "scope",
            "About",
            external_select(
                Action.SCOPE_SELECT, initial=scope, placeholder="A sprint, plan, territory, goal or person"
            ),
        ),
        input_block("local_time", "Time", timepicker("local_time", initial="09:00")),
        input_block(
            "timezone",
            "Time zone",
            text_input("timezone", initial=tz, max_length=64),
            hint="An IANA time zone such as Europe/Berlin or America/New_York.",
        ),
        input_block(
            "weekdays",
            "Days",
            checkboxes(
                "weekdays", [option(d, str(i)) for i, d in enumerate(DAYS)], initial=["0", "1", "2", "3", "4"]
            ),
        ),
    ]
    return modal(
        View.DIGEST_NEW,
        "Subscribe to digest",
        blocks,
        submit="Subscribe",
        private_metadata=meta(channel=channel),
    )


def scope_option(kind: str, key: str, label: str) -> Block:
    return option(f"{SCOPE_LABEL[kind]}: {label}", f"{kind}:{key}")


def _initial_scope(req: KamRequest, ref: str | None) -> Block | None:
    if not ref:
        return None
    if ref.startswith(("AP", "TP")):
        return scope_option("plan", ref, ref)
    if ref.startswith("SPR"):
        return scope_option("sprint", ref, ref)
    if ref.startswith("BO"):
        return scope_option("business_objective", ref, ref)
    return None


@handles("digest.subscribe")
def subscribe_form(req: KamRequest, cmd: grammar.Command) -> None:
    if req.actor.role is Role.VIEWER:
        raise NotAllowed("Viewers cannot subscribe channels to digests; ask a KAM or your manager.")
    channel = req.channel_id
    if not channel:
        raise InvalidInput.one(
            "channel", "run `/kam digest subscribe` in the channel that should get the digest"
        )
    open_modal(req, digest_modal(channel, req.member.tz or "UTC", _initial_scope(req, cmd.ref)))


def subscribe_submit(req: KamRequest) -> None:
    view = req.body.get("view") or {}
    values = read_state(view)
    kind_scope = values.get("scope") or ""
    scope_type, _, scope = kind_scope.partition(":")
    if not scope:
        raise InvalidInput.one("scope", "pick what the digest is about")
    sub = subscriptions.subscribe(
        session=req.session,
        actor=req.actor,
        data={
            "channel_id": read_meta(view).get("channel"),
            "kind": values.get("kind"),
            "scope_type": scope_type,
            "scope": scope,
            "local_time": values.get("local_time"),
            "timezone": values.get("timezone"),
            "weekdays": [int(d) for d in values.get("weekdays") or []],
        },
    )
    label = esc(subscriptions.scope_label(req.session, req.actor, sub))
    text = (
        f"✅ {sub.ref}: a {sub.kind.label.lower()} digest of {label} will post in <#{sub.channel_id}> at "
        f"{sub.local_time} {sub.timezone}, {subscriptions.weekdays_text(sub.weekdays)}."
    )
    req.later(lambda: req.client.chat_postEphemeral(channel=sub.channel_id, user=req.user_id, text=text))


@handles("digest.preview")
def preview(req: KamRequest, cmd: grammar.Command) -> None:
    assert cmd.ref
    sub = subscriptions.get_subscription(session=req.session, actor=req.actor, ref=cmd.ref)
    subscriptions.require_view_scope(req.session, req.actor, sub)
    local_date = datetime.now(UTC).astimezone(ZoneInfo(sub.timezone)).date()
    digest = build_digest(
        req.session, sub, local_date, last_posted(req.session, sub.workspace_id, sub.id, local_date)
    )
    cards = messages(digest, sub.ref)
    first = cards[0]
    if len(cards) > 1:
        first.blocks.append(
            context(f"In the channel, {len(cards) - 1} more message(s) follow in the thread.")
        )
    first.blocks.insert(0, message_card(f"Preview of {sub.ref} — only you can see this.").blocks[0])
    reply(req, first)


def resume(req: KamRequest) -> None:
    ref = ((req.body.get("actions") or [{}])[0]).get("value", "")
    sub = subscriptions.resume(session=req.session, actor=req.actor, ref=ref)
    when = f"{sub.local_time} {sub.timezone}"
    text = f"▶️ {sub.ref} resumed: the next digest posts in <#{sub.channel_id}> at {when}."
    reply(req, message_card(text), replace=True)


def subscribe_button(req: KamRequest) -> None:
    ref = ((req.body.get("actions") or [{}])[0]).get("value", "")
    subscribe_form(req, grammar.Command("digest.subscribe", ref=ref or None))


def scope_options(req: KamRequest, query: str) -> list[dict[str, Any]]:
    ws, q = req.actor.workspace_id, query.lower()
    found: list[dict[str, Any]] = []
    for sprint in req.session.scalars(
        select(Sprint).where(Sprint.workspace_id == ws, Sprint.status != SprintStatus.CLOSED)
    ):
        found.append(scope_option("sprint", sprint.ref, f"{sprint.ref} {sprint.name}"))
    visible = req.session.scalars(  # a private plan cannot have a channel digest
        select(Plan).where(Plan.workspace_id == ws, Plan.visibility == Visibility.WORKSPACE)
    )
    found += [scope_option("plan", p.ref, f"{p.ref} {p.name}") for p in visible]
    found += [
        scope_option("business_objective", g.ref, f"{g.ref} {g.name}")
        for g in req.session.scalars(select(BusinessObjective).where(BusinessObjective.workspace_id == ws))
    ]
    found += [
        scope_option("territory", t.name, t.name)
        for t in req.session.scalars(select(Territory).where(Territory.workspace_id == ws))
    ]
    found += [
        scope_option("member", m.slack_user_id, m.name or m.slack_user_id)
        for m in req.session.scalars(
            select(Member).where(Member.workspace_id == ws, Member.is_active.is_(True))
        )
    ]
    return [o for o in found if q in o["text"]["text"].lower()][:100]


def register(app: App, deps: Deps) -> None:
    app.view(View.DIGEST_NEW)(
        unit_of_work(deps, Source.MODAL, subscribe_submit, ack_first=False, once=submission_key)
    )
    app.action(Action.DIGEST_RESUME)(unit_of_work(deps, Source.BUTTON, resume))
    app.action(Action.SUBSCRIBE)(unit_of_work(deps, Source.BUTTON, subscribe_button))
