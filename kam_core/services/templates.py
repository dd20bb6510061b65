"""Objective and tactic templates, published by admins and managers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from kam_core.actor import Actor
from kam_core.audit import record_event
from kam_core.enums import Role
from kam_core.errors import InvalidInput
from kam_core.models import ObjectiveTemplate, ObjectiveTemplateTactic, TacticTemplate, TacticTemplateTask
from kam_core.permissions import require_role
from kam_core.schemas import ObjectiveTemplateCreate, TacticTemplateCreate, parse
from kam_core.services.tactics import tactic_template


def _save(session: Session, record: Any, name: str) -> None:
    try:
        with session.begin_nested():
            session.add(record)
    except IntegrityError:
        raise InvalidInput.one("name", f"a template called “{name}” already exists") from None


def create_tactic_template(
    *, session: Session, actor: Actor, data: TacticTemplateCreate | dict[str, Any]
) -> TacticTemplate:
    require_role(actor, Role.MANAGER, doing="publish templates")
    data = data if isinstance(data, TacticTemplateCreate) else parse(TacticTemplateCreate, data)
    template = TacticTemplate(workspace_id=actor.workspace_id, name=data.name, description=data.description)
    template.items = [
        TacticTemplateTask(
            workspace_id=actor.workspace_id,
            position=i,
            title=item.title,
            notes=item.notes,
            offset_days=item.offset_days,
        )
        for i, item in enumerate(data.items)
    ]
    _save(session, template, data.name)
    record_event(
        session,
        actor,
        "created",
        template,
        after={
            "name": template.name,
            "items": [(i.title, i.offset_days) for i in data.items],
        },
    )
    return template


def create_objective_template(
    *, session: Session, actor: Actor, data: ObjectiveTemplateCreate | dict[str, Any]
) -> ObjectiveTemplate:
    require_role(actor, Role.MANAGER, doing="publish templates")
    data = data if isinstance(data, ObjectiveTemplateCreate) else parse(ObjectiveTemplateCreate, data)
    template = ObjectiveTemplate(
        workspace_id=actor.workspace_id,
        name=data.name,
        description=data.description,
        measure_unit=data.measure_unit,
        measure_label=data.measure_label,
        measure_target=data.measure_target,
    )
    tactics = [tactic_template(session, actor, name, "tactics") for name in data.tactics]
    _save(session, template, data.name)
    for tactic in tactics:
        session.add(
            ObjectiveTemplateTactic(
                workspace_id=actor.workspace_id,
                objective_template_id=template.id,
                tactic_template_id=tactic.id,
            )
        )
    session.flush()
    session.refresh(template)
    record_event(session, actor, "created", template, after={"name": template.name, "tactics": data.tactics})
    return template


def list_tactic_templates(*, session: Session, actor: Actor) -> list[TacticTemplate]:
    stmt = (
        select(TacticTemplate)
        .where(TacticTemplate.workspace_id == actor.workspace_id)
        .options(selectinload(TacticTemplate.items))
        .order_by(TacticTemplate.name)
    )
    return list(session.scalars(stmt))


def list_objective_templates(*, session: Session, actor: Actor) -> list[ObjectiveTemplate]:
    stmt = (
        select(ObjectiveTemplate)
        .where(ObjectiveTemplate.workspace_id == actor.workspace_id)
        .order_by(ObjectiveTemplate.name)
    )
    return list(session.scalars(stmt))
