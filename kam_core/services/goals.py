"""Business objectives (BO-n): the global -> affiliate -> territory tree, with measures."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kam_core.actor import Actor
from kam_core.audit import capture, record_event
from kam_core.enums import Level, Role, WorkStatus
from kam_core.errors import InvalidInput, NotAllowed
from kam_core.models import BusinessObjective, utcnow
from kam_core.permissions import manages_territory, require_goal_edit
from kam_core.schemas import GoalCreate, MeasureInput, parse
from kam_core.services.common import by_ref, new_record, parse_amount, resolve_member, territory_named

GOAL_FIELDS = (
    "name",
    "level",
    "parent_id",
    "territory_id",
    "period_start",
    "period_end",
    "owner_id",
    "status",
)
MEASURE_FIELDS = ("measure_unit", "measure_target", "measure_current", "measure_label", "measure_currency")
PARENT_LEVEL = {Level.AFFILIATE: Level.GLOBAL, Level.TERRITORY: Level.AFFILIATE}


def create_goal(*, session: Session, actor: Actor, data: GoalCreate | dict[str, Any]) -> BusinessObjective:
    """Admins set goals at every level; managers within the territories they manage."""
    data = data if isinstance(data, GoalCreate) else parse(GoalCreate, data)
    territory = territory_named(session, actor, data.territory) if data.territory else None
    if actor.role is not Role.ADMIN:
        if actor.role is not Role.MANAGER:
            raise NotAllowed("Only admins and managers set business objectives; ask your manager.")
        if (
            data.level is Level.GLOBAL
            or territory is None
            or not manages_territory(session, actor.member, territory.id)
        ):
            raise NotAllowed(
                "Managers set business objectives for the territories they manage; "
                "global objectives are set by admins."
            )
    parent = by_ref(session, actor, BusinessObjective, data.parent, "parent") if data.parent else None
    if parent is not None and PARENT_LEVEL.get(data.level) is not parent.level:
        expected = PARENT_LEVEL.get(data.level)
        raise InvalidInput.one(
            "parent",
            f"a {data.level.value} objective sits under a {expected.value if expected else 'no'} objective; "
            f"{parent.ref} is {parent.level.value}",
        )
    if parent is not None and (
        data.period_start < parent.period_start or data.period_end > parent.period_end
    ):
        raise InvalidInput.one("period_end", f"must fall within {parent.ref}'s period")
    owner = resolve_member(session, actor, data.owner, "owner")
    goal = new_record(
        session,
        actor,
        BusinessObjective(
            name=data.name,
            description=data.description,
            level=data.level,
            parent_id=parent.id if parent else None,
            territory_id=territory.id if territory else None,
            period_start=data.period_start,
            period_end=data.period_end,
            owner_id=owner.id,
            status=WorkStatus.NOT_STARTED,
        ),
    )
    if data.measure:
        apply_measure(goal, data.measure)
    record_event(session, actor, "created", goal, after=capture(goal, GOAL_FIELDS + MEASURE_FIELDS))
    return goal


def apply_measure(record: Any, measure: MeasureInput) -> None:
    record.measure_unit = measure.unit
    record.measure_target = measure.target
    record.measure_current = measure.current if measure.current is not None else Decimal(0)
    record.measure_label = measure.label
    record.measure_currency = measure.currency
    record.measure_updated_at = utcnow()


def get_goal(*, session: Session, actor: Actor, ref: str, field: str = "goal") -> BusinessObjective:
    return by_ref(session, actor, BusinessObjective, ref, field)


def set_goal_status(
    *, session: Session, actor: Actor, ref: str, status: WorkStatus | str
) -> BusinessObjective:
    status = WorkStatus.parse(status) if isinstance(status, str) else status
    goal = get_goal(session=session, actor=actor, ref=ref)
    require_goal_edit(session, actor, goal)
    before = {"status": goal.status.value}
    goal.status = status
    record_event(session, actor, "status_changed", goal, before=before, after={"status": status.value})
    return goal


def set_goal_measure(
    *, session: Session, actor: Actor, ref: str, current: Decimal | str | float, target: Decimal | None = None
) -> BusinessObjective:
    goal = get_goal(session=session, actor=actor, ref=ref)
    require_goal_edit(session, actor, goal)
    if goal.measure_unit is None:
        raise InvalidInput.one("measure", f"{goal.ref} has no measure yet")
    before = capture(goal, MEASURE_FIELDS)
    goal.measure_current = parse_amount(current, "current")
    if target is not None:
        goal.measure_target = parse_amount(target, "target")
    goal.measure_updated_at = utcnow()
    record_event(session, actor, "measure_updated", goal, before=before, after=capture(goal, MEASURE_FIELDS))
    return goal


def list_goals(*, session: Session, actor: Actor) -> list[BusinessObjective]:
    stmt = (
        select(BusinessObjective)
        .where(BusinessObjective.workspace_id == actor.workspace_id)
        .order_by(BusinessObjective.number)
    )
    return list(session.scalars(stmt))
