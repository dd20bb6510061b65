"""Goal setting and strategic planning: business objectives, plans, stakeholders, objectives, templates."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kam_core.enums import Level, MeasureUnit, PlanKind, Priority, Rating, Visibility, WorkStatus
from kam_core.models.base import (
    Base,
    HasMeasure,
    Referenced,
    Timestamps,
    Versioned,
    WorkspaceScoped,
    code,
    utcnow,
)
from kam_core.models.org import Account, Contact, Member, Product, Territory


class BusinessObjective(Referenced, Versioned, HasMeasure, Timestamps, Base):
    """A goal at global, affiliate or territory level (a tree)."""

    __tablename__ = "business_objectives"
    __table_args__ = (UniqueConstraint("workspace_id", "number"),)
    PREFIX = "BO"
    LABEL = "business objective"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column()
    description: Mapped[str | None] = mapped_column(Text, default=None)
    level: Mapped[Level] = mapped_column(code(Level))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("business_objectives.id"), default=None, index=True
    )
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"), default=None)
    period_start: Mapped[date] = mapped_column()
    period_end: Mapped[date] = mapped_column()
    owner_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    status: Mapped[WorkStatus] = mapped_column(code(WorkStatus), default=WorkStatus.NOT_STARTED)

    parent: Mapped[BusinessObjective | None] = relationship(remote_side="BusinessObjective.id")
    territory: Mapped[Territory | None] = relationship()
    owner: Mapped[Member] = relationship()


class Plan(Referenced, Timestamps, Base):
    """An account plan (AP-n) or a territory plan (TP-n): one table, told apart by `kind`."""

    __tablename__ = "plans"
    __table_args__ = (UniqueConstraint("workspace_id", "kind", "number"),)
    LABEL = "plan"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PlanKind] = mapped_column(code(PlanKind))
    name: Mapped[str] = mapped_column()
    account_id: Mapped[int | None] = mapped_column(ForeignKey("accounts.id"), default=None, index=True)
    territory_id: Mapped[int | None] = mapped_column(ForeignKey("territories.id"), default=None, index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    period_start: Mapped[date] = mapped_column()
    period_end: Mapped[date] = mapped_column()
    status: Mapped[WorkStatus] = mapped_column(code(WorkStatus), default=WorkStatus.NOT_STARTED)
    visibility: Mapped[Visibility] = mapped_column(code(Visibility), default=Visibility.WORKSPACE)
    vision: Mapped[str | None] = mapped_column(Text, default=None)
    priorities: Mapped[str | None] = mapped_column(Text, default=None)
    strengths: Mapped[str | None] = mapped_column(Text, default=None)
    weaknesses: Mapped[str | None] = mapped_column(Text, default=None)
    opportunities: Mapped[str | None] = mapped_column(Text, default=None)
    threats: Mapped[str | None] = mapped_column(Text, default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)

    account: Mapped[Account | None] = relationship()
    territory: Mapped[Territory | None] = relationship()
    owner: Mapped[Member] = relationship()
    participants: Mapped[list[PlanParticipant]] = relationship(
        back_populates="plan", cascade="all, delete-orphan"
    )
    products: Mapped[list[Product]] = relationship(secondary="plan_products", viewonly=True)

    __mapper_args__: dict[str, Any] = {
        "polymorphic_on": "kind",
        "version_id_col": version,
    }

    @property
    def is_private(self) -> bool:
        return self.visibility is Visibility.PRIVATE


class AccountPlan(Plan):
    PREFIX = "AP"
    LABEL = "account plan"
    __mapper_args__: dict[str, Any] = {"polymorphic_identity": PlanKind.ACCOUNT}


class TerritoryPlan(Plan):
    PREFIX = "TP"
    LABEL = "territory plan"
    __mapper_args__: dict[str, Any] = {"polymorphic_identity": PlanKind.TERRITORY}


class PlanParticipant(WorkspaceScoped, Base):
    __tablename__ = "plan_participants"
    __table_args__ = (UniqueConstraint("plan_id", "member_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"), index=True)
    role: Mapped[str] = mapped_column(String(60), default="Contributor")

    plan: Mapped[Plan] = relationship(back_populates="participants")
    member: Mapped[Member] = relationship()


class PlanProduct(WorkspaceScoped, Base):
    __tablename__ = "plan_products"
    __table_args__ = (UniqueConstraint("plan_id", "product_id"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))


class Objective(Referenced, Versioned, HasMeasure, Timestamps, Base):
    __tablename__ = "objectives"
    __table_args__ = (UniqueConstraint("workspace_id", "number"),)
    PREFIX = "OBJ"
    LABEL = "objective"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column()
    description: Mapped[str | None] = mapped_column(Text, default=None)
    owner_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    start_date: Mapped[date | None] = mapped_column(default=None)
    due_date: Mapped[date | None] = mapped_column(default=None)
    status: Mapped[WorkStatus] = mapped_column(code(WorkStatus), default=WorkStatus.NOT_STARTED)
    priority: Mapped[Priority] = mapped_column(code(Priority), default=Priority.MEDIUM)
    weight: Mapped[float] = mapped_column(Float, default=1.0)
    contributes_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("business_objectives.id"), default=None, index=True
    )
    template_id: Mapped[int | None] = mapped_column(ForeignKey("objective_templates.id"), default=None)
    completed_at: Mapped[datetime | None] = mapped_column(default=None)

    plan: Mapped[Plan] = relationship()
    owner: Mapped[Member] = relationship()
    contributes_to: Mapped[BusinessObjective | None] = relationship()


class Stakeholder(Referenced, Base):
    """A contact who matters for a plan: role, influence, strength of relationship, who covers them."""

    __tablename__ = "stakeholders"
    __table_args__ = (UniqueConstraint("workspace_id", "number"),)
    PREFIX = "ST"
    LABEL = "stakeholder"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id", ondelete="CASCADE"), index=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id"))
    role: Mapped[str] = mapped_column(String(120), default="")
    influence: Mapped[Rating] = mapped_column(code(Rating), default=Rating.MEDIUM)
    strength: Mapped[Rating] = mapped_column(code(Rating), default=Rating.MEDIUM)
    covering_member_id: Mapped[int | None] = mapped_column(ForeignKey("members.id"), default=None)
    objective_id: Mapped[int | None] = mapped_column(ForeignKey("objectives.id"), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    plan: Mapped[Plan] = relationship()
    contact: Mapped[Contact] = relationship()
    covering_member: Mapped[Member | None] = relationship()
    objective: Mapped[Objective | None] = relationship()


class ObjectiveTemplate(WorkspaceScoped, Base):
    __tablename__ = "objective_templates"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column()
    description: Mapped[str | None] = mapped_column(Text, default=None)
    measure_unit: Mapped[MeasureUnit | None] = mapped_column(code(MeasureUnit), default=None)
    measure_label: Mapped[str | None] = mapped_column(String(120), default=None)
    measure_target: Mapped[Decimal | None] = mapped_column(default=None)
    tactics: Mapped[list[TacticTemplate]] = relationship(
        secondary="objective_template_tactics", viewonly=True
    )


class TacticTemplate(WorkspaceScoped, Base):
    __tablename__ = "tactic_templates"
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column()
    description: Mapped[str | None] = mapped_column(Text, default=None)
    items: Mapped[list[TacticTemplateTask]] = relationship(
        order_by="TacticTemplateTask.position", cascade="all, delete-orphan"
    )


class ObjectiveTemplateTactic(WorkspaceScoped, Base):
    """The tactic templates an objective template brings along."""

    __tablename__ = "objective_template_tactics"
    objective_template_id: Mapped[int] = mapped_column(
        ForeignKey("objective_templates.id", ondelete="CASCADE"), primary_key=True
    )
    tactic_template_id: Mapped[int] = mapped_column(
        ForeignKey("tactic_templates.id", ondelete="CASCADE"), primary_key=True
    )


class TacticTemplateTask(WorkspaceScoped, Base):
    """One task a tactic template creates, due `offset_days` after the tactic starts."""

    __tablename__ = "tactic_template_tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    template_id: Mapped[int] = mapped_column(
        ForeignKey("tactic_templates.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer, default=0)
    title: Mapped[str] = mapped_column()
    notes: Mapped[str | None] = mapped_column(Text, default=None)
    offset_days: Mapped[int] = mapped_column(Integer, default=0)
