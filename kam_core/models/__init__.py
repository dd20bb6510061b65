"""SQLAlchemy 2.0 typed models. Every table is scoped to a workspace."""

from kam_core.models.base import Base, UTCDateTime, utcnow
from kam_core.models.execution import Sprint, Tactic, Task
from kam_core.models.ops import (
    AuditEvent,
    DigestRun,
    DigestSubscription,
    OutboxMessage,
    ProcessedRequest,
    RefCounter,
    Snapshot,
)
from kam_core.models.org import Account, Contact, Member, Product, Territory, Workspace
from kam_core.models.planning import (
    AccountPlan,
    BusinessObjective,
    Objective,
    ObjectiveTemplate,
    ObjectiveTemplateTactic,
    Plan,
    PlanParticipant,
    PlanProduct,
    Stakeholder,
    TacticTemplate,
    TacticTemplateTask,
    TerritoryPlan,
)

__all__ = [
    "Account",
    "AccountPlan",
    "AuditEvent",
    "Base",
    "BusinessObjective",
    "Contact",
    "DigestRun",
    "DigestSubscription",
    "Member",
    "Objective",
    "ObjectiveTemplate",
    "ObjectiveTemplateTactic",
    "OutboxMessage",
    "Plan",
    "PlanParticipant",
    "PlanProduct",
    "ProcessedRequest",
    "Product",
    "RefCounter",
    "Snapshot",
    "Sprint",
    "Stakeholder",
    "Tactic",
    "TacticTemplate",
    "TacticTemplateTask",
    "Task",
    "Territory",
    "TerritoryPlan",
    "UTCDateTime",
    "Workspace",
    "utcnow",
]
