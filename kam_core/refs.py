"""Per-workspace references (`AP-12`, `TSK-78`): parsing, allocation and lookup."""

from __future__ import annotations

import re
from typing import TypeVar

from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kam_core.errors import InvalidInput, NotFound
from kam_core.models import (
    AccountPlan,
    BusinessObjective,
    DigestSubscription,
    Objective,
    Plan,
    RefCounter,
    Sprint,
    Stakeholder,
    Tactic,
    Task,
    TerritoryPlan,
)
from kam_core.models.base import Referenced

REF_MODELS: dict[str, type[Referenced]] = {
    cls.PREFIX: cls
    for cls in (
        AccountPlan,
        TerritoryPlan,
        BusinessObjective,
        Objective,
        Tactic,
        Task,
        Sprint,
        Stakeholder,
        DigestSubscription,
    )
}
REF_PATTERN = re.compile(r"^\s*([A-Za-z]{2,3})[-\s]?(\d{1,9})\s*$")
R = TypeVar("R", bound=Referenced)


def parse_ref(text: str, field: str = "ref") -> tuple[str, int]:
    """`"tsk-78"` -> `("TSK", 78)`; references are case-insensitive on input."""
    match = REF_PATTERN.match(text or "")
    if not match or match.group(1).upper() not in REF_MODELS:
        known = ", ".join(f"{p}-12" for p in REF_MODELS)
        raise InvalidInput.one(field, f"“{text}” is not a reference like {known}")
    return match.group(1).upper(), int(match.group(2))


def looks_like_ref(text: str) -> bool:
    match = REF_PATTERN.match(text or "")
    return bool(match and match.group(1).upper() in REF_MODELS)


def normalize_ref(text: str) -> str:
    prefix, number = parse_ref(text)
    return f"{prefix}-{number}"


def allocate_number(session: Session, workspace_id: int, prefix: str) -> int:
    """The next number for `prefix` in the workspace. The counter row stays locked until commit, so
    concurrent creators on PostgreSQL queue up and never receive the same number."""
    bump = (
        update(RefCounter)
        .where(RefCounter.workspace_id == workspace_id, RefCounter.prefix == prefix)
        .values(last=RefCounter.last + 1)
        .returning(RefCounter.last)
    )
    for _ in range(3):
        number = session.execute(bump).scalar_one_or_none()
        if number is not None:
            return number
        try:
            with session.begin_nested():
                session.execute(insert(RefCounter).values(workspace_id=workspace_id, prefix=prefix, last=1))
            return 1
        except IntegrityError:
            continue  # another transaction created the counter first: bump it
    raise RuntimeError(f"could not allocate a {prefix} reference")


def get_by_ref(session: Session, workspace_id: int, model: type[R], text: str, field: str = "ref") -> R:
    """Load a record of `model` by reference within the workspace, or raise NotFound naming the field."""
    prefix, number = parse_ref(text, field)
    expected = getattr(model, "PREFIX", None)
    accepted = {c.PREFIX for c in (AccountPlan, TerritoryPlan)} if model is Plan else {expected}
    if prefix not in accepted:
        raise InvalidInput.one(field, f"{prefix}-{number} is not a {model.LABEL}; expected {expected}-…")
    concrete = REF_MODELS[prefix]
    stmt = select(concrete).where(concrete.workspace_id == workspace_id, concrete.number == number)
    record = session.scalars(stmt).one_or_none()
    if record is None:
        raise NotFound(concrete.LABEL.capitalize(), f"{prefix}-{number}", field)
    return record  # type: ignore[return-value]


def get_any(session: Session, workspace_id: int, text: str, field: str = "ref") -> Referenced:
    prefix, number = parse_ref(text, field)
    return get_by_ref(session, workspace_id, REF_MODELS[prefix], f"{prefix}-{number}", field)
