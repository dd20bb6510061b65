"""Sprints (SPR-n): timeboxes that tactics point at; closing one carries its open tactics forward."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kam_core.actor import Actor
from kam_core.audit import capture, record_event
from kam_core.enums import Role, SprintStatus, TacticStatus
from kam_core.errors import InvalidInput, NotAllowed
from kam_core.models import Sprint, Tactic, utcnow
from kam_core.permissions import require_role
from kam_core.schemas import SprintCreate, parse
from kam_core.services.common import by_ref, new_record, resolve_member
from kam_core.services.tactics import open_sprint, set_tactic_sprint

SPRINT_FIELDS = ("name", "owner_id", "start_date", "end_date", "goal", "status")


def create_sprint(*, session: Session, actor: Actor, data: SprintCreate | dict[str, Any]) -> Sprint:
    require_role(actor, Role.MANAGER, Role.KAM, doing="create sprints")
    data = data if isinstance(data, SprintCreate) else parse(SprintCreate, data)
    owner = resolve_member(session, actor, data.owner, "owner")
    sprint = new_record(
        session,
        actor,
        Sprint(
            name=data.name,
            owner_id=owner.id,
            start_date=data.start_date,
            end_date=data.end_date,
            goal=data.goal,
            status=SprintStatus.PLANNED,
        ),
    )
    record_event(session, actor, "created", sprint, after=capture(sprint, SPRINT_FIELDS))
    return sprint


def get_sprint(*, session: Session, actor: Actor, ref: str, field: str = "sprint") -> Sprint:
    return by_ref(session, actor, Sprint, ref, field)


def _require_sprint_edit(actor: Actor, sprint: Sprint) -> None:
    if actor.is_admin or actor.role is Role.MANAGER or sprint.owner_id == actor.id:
        return
    raise NotAllowed(
        f"You cannot change {sprint.ref}: only its owner (<@{sprint.owner.slack_user_id}>), "
        "managers and admins can."
    )


def start_sprint(*, session: Session, actor: Actor, ref: str) -> Sprint:
    sprint = get_sprint(session=session, actor=actor, ref=ref)
    _require_sprint_edit(actor, sprint)
    if sprint.status is not SprintStatus.PLANNED:
        raise InvalidInput.one("sprint", f"{sprint.ref} is already {sprint.status.label.lower()}")
    sprint.status = SprintStatus.ACTIVE
    record_event(session, actor, "started", sprint, before={"status": "planned"}, after={"status": "active"})
    return sprint


def add_tactic_to_sprint(*, session: Session, actor: Actor, sprint: str, tactic: str) -> Tactic:
    """Point a tactic at a sprint (needs edit rights on the tactic's plan)."""
    target = open_sprint(session, actor, sprint)
    return set_tactic_sprint(session=session, actor=actor, ref=tactic, sprint=target.ref)


@dataclass
class SprintClosure:
    sprint: Sprint
    carried: list[str] = field(default_factory=list)
    unscheduled: list[str] = field(default_factory=list)
    carried_to: Sprint | None = None


def close_sprint(*, session: Session, actor: Actor, ref: str, carry_to: str | None = None) -> SprintClosure:
    """Close a sprint. Its open tactics (not completed, not cancelled) move to `carry_to`, a planned or
    active sprint; without one they go back to the backlog (no sprint)."""
    sprint = get_sprint(session=session, actor=actor, ref=ref)
    _require_sprint_edit(actor, sprint)
    if sprint.status is SprintStatus.CLOSED:
        raise InvalidInput.one("sprint", f"{sprint.ref} is already closed")
    target = open_sprint(session, actor, carry_to, "carry_to") if carry_to else None
    if target is not None and target.id == sprint.id:
        raise InvalidInput.one("carry_to", "must be another sprint than the one being closed")
    open_tactics = list(
        session.scalars(
            select(Tactic)
            .where(
                Tactic.workspace_id == actor.workspace_id,
                Tactic.sprint_id == sprint.id,
                Tactic.status.in_([TacticStatus.NOT_STARTED, TacticStatus.IN_PROGRESS]),
            )
            .order_by(Tactic.number)
        )
    )
    closure = SprintClosure(sprint, carried_to=target)
    for tactic in open_tactics:
        tactic.sprint_id = target.id if target else None
        (closure.carried if target else closure.unscheduled).append(tactic.ref)
        record_event(
            session,
            actor,
            "sprint_changed",
            tactic,
            before={"sprint": sprint.ref},
            after={"sprint": target.ref if target else None},
        )
    before = capture(sprint, SPRINT_FIELDS)
    sprint.status = SprintStatus.CLOSED
    sprint.closed_at = utcnow()
    record_event(
        session,
        actor,
        "closed",
        sprint,
        before=before,
        after={
            **capture(sprint, SPRINT_FIELDS),
            "carried": closure.carried,
            "carried_to": target.ref if target else None,
            "unscheduled": closure.unscheduled,
        },
    )
    return closure


def list_sprints(*, session: Session, actor: Actor, include_closed: bool = False) -> list[Sprint]:
    stmt = (
        select(Sprint)
        .where(Sprint.workspace_id == actor.workspace_id)
        .order_by(Sprint.start_date, Sprint.number)
    )
    if not include_closed:
        stmt = stmt.where(Sprint.status != SprintStatus.CLOSED)
    return list(session.scalars(stmt))
