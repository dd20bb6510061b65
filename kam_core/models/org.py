"""Who and what is planned for: workspaces, members, territories, accounts, contacts, products."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kam_core.enums import Level, Role
from kam_core.models.base import Base, WorkspaceScoped, code, utcnow


class Workspace(Base):
    """A Slack team (Enterprise Grid: enterprise id + team id)."""

    __tablename__ = "workspaces"
    id: Mapped[int] = mapped_column(primary_key=True)
    slack_key: Mapped[str] = mapped_column(String(80), unique=True)
    team_id: Mapped[str] = mapped_column(String(32))
    enterprise_id: Mapped[str | None] = mapped_column(String(32), default=None)
    name: Mapped[str] = mapped_column(default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @staticmethod
    def key_for(team_id: str | None, enterprise_id: str | None) -> str:
        return f"{enterprise_id or '-'}:{team_id or '-'}"


class Member(WorkspaceScoped, Base):
    __tablename__ = "members"
    __table_args__ = (UniqueConstraint("workspace_id", "slack_user_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    slack_user_id: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(default="")
    email: Mapped[str | None] = mapped_column(default=None)
    tz: Mapped[str | None] = mapped_column(String(64), default=None)
    role: Mapped[Role] = mapped_column(code(Role), default=Role.KAM)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    profile_refreshed_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def mention(self) -> str:
        return f"<@{self.slack_user_id}>"

    @property
    def display(self) -> str:
        return self.name or self.slack_user_id


class Territory(WorkspaceScoped, Base):
    """A node of the territory tree: global -> affiliate -> territory."""

    __tablename__ = "territories"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column()
    level: Mapped[Level] = mapped_column(code(Level))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"), default=None, index=True)
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), default=None)
    external_id: Mapped[str | None] = mapped_column(String(80), default=None)

    parent: Mapped[Territory | None] = relationship(remote_side="Territory.id")
    manager: Mapped[Member | None] = relationship()


class Account(WorkspaceScoped, Base):
    __tablename__ = "accounts"
    __table_args__ = (UniqueConstraint("workspace_id", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column()
    external_id: Mapped[str] = mapped_column(String(80))
    account_type: Mapped[str] = mapped_column(String(60), default="Hospital")
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"), default=None, index=True)

    territory: Mapped[Territory | None] = relationship()


class Contact(WorkspaceScoped, Base):
    __tablename__ = "contacts"
    __table_args__ = (UniqueConstraint("workspace_id", "external_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column()
    title: Mapped[str | None] = mapped_column(default=None)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), index=True)
    external_id: Mapped[str] = mapped_column(String(80))

    account: Mapped[Account] = relationship()


class Product(WorkspaceScoped, Base):
    __tablename__ = "products"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column()
