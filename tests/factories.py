"""Test data built through the real services (so every record is audited and validated as in use)."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session

from kam_core.actor import Actor
from kam_core.enums import Role, Source
from kam_core.models import Workspace
from kam_core.services import objectives, plans, reference, tactics, tasks, workspaces

TODAY = date(2026, 6, 1)
PERIOD = (date(2026, 1, 1), date(2026, 12, 31))


def new_team_id() -> str:
    return "T" + secrets.token_hex(5).upper()


@dataclass
class World:
    session: Session
    workspace: Workspace
    admin: Actor
    manager: Actor
    kam: Actor
    other_kam: Actor
    viewer: Actor
    counter: dict[str, int] = field(default_factory=dict)

    @classmethod
    def create(cls, session: Session, team_id: str | None = None) -> World:
        workspace = workspaces.ensure_workspace(session, team_id=team_id or new_team_id(), name="Test Pharma")
        people = {}
        for uid, name, role in (
            ("UADMIN", "Ada Admin", Role.ADMIN),
            ("UMANAGER", "Max Manager", Role.MANAGER),
            ("UKAM", "Kim Kam", Role.KAM),
            ("UOTHER", "Olli Other", Role.KAM),
            ("UVIEWER", "Vic Viewer", Role.VIEWER),
        ):
            member = workspaces.ensure_member(session, workspace=workspace, slack_user_id=uid, name=name)
            member.role = role
            people[uid] = Actor(member, Source.COMMAND)
        admin = people["UADMIN"]
        reference.create_territory(session=session, actor=admin, name="Global", level="global")
        session.flush()
        reference.create_territory(
            session=session, actor=admin, name="DACH", level="affiliate", parent="Global", manager="UMANAGER"
        )
        session.flush()
        reference.create_territory(
            session=session, actor=admin, name="Berlin", level="territory", parent="DACH"
        )
        reference.create_territory(
            session=session, actor=admin, name="Nordics", level="affiliate", parent="Global"
        )
        session.flush()
        reference.create_territory(
            session=session, actor=admin, name="Oslo", level="territory", parent="Nordics"
        )
        reference.create_account(
            session=session, actor=admin, name="Charité", external_id="CRM-1", territory="Berlin"
        )
        reference.create_account(
            session=session,
            actor=admin,
            name="Oslo University Hospital",
            external_id="CRM-2",
            territory="Oslo",
        )
        session.flush()
        reference.create_contact(
            session=session,
            actor=admin,
            name="Dr Weber",
            account="CRM-1",
            external_id="C-1",
            title="Head of Oncology",
        )
        session.flush()
        return cls(
            session, workspace, admin, people["UMANAGER"], people["UKAM"], people["UOTHER"], people["UVIEWER"]
        )

    def plan(self, owner: Actor | None = None, account: str = "CRM-1", **extra: Any) -> Any:
        owner = owner or self.kam
        data = {
            "account": account,
            "name": extra.pop("name", "Test plan"),
            "period_start": PERIOD[0],
            "period_end": PERIOD[1],
            **extra,
        }
        return plans.create_account_plan(session=self.session, actor=owner, data=data)

    def objective(self, plan: Any, actor: Actor | None = None, **extra: Any) -> Any:
        data = {"plan": plan.ref, "name": extra.pop("name", "Objective"), **extra}
        return objectives.add_objective(session=self.session, actor=actor or self.kam, data=data)

    def tactic(self, objective: Any, actor: Actor | None = None, **extra: Any) -> Any:
        data = {"objective": objective.ref, "name": extra.pop("name", "Tactic"), **extra}
        return tactics.add_tactic(session=self.session, actor=actor or self.kam, data=data)

    def tasks(self, tactic: Any, *statuses: str, actor: Actor | None = None) -> list[Any]:
        """Add one task per status and move it there."""
        actor = actor or self.kam
        made = []
        for i, status in enumerate(statuses):
            task = tasks.add_task(
                session=self.session,
                actor=actor,
                data={
                    "tactic": tactic.ref,
                    "title": f"Task {i + 1}",
                    "due_date": TODAY + timedelta(days=i),
                },
            ).task
            action = {
                "completed": tasks.complete_task,
                "skipped": tasks.skip_task,
                "in_progress": tasks.start_task,
                "blocked": tasks.block_task,
            }.get(status)
            if action is not None:
                action(session=self.session, actor=actor, ref=task.ref)
            made.append(task)
        return made


class QueryCounter:
    """Counts SQL statements sent through an engine while active."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine
        self.count = 0
        self.statements: list[str] = []

    def _hook(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.strip().upper().startswith(("SAVEPOINT", "RELEASE", "BEGIN", "ROLLBACK", "COMMIT")):
            return
        self.count += 1
        self.statements.append(statement)

    def __enter__(self) -> QueryCounter:
        event.listen(self.engine, "before_cursor_execute", self._hook)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(self.engine, "before_cursor_execute", self._hook)
