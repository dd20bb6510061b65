"""Reference data: territories (a tree), accounts, contacts and products. Admins maintain it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from kam_core.actor import Actor
from kam_core.audit import record_event
from kam_core.enums import Level
from kam_core.errors import InvalidInput
from kam_core.models import Account, Contact, Product, Territory
from kam_core.permissions import forget_territories, require_admin
from kam_core.services.common import account_by_key, resolve_member, territory_named

CHILD_LEVEL = {Level.GLOBAL: Level.AFFILIATE, Level.AFFILIATE: Level.TERRITORY}


def create_territory(
    *,
    session: Session,
    actor: Actor,
    name: str,
    level: Level | str,
    parent: str | None = None,
    manager: str | None = None,
    external_id: str | None = None,
) -> Territory:
    require_admin(actor, doing="maintain territories")
    level = Level.parse(level) if isinstance(level, str) else level
    if not name.strip():
        raise InvalidInput.one("name", "must not be empty")
    parent_row = territory_named(session, actor, parent, "parent") if parent else None
    if parent_row is not None and CHILD_LEVEL.get(parent_row.level) is not level:
        raise InvalidInput.one(
            "parent", f"a {level.value} cannot sit under the {parent_row.level.value} “{parent_row.name}”"
        )
    if parent_row is None and level is not Level.GLOBAL:
        raise InvalidInput.one("parent", f"a {level.value} needs a parent territory")
    manager_row = resolve_member(session, actor, manager, "manager") if manager else None
    territory = Territory(
        workspace_id=actor.workspace_id,
        name=name.strip(),
        level=level,
        parent_id=parent_row.id if parent_row else None,
        manager_id=manager_row.id if manager_row else None,
        external_id=external_id,
    )
    session.add(territory)
    forget_territories(session, actor.workspace_id)
    record_event(session, actor, "created", territory, after={"name": territory.name, "level": level.value})
    return territory


def create_account(
    *,
    session: Session,
    actor: Actor,
    name: str,
    external_id: str,
    account_type: str = "Hospital",
    territory: str | None = None,
) -> Account:
    require_admin(actor, doing="maintain accounts")
    if not name.strip():
        raise InvalidInput.one("name", "must not be empty")
    if not external_id.strip():
        raise InvalidInput.one("external_id", "must not be empty")
    territory_row = territory_named(session, actor, territory) if territory else None
    account = Account(
        workspace_id=actor.workspace_id,
        name=name.strip(),
        external_id=external_id.strip(),
        account_type=account_type.strip() or "Hospital",
        territory_id=territory_row.id if territory_row else None,
    )
    session.add(account)
    record_event(session, actor, "created", account, after={"name": account.name, "external_id": external_id})
    return account


def create_contact(
    *, session: Session, actor: Actor, name: str, account: str, external_id: str, title: str | None = None
) -> Contact:
    require_admin(actor, doing="maintain contacts")
    if not name.strip():
        raise InvalidInput.one("name", "must not be empty")
    account_row = account_by_key(session, actor, account)
    contact = Contact(
        workspace_id=actor.workspace_id,
        name=name.strip(),
        title=title,
        account_id=account_row.id,
        external_id=external_id.strip(),
    )
    session.add(contact)
    record_event(
        session, actor, "created", contact, after={"name": contact.name, "account": account_row.name}
    )
    return contact


def create_product(*, session: Session, actor: Actor, name: str) -> Product:
    require_admin(actor, doing="maintain products")
    if not name.strip():
        raise InvalidInput.one("name", "must not be empty")
    product = Product(workspace_id=actor.workspace_id, name=name.strip())
    session.add(product)
    record_event(session, actor, "created", product, after={"name": product.name})
    return product


def list_territories(*, session: Session, actor: Actor) -> list[Territory]:
    stmt = select(Territory).where(Territory.workspace_id == actor.workspace_id).order_by(Territory.name)
    return list(session.scalars(stmt))


def list_accounts(*, session: Session, actor: Actor) -> list[Account]:
    stmt = select(Account).where(Account.workspace_id == actor.workspace_id).order_by(Account.name)
    return list(session.scalars(stmt))
