"""Workspaces and members: created on first contact; the first member a workspace sees is its admin."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kam_core.actor import Actor
from kam_core.audit import record_event
from kam_core.enums import Role, Source
from kam_core.errors import InvalidInput, NotAllowed, NotFound
from kam_core.models import Member, Workspace, utcnow
from kam_core.permissions import require_admin
from kam_core.refs import allocate_number

SYSTEM_USER_ID = "USYSTEMKAM"
MEMBER_COUNTER = "MBR"


def find_workspace(
    session: Session, team_id: str | None, enterprise_id: str | None = None
) -> Workspace | None:
    key = Workspace.key_for(team_id, enterprise_id)
    return session.scalars(select(Workspace).where(Workspace.slack_key == key)).one_or_none()


def ensure_workspace(
    session: Session, *, team_id: str | None, enterprise_id: str | None = None, name: str = ""
) -> Workspace:
    """The workspace for a Slack team, created on first contact (safe under concurrent first requests)."""
    existing = find_workspace(session, team_id, enterprise_id)
    if existing is not None:
        return existing
    workspace = Workspace(
        slack_key=Workspace.key_for(team_id, enterprise_id),
        team_id=team_id or "",
        enterprise_id=enterprise_id,
        name=name,
    )
    try:
        with session.begin_nested():
            session.add(workspace)
    except IntegrityError:
        found = find_workspace(session, team_id, enterprise_id)
        if found is None:
            raise
        return found
    return workspace


def get_workspace(session: Session, team_id: str) -> Workspace:
    workspace = find_workspace(session, team_id)
    if workspace is None:
        raise NotFound("Workspace", team_id, "workspace")
    return workspace


def ensure_member(
    session: Session,
    *,
    workspace: Workspace,
    slack_user_id: str,
    name: str | None = None,
    email: str | None = None,
    tz: str | None = None,
) -> Member:
    """The member for a Slack user, created on first contact."""
    stmt = select(Member).where(Member.workspace_id == workspace.id, Member.slack_user_id == slack_user_id)
    member = session.scalars(stmt).one_or_none()
    if member is None:
        member = create_member(session, workspace.id, slack_user_id)
    if name is not None or email is not None or tz is not None:
        update_profile(session, member, name=name, email=email, tz=tz)
    return member


def create_member(session: Session, workspace_id: int, slack_user_id: str, name: str = "") -> Member:
    """Add a Slack user as a KAM. The first member a workspace ever sees becomes its admin: the member
    counter row is locked on allocation, so two concurrent first contacts cannot both be first."""
    member = Member(workspace_id=workspace_id, slack_user_id=slack_user_id, name=name, role=Role.KAM)
    try:
        with session.begin_nested():
            session.add(member)
    except IntegrityError:
        stmt = select(Member).where(
            Member.workspace_id == workspace_id, Member.slack_user_id == slack_user_id
        )
        return session.scalars(stmt).one()
    if allocate_number(session, workspace_id, MEMBER_COUNTER) == 1:
        member.role = Role.ADMIN
        record_event(
            session,
            None,
            "role_granted",
            member,
            before={"role": "kam"},
            after={"role": "admin"},
            source=Source.COMMAND,
        )
    return member


def update_profile(
    session: Session, member: Member, *, name: str | None, email: str | None, tz: str | None
) -> Member:
    if name is not None:
        member.name = name
    if email is not None:
        member.email = email
    if tz is not None:
        member.tz = tz
    member.profile_refreshed_at = utcnow()
    return member


def profile_is_stale(member: Member, now: datetime | None = None, max_age_hours: float = 24.0) -> bool:
    if member.profile_refreshed_at is None:
        return True
    age = (now or utcnow()) - member.profile_refreshed_at
    return age.total_seconds() > max_age_hours * 3600


def system_actor(session: Session, workspace: Workspace, source: Source = Source.CLI) -> Actor:
    """The operator at the command line: acts as an admin, never counts as a Slack member."""
    stmt = select(Member).where(Member.workspace_id == workspace.id, Member.slack_user_id == SYSTEM_USER_ID)
    member = session.scalars(stmt).one_or_none()
    if member is None:
        member = Member(
            workspace_id=workspace.id,
            slack_user_id=SYSTEM_USER_ID,
            name="KAM admin (CLI)",
            role=Role.ADMIN,
            is_active=False,
        )
        session.add(member)
        session.flush()
    return Actor(member, source)


def active_admins(session: Session, workspace_id: int) -> int:
    """How many active admins the workspace has. On PostgreSQL their rows stay locked until commit, so
    two admins demoting each other at the same moment cannot both succeed (the second recounts)."""
    stmt = (
        select(Member.id)
        .where(Member.workspace_id == workspace_id, Member.role == Role.ADMIN, Member.is_active.is_(True))
        .with_for_update()
    )
    return len(session.scalars(stmt).all())


def grant_role(*, session: Session, actor: Actor, slack_user_id: str, role: Role | str) -> Member:
    """Give a member a role. Admins only; the last admin cannot step down."""
    require_admin(actor, doing="change roles")
    try:
        new_role = Role(role) if not isinstance(role, Role) else role
    except ValueError:
        raise InvalidInput.one("role", "must be one of admin, manager, kam, viewer") from None
    workspace = session.get(Workspace, actor.workspace_id)
    assert workspace is not None
    member = ensure_member(session, workspace=workspace, slack_user_id=slack_user_id)
    if member.role is Role.ADMIN and new_role is not Role.ADMIN and active_admins(session, workspace.id) <= 1:
        raise NotAllowed(f"<@{slack_user_id}> is the only admin; make someone else admin first.")
    before = {"role": member.role.value}
    member.role = new_role
    record_event(session, actor, "role_granted", member, before=before, after={"role": new_role.value})
    return member


def list_members(session: Session, workspace_id: int) -> list[Member]:
    stmt = (
        select(Member)
        .where(Member.workspace_id == workspace_id, Member.is_active.is_(True))
        .order_by(Member.name, Member.slack_user_id)
    )
    return list(session.scalars(stmt))
