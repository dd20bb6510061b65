"""Options for the searchable selects in modals (accounts, territories, business objectives, contacts,
tactics): up to 100 matches, scoped to the workspace and to what the user may see or edit."""

from __future__ import annotations

from typing import Any

from slack_bolt import App
from sqlalchemy import func, or_, select

from bot.blocks.kit import option
from bot.blocks.modals import read_meta
from bot.context import Deps, KamRequest
from bot.ids import Action
from bot.listeners.digests import scope_options
from kam_core.actor import Actor
from kam_core.db import read_scope
from kam_core.enums import Level, TacticStatus
from kam_core.models import Account, BusinessObjective, Contact, Member, Objective, Plan, Tactic, Territory
from kam_core.permissions import visible_plans_clause
from kam_core.refs import get_by_ref
from kam_core.services.search import like_pattern

LIMIT = 100


def account_options(req: KamRequest, query: str) -> list[dict[str, Any]]:
    stmt = select(Account).where(Account.workspace_id == req.actor.workspace_id)
    if query:
        stmt = stmt.where(
            or_(
                func.lower(Account.name).like(like_pattern(query), escape="\\"),
                func.lower(Account.external_id).like(like_pattern(query), escape="\\"),
            )
        )
    return [
        option(a.name, a.external_id, a.external_id)
        for a in req.session.scalars(stmt.order_by(Account.name).limit(LIMIT))
    ]


def territory_options(req: KamRequest, query: str) -> list[dict[str, Any]]:
    stmt = select(Territory).where(Territory.workspace_id == req.actor.workspace_id)
    if query:
        stmt = stmt.where(func.lower(Territory.name).like(like_pattern(query), escape="\\"))
    rows = req.session.scalars(stmt.order_by(Territory.level, Territory.name).limit(LIMIT))
    return [option(t.name, t.name, t.level.label) for t in rows]


def goal_options(req: KamRequest, query: str) -> list[dict[str, Any]]:
    stmt = select(BusinessObjective).where(BusinessObjective.workspace_id == req.actor.workspace_id)
    if req.body.get("block_id") == "contributes_to":  # objectives serve territory-level goals
        stmt = stmt.where(BusinessObjective.level == Level.TERRITORY)
    if query:
        stmt = stmt.where(func.lower(BusinessObjective.name).like(like_pattern(query), escape="\\"))
    rows = req.session.scalars(stmt.order_by(BusinessObjective.number).limit(LIMIT))
    return [option(f"{g.ref} {g.name}", g.ref, g.level.label) for g in rows]


def contact_options(req: KamRequest, query: str) -> list[dict[str, Any]]:
    plan_ref = read_meta(req.body.get("view") or {}).get("plan")
    stmt = select(Contact).where(Contact.workspace_id == req.actor.workspace_id)
    if plan_ref:
        plan = get_by_ref(req.session, req.actor.workspace_id, Plan, plan_ref, "plan")
        stmt = stmt.where(Contact.account_id == plan.account_id)
    if query:
        stmt = stmt.where(func.lower(Contact.name).like(like_pattern(query), escape="\\"))
    rows = req.session.scalars(stmt.order_by(Contact.name).limit(LIMIT))
    return [option(c.name, c.external_id, c.title) for c in rows]


def tactic_options(req: KamRequest, query: str) -> list[dict[str, Any]]:
    visible = select(Plan.id).where(
        Plan.workspace_id == req.actor.workspace_id, visible_plans_clause(req.member)
    )
    stmt = (
        select(Tactic, Plan)
        .join(Objective, Objective.id == Tactic.objective_id)
        .join(Plan, Plan.id == Objective.plan_id)
        .where(
            Tactic.workspace_id == req.actor.workspace_id,
            Plan.id.in_(visible),
            Tactic.status.in_([TacticStatus.NOT_STARTED, TacticStatus.IN_PROGRESS]),
        )
    )
    if query:
        stmt = stmt.where(func.lower(Tactic.name).like(like_pattern(query), escape="\\"))
    rows = req.session.execute(stmt.order_by(Tactic.owner_id != req.actor.id, Tactic.number).limit(LIMIT))
    return [option(f"{t.ref} {t.name}", t.ref, f"{p.ref} {p.name}") for t, p in rows]


PROVIDERS = {
    Action.ACCOUNT_SELECT: account_options,
    Action.TERRITORY_SELECT: territory_options,
    Action.GOAL_SELECT: goal_options,
    Action.CONTACT_SELECT: contact_options,
    Action.TACTIC_SELECT: tactic_options,
    Action.SCOPE_SELECT: scope_options,  # the digest subscription's "About" picker
}


def _handler(deps: Deps, provider: Any) -> Any:
    # a closure, not a default argument: Bolt passes None for any parameter name it does not know
    def handler(ack: Any, body: dict[str, Any], context: Any, client: Any) -> None:
        with read_scope(deps.session_factory) as session:  # reads only: no write lock per keystroke
            member = session.get(Member, context["kam_member_id"])
            if member is None:
                ack(options=[])
                return
            req = KamRequest(session, Actor(member), body, client, context, deps)
            ack(options=provider(req, (body.get("value") or "").strip()[:100]))

    return handler


def register(app: App, deps: Deps) -> None:
    for action_id, provider in PROVIDERS.items():
        app.options(action_id)(_handler(deps, provider))
