"""Account plans (AP-n) and territory plans (TP-n): create, change, participants, products, status."""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, select, update
from sqlalchemy.orm import Session, selectinload

from kam_core.actor import Actor
from kam_core.audit import capture, record_event, record_events
from kam_core.enums import Role, TacticStatus, WorkStatus
from kam_core.errors import InvalidInput, NotAllowed
from kam_core.locking import check_version
from kam_core.models import (
    AccountPlan,
    Objective,
    Plan,
    PlanParticipant,
    PlanProduct,
    Tactic,
    TerritoryPlan,
    utcnow,
)
from kam_core.permissions import (
    require_edit_plan,
    require_view_plan,
    visible_plans_clause,
)
from kam_core.schemas import AccountPlanCreate, PlanUpdate, TerritoryPlanCreate, parse
from kam_core.services.common import (
    account_by_key,
    by_ref,
    new_record,
    product_named,
    resolve_member,
    territory_named,
)

PLAN_FIELDS = (
    "name",
    "owner_id",
    "period_start",
    "period_end",
    "status",
    "visibility",
    "vision",
    "priorities",
    "strengths",
    "weaknesses",
    "opportunities",
    "threats",
)


def require_not_viewer(actor: Actor, what: str) -> None:
    if actor.role is Role.VIEWER:
        raise NotAllowed(f"Viewers cannot create {what}s; an admin can give you the KAM role.")


def create_account_plan(
    *, session: Session, actor: Actor, data: AccountPlanCreate | dict[str, Any]
) -> AccountPlan:
    data = data if isinstance(data, AccountPlanCreate) else parse(AccountPlanCreate, data)
    account = account_by_key(session, actor, data.account)
    products = [product_named(session, actor, name) for name in data.products]
    swot = {
        k: getattr(data, k) for k in ("priorities", "strengths", "weaknesses", "opportunities", "threats")
    }
    plan = AccountPlan(account_id=account.id, **swot)
    _create_plan(session, actor, plan, data, products)
    return plan


def create_territory_plan(
    *, session: Session, actor: Actor, data: TerritoryPlanCreate | dict[str, Any]
) -> TerritoryPlan:
    data = data if isinstance(data, TerritoryPlanCreate) else parse(TerritoryPlanCreate, data)
    territory = territory_named(session, actor, data.territory)
    plan = TerritoryPlan(territory_id=territory.id)
    _create_plan(session, actor, plan, data, [])
    return plan


def _create_plan(
    session: Session,
    actor: Actor,
    plan: Plan,
    data: AccountPlanCreate | TerritoryPlanCreate,
    products: list[Any],
) -> None:
    """What every plan shares: checked before anything is written, then created, staffed and audited."""
    require_not_viewer(actor, plan.LABEL)
    owner = resolve_member(session, actor, data.owner, "owner")
    participants = [resolve_member(session, actor, user, "participants") for user in data.participants]
    plan.name, plan.owner_id, plan.status = data.name, owner.id, WorkStatus.NOT_STARTED
    plan.period_start, plan.period_end = data.period_start, data.period_end
    plan.visibility, plan.vision = data.visibility, data.vision
    new_record(session, actor, plan)
    session.flush()
    for member in participants:
        _add_participant(session, actor, plan, member.slack_user_id, "Contributor")
    for product in products:
        session.add(PlanProduct(workspace_id=actor.workspace_id, plan_id=plan.id, product_id=product.id))
    record_event(session, actor, "created", plan, after=capture(plan, PLAN_FIELDS))


def get_plan(*, session: Session, actor: Actor, ref: str, field: str = "plan") -> Plan:
    plan = by_ref(session, actor, Plan, ref, field)
    require_view_plan(session, actor, plan)
    return plan


def get_plan_for_edit(*, session: Session, actor: Actor, ref: str, field: str = "plan") -> Plan:
    plan = by_ref(session, actor, Plan, ref, field)
    require_edit_plan(session, actor, plan)
    return plan


def update_plan(
    *,
    session: Session,
    actor: Actor,
    ref: str,
    data: PlanUpdate | dict[str, Any],
    expected_version: int | None = None,
) -> Plan:
    data = data if isinstance(data, PlanUpdate) else parse(PlanUpdate, data)
    plan = get_plan_for_edit(session=session, actor=actor, ref=ref)
    check_version(plan, expected_version)
    before = capture(plan, PLAN_FIELDS)
    changes = data.model_dump(exclude_unset=True)
    start = changes.get("period_start", plan.period_start)
    end = changes.get("period_end", plan.period_end)
    if end < start:
        raise InvalidInput.one("period_end", "must be on or after the start")
    if "owner" in changes:
        plan.owner_id = resolve_member(session, actor, changes.pop("owner"), "owner").id
    for key, value in changes.items():
        setattr(plan, key, value)
    record_event(session, actor, "updated", plan, before=before, after=capture(plan, PLAN_FIELDS))
    return plan


def set_plan_status(*, session: Session, actor: Actor, ref: str, status: WorkStatus | str) -> Plan:
    """Change a plan's status. Completing a plan completes its open objectives and tactics."""
    status = WorkStatus.parse(status) if isinstance(status, str) else status
    plan = get_plan_for_edit(session=session, actor=actor, ref=ref)
    before = {"status": plan.status.value}
    plan.status = status
    if status is WorkStatus.COMPLETED:
        _complete_children(session, actor, plan)
    record_event(session, actor, "status_changed", plan, before=before, after={"status": status.value})
    return plan


