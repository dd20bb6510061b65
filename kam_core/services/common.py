"""Lookups and checks shared by the services. Every query here is scoped to the actor's workspace."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from kam_core.actor import Actor
from kam_core.errors import InvalidInput, NotFound
from kam_core.format import day, period
from kam_core.models import Account, Contact, Member, Plan, Product, Territory
from kam_core.models.base import Referenced
from kam_core.refs import allocate_number, get_by_ref
from kam_core.services.workspaces import create_member

R = TypeVar("R", bound=Referenced)


def by_ref(session: Session, actor: Actor, model: type[R], ref: str, field: str = "ref") -> R:
    return get_by_ref(session, actor.workspace_id, model, ref, field)


def new_record(session: Session, actor: Actor, record: R) -> R:
    """Give a new record its workspace and next reference number, and add it to the session."""
    record.workspace_id = actor.workspace_id
    record.number = allocate_number(session, actor.workspace_id, record.PREFIX)
    session.add(record)
    return record


def member_by_slack_id(session: Session, workspace_id: int, slack_user_id: str) -> Member | None:
    stmt = select(Member).where(Member.workspace_id == workspace_id, Member.slack_user_id == slack_user_id)
    return session.scalars(stmt).one_or_none()


def resolve_member(session: Session, actor: Actor, slack_user_id: str | None, field: str) -> Member:
    """The member for a Slack user id (the actor when None). A Slack user the bot has not met yet is
    added as a KAM; the bot fills in their profile when it next sees them."""
    if slack_user_id is None or slack_user_id == actor.member.slack_user_id:
        return actor.member
    member = member_by_slack_id(session, actor.workspace_id, slack_user_id)
    if member is None:
        if slack_user_id.startswith(("B", "USLACKBOT")):
            raise InvalidInput.one(field, "must be a person, not a bot")
        member = create_member(session, actor.workspace_id, slack_user_id)
    if not member.is_active:
        raise InvalidInput.one(field, f"<@{slack_user_id}> is no longer active in KAM bot")
    return member


def territory_named(session: Session, actor: Actor, name: str, field: str = "territory") -> Territory:
    stmt = select(Territory).where(
        Territory.workspace_id == actor.workspace_id,
        or_(func.lower(Territory.name) == name.strip().lower(), Territory.external_id == name.strip()),
    )
    territory = session.scalars(stmt).first()
    if territory is None:
        raise NotFound("Territory", f"“{name}”", field)
    return territory


def account_by_key(session: Session, actor: Actor, key: str, field: str = "account") -> Account:
    """An account by CRM external id or by exact name (case-insensitive)."""
    key = key.strip()
    stmt = select(Account).where(
        Account.workspace_id == actor.workspace_id,
        or_(Account.external_id == key, func.lower(Account.name) == key.lower()),
    )
    account = session.scalars(stmt).first()
    if account is None:
        raise NotFound("Account", f"“{key}”", field)
    return account


def contact_by_key(session: Session, actor: Actor, key: str, account_id: int | None, field: str) -> Contact:
    key = key.strip()
    stmt = select(Contact).where(
        Contact.workspace_id == actor.workspace_id,
        or_(Contact.external_id == key, func.lower(Contact.name) == key.lower()),
    )
    if account_id is not None:
        stmt = stmt.where(Contact.account_id == account_id)
    contact = session.scalars(stmt).first()
    if contact is None:
        where = " at this plan's account" if account_id is not None else ""
        raise NotFound("Contact", f"“{key}”{where}", field)
    return contact


def product_named(session: Session, actor: Actor, name: str, field: str = "products") -> Product:
    stmt = select(Product).where(
        Product.workspace_id == actor.workspace_id, func.lower(Product.name) == name.strip().lower()
    )
    product = session.scalars(stmt).first()
    if product is None:
        raise NotFound("Product", f"“{name}”", field)
    return product


def check_within(plan: Plan, value: date | None, field: str) -> None:
    """A date of something inside a plan must fall within the plan's period."""
    if value is None:
        return
    if value < plan.period_start or value > plan.period_end:
        raise InvalidInput.one(
            field,
            f"must be within the plan's period ({period(plan.period_start, plan.period_end)}); "
            f"{day(value)} is outside {plan.ref}",
        )


def parse_amount(value: Decimal | str | float, field: str) -> Decimal:
    """ "12,400", "€12.4", 3 -> Decimal; refuses negatives and non-numbers, naming the field."""
    text = str(value).replace(",", "").replace("€", "").replace("$", "").replace("%", "").strip()
    try:
        number = Decimal(text)
    except ArithmeticError:
        raise InvalidInput.one(field, f"“{value}” is not a number") from None
    if not number.is_finite() or number < 0:
        raise InvalidInput.one(field, "must be zero or more")
    return number


def template_by_key(session: Session, actor: Actor, model: Any, key: str, field: str, what: str) -> Any:
    """A template by id (as a form's menu sends it) or by name (as people type it)."""
    stmt = select(model).where(model.workspace_id == actor.workspace_id)
    key = key.strip()
    stmt = (
        stmt.where(model.id == int(key))
        if key.isdigit()
        else stmt.where(func.lower(model.name) == key.lower())
    )
    template = session.scalars(stmt).first()
    if template is None:
        raise NotFound(what, f"“{key}”", field)
    return template
