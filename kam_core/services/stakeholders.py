"""Stakeholders (ST-n): the contacts that matter for a plan, their influence and who covers them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from kam_core.actor import Actor
from kam_core.audit import capture, record_event
from kam_core.errors import InvalidInput
from kam_core.models import Objective, Plan, Stakeholder
from kam_core.permissions import require_edit_plan, require_view_plan
from kam_core.schemas import StakeholderCreate, parse
from kam_core.services.common import by_ref, contact_by_key, new_record, resolve_member

FIELDS = ("contact_id", "role", "influence", "strength", "covering_member_id", "objective_id")


def add_stakeholder(
    *, session: Session, actor: Actor, data: StakeholderCreate | dict[str, Any]
) -> Stakeholder:
    data = data if isinstance(data, StakeholderCreate) else parse(StakeholderCreate, data)
    plan = by_ref(session, actor, Plan, data.plan, "plan")
    require_edit_plan(session, actor, plan)
    contact = contact_by_key(session, actor, data.contact, plan.account_id, "contact")
    objective = by_ref(session, actor, Objective, data.objective, "objective") if data.objective else None
    if objective is not None and objective.plan_id != plan.id:
        raise InvalidInput.one("objective", f"{objective.ref} belongs to another plan, not {plan.ref}")
    covering = resolve_member(session, actor, data.covering, "covering") if data.covering else None
    stakeholder = new_record(
        session,
        actor,
        Stakeholder(
            plan_id=plan.id,
            contact_id=contact.id,
            role=data.role or (contact.title or ""),
            influence=data.influence,
            strength=data.strength,
            covering_member_id=covering.id if covering else None,
            objective_id=objective.id if objective else None,
        ),
    )
    record_event(session, actor, "created", stakeholder, after=capture(stakeholder, FIELDS))
    return stakeholder


def list_stakeholders(*, session: Session, actor: Actor, plan: str) -> list[Stakeholder]:
    found = by_ref(session, actor, Plan, plan, "plan")
    require_view_plan(session, actor, found)
    stmt = (
        select(Stakeholder)
        .where(Stakeholder.workspace_id == actor.workspace_id, Stakeholder.plan_id == found.id)
        .options(selectinload(Stakeholder.contact), selectinload(Stakeholder.covering_member))
        .order_by(Stakeholder.number)
    )
    rank = {"high": 0, "medium": 1, "low": 2}
    return sorted(session.scalars(stmt), key=lambda s: (rank[s.influence.value], s.number))