def _complete_children(session: Session, actor: Actor, plan: Plan) -> None:
    """Complete the plan's open objectives and tactics in two set-based updates, with one audit event
    per record changed (status before and after)."""
    now, ws = utcnow(), actor.workspace_id
    objective_ids = select(Objective.id).where(Objective.plan_id == plan.id, Objective.workspace_id == ws)
    open_tactic = and_(
        Tactic.workspace_id == ws,
        Tactic.objective_id.in_(objective_ids),
        Tactic.status.in_([TacticStatus.NOT_STARTED, TacticStatus.IN_PROGRESS]),
    )
    open_objective = and_(
        Objective.workspace_id == ws,
        Objective.plan_id == plan.id,
        Objective.status.in_([WorkStatus.NOT_STARTED, WorkStatus.IN_PROGRESS]),
    )
    changed: list[tuple[Any, list[Any]]] = [
        (Tactic, list(session.execute(select(Tactic.id, Tactic.number, Tactic.status).where(open_tactic)))),
        (
            Objective,
            list(
                session.execute(
                    select(Objective.id, Objective.number, Objective.status).where(open_objective)
                )
            ),
        ),
    ]
    session.execute(
        update(Tactic)
        .where(open_tactic)
        .values(status=TacticStatus.COMPLETED, completed_at=now, version=Tactic.version + 1)
        .execution_options(synchronize_session="fetch")
    )
    session.execute(
        update(Objective)
        .where(open_objective)
        .values(status=WorkStatus.COMPLETED, completed_at=now, version=Objective.version + 1)
        .execution_options(synchronize_session="fetch")
    )
    for model, rows in changed:
        record_events(
            session,
            actor,
            "status_changed",
            model,
            [
                (record_id, f"{model.PREFIX}-{number}", {"status": status.value}, {"status": "completed"})
                for record_id, number, status in rows
            ],
        )


def _add_participant(session: Session, actor: Actor, plan: Plan, user: str, role: str) -> PlanParticipant:
    member = resolve_member(session, actor, user, "participants")
    existing = session.scalars(
        select(PlanParticipant).where(
            PlanParticipant.workspace_id == plan.workspace_id,
            PlanParticipant.plan_id == plan.id,
            PlanParticipant.member_id == member.id,
        )
    ).one_or_none()
    if existing is not None:
        existing.role = role
        return existing
    participant = PlanParticipant(
        workspace_id=actor.workspace_id, plan_id=plan.id, member_id=member.id, role=role
    )
    session.add(participant)
    return participant


def add_participant(
    *, session: Session, actor: Actor, ref: str, user: str, role: str = "Contributor"
) -> PlanParticipant:
    plan = get_plan_for_edit(session=session, actor=actor, ref=ref)
    participant = _add_participant(session, actor, plan, user, role)
    record_event(session, actor, "participant_added", plan, after={"member": user, "role": role})
    return participant


def remove_participant(*, session: Session, actor: Actor, ref: str, user: str) -> None:
    plan = get_plan_for_edit(session=session, actor=actor, ref=ref)
    member = resolve_member(session, actor, user, "participants")
    participant = session.scalars(
        select(PlanParticipant).where(
            PlanParticipant.workspace_id == plan.workspace_id,
            PlanParticipant.plan_id == plan.id,
            PlanParticipant.member_id == member.id,
        )
    ).one_or_none()
    if participant is None:
        raise InvalidInput.one("participants", f"<@{user}> is not a participant of {plan.ref}")
    session.delete(participant)
    record_event(session, actor, "participant_removed", plan, before={"member": user})


def add_product(*, session: Session, actor: Actor, ref: str, product: str) -> Plan:
    plan = get_plan_for_edit(session=session, actor=actor, ref=ref)
    found = product_named(session, actor, product, "product")
    exists = session.scalar(
        select(PlanProduct.id).where(
            PlanProduct.workspace_id == plan.workspace_id,
            PlanProduct.plan_id == plan.id,
            PlanProduct.product_id == found.id,
        )
    )
    if exists is None:
        session.add(PlanProduct(workspace_id=actor.workspace_id, plan_id=plan.id, product_id=found.id))
        record_event(session, actor, "product_added", plan, after={"product": found.name})
    return plan


def list_plans(
    *,
    session: Session,
    actor: Actor,
    mine: bool = False,
    kind: str | None = None,
    include_closed: bool = False,
) -> list[Plan]:
    """Plans the actor may see; `mine` keeps the ones they own or take part in."""
    stmt = (
        select(Plan)
        .where(Plan.workspace_id == actor.workspace_id, visible_plans_clause(actor.member))
        .options(selectinload(Plan.owner), selectinload(Plan.account), selectinload(Plan.territory))
        .order_by(Plan.kind, Plan.number)
    )
    if mine:
        participant = select(PlanParticipant.plan_id).where(
            PlanParticipant.workspace_id == actor.workspace_id, PlanParticipant.member_id == actor.id
        )
        stmt = stmt.where((Plan.owner_id == actor.id) | Plan.id.in_(participant))
    if kind:
        stmt = stmt.where(Plan.kind == kind)
    if not include_closed:
        stmt = stmt.where(Plan.status.not_in([WorkStatus.CANCELLED, WorkStatus.COMPLETED]))
    return list(session.scalars(stmt))
