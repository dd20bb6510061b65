"""A workspace always keeps an admin: not when two admins demote each other at once (PostgreSQL), not
through a CSV import."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kam_core.db import session_scope
from kam_core.enums import Role
from kam_core.errors import NotAllowed
from kam_core.models import Member
from kam_core.services import workspaces
from kam_core.services.imports import ImportFailed, import_csv
from tests.core.support import rebind
from tests.factories import World


def _admins(session: Session, workspace_id: int) -> int:
    return (
        session.scalar(
            select(func.count(Member.id)).where(
                Member.workspace_id == workspace_id, Member.role == Role.ADMIN, Member.is_active.is_(True)
            )
        )
        or 0
    )


@pytest.mark.postgres_only
def test_two_admins_demoting_each_other_at_once_leave_one(
    committed_world: World, session_factory: sessionmaker[Session]
) -> None:
    world = committed_world
    workspaces.grant_role(session=world.session, actor=world.admin, slack_user_id="UMANAGER", role="admin")
    world.session.commit()
    barrier = threading.Barrier(2)
    outcome: dict[str, str] = {}

    def demote(actor_user: str, target: str) -> None:
        try:
            with session_scope(session_factory) as s:
                me = world.admin if actor_user == "UADMIN" else world.manager
                actor = rebind(me, s)
                barrier.wait(timeout=10)
                workspaces.grant_role(session=s, actor=actor, slack_user_id=target, role="kam")
            outcome[actor_user] = "demoted"
        except NotAllowed as refused:
            outcome[actor_user] = refused.message

    threads = [
        threading.Thread(target=demote, args=pair)
        for pair in (("UADMIN", "UMANAGER"), ("UMANAGER", "UADMIN"))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    results = list(outcome.values())
    assert results.count("demoted") == 1, outcome
    assert sum("is the only admin" in r for r in results) == 1, outcome
    with session_scope(session_factory) as s:
        assert _admins(s, world.workspace.id) == 1


def test_an_import_cannot_demote_the_last_admin(world: World) -> None:
    before = _admins(world.session, world.workspace.id)
    assert before == 1
    with pytest.raises(ImportFailed) as failed:
        import_csv(
            session=world.session,
            actor=world.admin,
            kind="members",
            text="slack_user_id,name,role\nUKAM,Kim Kam,manager\nUADMIN,Ada Admin,kam\n",
        )
    assert [(e.line, e.column) for e in failed.value.errors] == [(3, "role")]
    assert "without an admin" in failed.value.errors[0].reason
    assert _admins(world.session, world.workspace.id) == 1
    assert world.kam.member.role is Role.KAM  # nothing of the file was applied
