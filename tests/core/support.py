"""Helpers for the kam_core tests: re-binding actors to another session, counting rows, and fast bulk
inserts (bypassing the services, but setting every required column and reserving reference numbers)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from kam_core.actor import Actor
from kam_core.enums import TacticStatus, TaskStatus, Visibility, WorkStatus
from kam_core.models import (
    Account,
    AccountPlan,
    AuditEvent,
    BusinessObjective,
    Contact,
    DigestSubscription,
    Member,
    Objective,
    Plan,
    PlanParticipant,
    RefCounter,
    Sprint,
    Stakeholder,
    Tactic,
    Task,
    Territory,
    utcnow,
)
from kam_core.refs import allocate_number

COUNTED = (
    Plan,
    PlanParticipant,
    Objective,
    Tactic,
    Task,
    Sprint,
    Stakeholder,
    BusinessObjective,
    DigestSubscription,
    Member,
    Territory,
    Account,
    Contact,
    AuditEvent,
)


def rebind(actor: Actor, session: Session) -> Actor:
    """The same member as an actor whose Member row is loaded in `session`."""
    member = session.get(Member, actor.member.id)
    assert member is not None
    return Actor(member, actor.source)


def row_counts(session: Session, workspace_id: int | None = None) -> dict[str, Any]:
    """Rows per table (of one workspace, or all), plus every record's status/version and the reference
    counters, so that any write shows up as a difference."""
    out: dict[str, Any] = {}
    for model in COUNTED:
        stmt = select(func.count()).select_from(model)
        if workspace_id is not None:
            stmt = stmt.where(model.workspace_id == workspace_id)
        out[model.__tablename__] = session.scalar(stmt)
    counters = select(RefCounter.workspace_id, RefCounter.prefix, RefCounter.last)
    if workspace_id is not None:
        counters = counters.where(RefCounter.workspace_id == workspace_id)
    out["ref_counters"] = sorted(tuple(r) for r in session.execute(counters))
    for model in (Plan, Objective, Tactic, Task):
        rows = select(model.id, model.status, model.version, model.updated_at)
        if workspace_id is not None:
            rows = rows.where(model.workspace_id == workspace_id)
        out[f"{model.__tablename__}_state"] = sorted(
            (r[0], str(r[1]), r[2], r[3].isoformat()) for r in session.execute(rows)
        )
    return out


def reserve_numbers(session: Session, workspace_id: int, prefix: str, count: int) -> int:
    """Reserve `count` consecutive reference numbers; returns the first."""
    first = allocate_number(session, workspace_id, prefix)
    if count > 1:
        session.execute(
            update(RefCounter)
            .where(RefCounter.workspace_id == workspace_id, RefCounter.prefix == prefix)
            .values(last=RefCounter.last + count - 1)
        )
    return first


TASK_CYCLE = (
    TaskStatus.COMPLETED,
    TaskStatus.NOT_STARTED,
    TaskStatus.IN_PROGRESS,
    TaskStatus.COMPLETED,
    TaskStatus.BLOCKED,
    TaskStatus.SKIPPED,
    TaskStatus.NOT_STARTED,
)


def bulk_plan(
    session: Session,
    *,
    workspace_id: int,
    owner_id: int,
    account_id: int,
    period: tuple[date, date],
    objectives: int,
    tactics: int,
    tasks: int,
    sprint_id: int | None = None,
    goal_id: int | None = None,
) -> AccountPlan:
    """One account plan with `objectives` x `tactics` x `tasks`, in a handful of statements."""
    now = utcnow()
    plan = AccountPlan(
        workspace_id=workspace_id,
        number=reserve_numbers(session, workspace_id, "AP", 1),
        name="Bulk plan",
        account_id=account_id,
        owner_id=owner_id,
        period_start=period[0],
        period_end=period[1],
        status=WorkStatus.IN_PROGRESS,
        visibility=Visibility.WORKSPACE,
    )
    session.add(plan)
    session.flush()
    first_obj = reserve_numbers(session, workspace_id, "OBJ", objectives)
    objective_rows = [
        Objective(
            workspace_id=workspace_id,
            number=first_obj + i,
            plan_id=plan.id,
            name=f"Bulk objective {i}",
            owner_id=owner_id,
            status=WorkStatus.IN_PROGRESS,
            weight=1.0 + (i % 3),
            contributes_to_id=goal_id,
        )
        for i in range(objectives)
    ]
    session.add_all(objective_rows)
    session.flush()
    first_tac = reserve_numbers(session, workspace_id, "TAC", objectives * tactics)
    tactic_rows = [
        Tactic(
            workspace_id=workspace_id,
            number=first_tac + i * tactics + j,
            objective_id=objective.id,
            name=f"Bulk tactic {i}.{j}",
            owner_id=owner_id,
            status=TacticStatus.CANCELLED if j == 3 else TacticStatus.IN_PROGRESS,
            weight=1.0 if j % 2 else 2.0,
            sprint_id=sprint_id if j == 0 else None,
        )
        for i, objective in enumerate(objective_rows)
        for j in range(tactics)
    ]
    session.add_all(tactic_rows)
    session.flush()
    first_task = reserve_numbers(session, workspace_id, "TSK", len(tactic_rows) * tasks)
    task_rows = [
        {
            "workspace_id": workspace_id,
            "number": first_task + n * tasks + k,
            "tactic_id": tactic.id,
            "title": f"Bulk task {n}.{k}",
            "status": TASK_CYCLE[(n + k) % len(TASK_CYCLE)],
            "assignee_id": owner_id,
            "due_date": period[0],
            "version": 1,
            "created_at": now,
            "updated_at": now,
        }
        for n, tactic in enumerate(tactic_rows)
        for k in range(tasks)
    ]
    session.execute(insert(Task), task_rows)
    return plan
