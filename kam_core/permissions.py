"""Who may do what (product.md §5). Every refusal carries the reason, in one sentence.

Admins may do everything. A plan's owner and participants edit it; managers edit plans in the
territories they manage (and the territories below them); everyone else reads workspace-visible plans
only; private plans are visible to their owner, participants and admins alone. Viewers never change
anything.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, exists, or_, select, true
from sqlalchemy.orm import Session

from kam_core.actor import Actor
from kam_core.enums import Role, Visibility
from kam_core.errors import InvalidInput, NotAllowed
from kam_core.models import Account, BusinessObjective, Member, Plan, PlanParticipant, Task, Territory

VIEWER_REFUSAL = "viewers can read KAM records but not change them; an admin can give you the KAM role"


def _territory_parents(session: Session, workspace_id: int) -> dict[int, tuple[int | None, int | None]]:
    """territory id -> (parent id, manager member id), loaded once per session."""
    key = ("territory_parents", workspace_id)
    cached = session.info.get(key)
    if cached is None:
        rows = session.execute(
            select(Territory.id, Territory.parent_id, Territory.manager_id).where(
                Territory.workspace_id == workspace_id
            )
        )
        cached = {tid: (parent, manager) for tid, parent, manager in rows}
        session.info[key] = cached
    return cached


def forget_territories(session: Session, workspace_id: int) -> None:
    session.info.pop(("territory_parents", workspace_id), None)


def manages_territory(session: Session, member: Member, territory_id: int | None) -> bool:
    """True when the member manages this territory or one of its ancestors."""
    if territory_id is None or member.role is not Role.MANAGER:
        return False
    tree = _territory_parents(session, member.workspace_id)
    seen: set[int] = set()
    current: int | None = territory_id
    while current is not None and current not in seen and current in tree:
        seen.add(current)
        parent, manager = tree[current]
        if manager == member.id:
            return True
        current = parent
    return False


def managed_territory_ids(session: Session, member: Member) -> set[int]:
    tree = _territory_parents(session, member.workspace_id)
    return {tid for tid in tree if manages_territory(session, member, tid)}


def plan_territory_id(session: Session, plan: Plan) -> int | None:
    if plan.territory_id is not None:
        return plan.territory_id
    if plan.account_id is None:
        return None
    return session.scalar(
        select(Account.territory_id).where(
            Account.workspace_id == plan.workspace_id, Account.id == plan.account_id
        )
    )


def is_participant(session: Session, member: Member, plan: Plan) -> bool:
    if plan.owner_id == member.id:
        return True
    stmt = select(PlanParticipant.id).where(
        PlanParticipant.workspace_id == plan.workspace_id,
        PlanParticipant.plan_id == plan.id,
        PlanParticipant.member_id == member.id,
    )
    return session.scalar(stmt) is not None


def can_view_plan(session: Session, member: Member, plan: Plan) -> bool:
    if plan.visibility is Visibility.WORKSPACE or member.role is Role.ADMIN:
        return True
    return is_participant(session, member, plan)


def require_view_plan(session: Session, actor: Actor, plan: Plan) -> None:
    if not can_view_plan(session, actor.member, plan):
        raise NotAllowed(
            f"{plan.ref} is a private plan: only its owner, its participants and admins can see it."
        )


def require_member_sees(session: Session, member: Member, plan: Plan, field: str) -> None:
    """Work in a private plan goes only to someone who may see the plan (an assignment DM, a task list
    would otherwise show them its names). Refused on the form's field, saying what to do."""
    if not can_view_plan(session, member, plan):
        who = f"<@{member.slack_user_id}>"
        raise InvalidInput.one(
            field, f"{who} cannot see {plan.ref} (private): add them as a participant first"
        )


def edit_refusal(session: Session, member: Member, plan: Plan) -> str | None:
    """None when the member may change the plan and everything in it; otherwise why not."""
    if member.role is Role.ADMIN:
        return None
    if not can_view_plan(session, member, plan):  # before the role: nothing about it is told
        return f"{plan.ref} is a private plan: only its owner, its participants and admins can see it."
    if member.role is Role.VIEWER:
        return f"You cannot change {plan.ref}: {VIEWER_REFUSAL}."
    if is_participant(session, member, plan):
        return None
    if manages_territory(session, member, plan_territory_id(session, plan)):
        return None
    return (
        f"You cannot change {plan.ref}: only its owner (<@{plan.owner.slack_user_id}>), its participants, "
        "managers of its territory and admins can."
    )


def require_edit_plan(session: Session, actor: Actor, plan: Plan) -> None:
    reason = edit_refusal(session, actor.member, plan)
    if reason:
        raise NotAllowed(reason)


def require_task_update(session: Session, actor: Actor, task: Task, plan: Plan) -> None:
    """Status changes on a task: the plan's editors, or the task's own assignee."""
    if (
        actor.role is not Role.VIEWER
        and task.assignee_id == actor.id
        and can_view_plan(session, actor.member, plan)
    ):
        return
    require_edit_plan(session, actor, plan)


def require_role(actor: Actor, *roles: Role, doing: str) -> None:
    if actor.role is Role.ADMIN or actor.role in roles:
        return
    allowed = ", ".join(["admins", *[r.label.lower() + "s" for r in roles]])
    raise NotAllowed(f"Only {allowed} can {doing}; you are a {actor.role.label}.")


def require_admin(actor: Actor, doing: str) -> None:
    require_role(actor, doing=doing)


def require_goal_edit(session: Session, actor: Actor, goal: BusinessObjective) -> None:
    if actor.is_admin or (goal.owner_id == actor.id and actor.role is not Role.VIEWER):
        return
    if actor.role is Role.MANAGER and manages_territory(session, actor.member, goal.territory_id):
        return
    raise NotAllowed(
        f"You cannot change {goal.ref}: only its owner, managers of its territory and admins can."
    )


def visible_plans_clause(member: Member) -> ColumnElement[bool]:
    """A WHERE clause limiting a Plan query to the plans this member may see."""
    if member.role is Role.ADMIN:
        return true()
    participant = exists().where(PlanParticipant.plan_id == Plan.id, PlanParticipant.member_id == member.id)
    return or_(Plan.visibility == Visibility.WORKSPACE, Plan.owner_id == member.id, participant)
