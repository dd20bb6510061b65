"""CSV imports of territories, accounts, contacts and members: all or nothing.

Every row is checked before anything is written; any bad row is reported with its line, column and
reason, and then nothing is written at all. Existing records (same name / external id / Slack user id)
are updated, new ones created. Files are UTF-8 (a BOM is fine) with a header row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from kam_core.actor import Actor
from kam_core.audit import capture, record_event
from kam_core.enums import Level, Role
from kam_core.errors import KamError
from kam_core.models import Account, Contact, Member, Territory
from kam_core.permissions import forget_territories, require_admin
from kam_core.schemas import USER_ID
from kam_core.services.workspaces import active_admins, create_member

TERRITORY_FIELDS = ("name", "level", "parent_id", "manager_id", "external_id")
ACCOUNT_FIELDS = ("name", "external_id", "account_type", "territory_id")
CONTACT_FIELDS = ("name", "title", "account_id", "external_id")
MEMBER_FIELDS = ("name", "email", "tz", "role")
COLUMNS = {
    "territories": (("name", "level"), ("parent", "manager", "external_id")),
    "accounts": (("external_id", "name"), ("type", "territory")),
    "contacts": (("external_id", "name", "account"), ("title",)),
    "members": (("slack_user_id",), ("name", "email", "role", "tz")),
}


@dataclass(frozen=True)
class RowError:
    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}: {self.reason}"


class ImportFailed(KamError):
    def __init__(self, kind: str, errors: list[RowError]) -> None:
        errors = sorted(errors, key=lambda e: e.line)  # in file order (stable within a line)
        self.errors = errors
        shown = "\n".join(f"  {e}" for e in errors[:50])
        more = f"\n  … and {len(errors) - 50} more" if len(errors) > 50 else ""
        super().__init__(f"{kind}: {len(errors)} problem(s); nothing was imported.\n{shown}{more}")


@dataclass
class ImportResult:
    kind: str
    created: int = 0
    updated: int = 0
    rows: int = 0
    notes: list[str] = field(default_factory=list)


def read_rows(kind: str, text: str) -> tuple[list[tuple[int, dict[str, str]]], list[RowError]]:
    required, optional = COLUMNS[kind]
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in (reader.fieldnames or [])]
    errors = [RowError(1, col, "missing column in the header") for col in required if col not in header]
    unknown = [h for h in header if h not in required + optional]
    errors += [
        RowError(1, col, f"unknown column (expected {', '.join(required + optional)})") for col in unknown
    ]
    rows: list[tuple[int, dict[str, str]]] = []
    if errors:
        return rows, errors
    for raw in reader:
        values = {k.strip().lower(): (v or "").strip() for k, v in raw.items() if k is not None}
        if not any(values.values()):
            continue
        line = reader.line_num
        for col in required:
            if not values.get(col):
                errors.append(RowError(line, col, "is empty"))
        rows.append((line, values))
    return rows, errors


def import_csv(
    *, session: Session, actor: Actor, kind: str, path: str | Path | None = None, text: str | None = None
) -> ImportResult:
    if kind not in COLUMNS:
        raise KamError(f"unknown import “{kind}”; choose one of {', '.join(COLUMNS)}")
    require_admin(actor, doing=f"import {kind}")
    if text is None:
        if path is None:
            raise KamError("give a file to import")
        try:
            text = Path(path).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            raise KamError(f"cannot read {path}: {error}") from None
    rows, errors = read_rows(kind, text)
    importer: Callable[[Session, Actor, list[tuple[int, dict[str, str]]], list[RowError]], ImportResult]
    importer = IMPORTERS[kind]
    if errors:
        raise ImportFailed(kind, errors)
    savepoint = session.begin_nested()
    result = importer(session, actor, rows, errors)
    if errors:
        savepoint.rollback()
        raise ImportFailed(kind, errors)
    savepoint.commit()
    result.rows = len(rows)
    return result


def _check_unique(rows: list[tuple[int, dict[str, str]]], column: str, errors: list[RowError]) -> None:
    seen: dict[str, int] = {}
    for line, row in rows:
        if row[column] in seen:
            errors.append(RowError(line, column, f"duplicate of line {seen[row[column]]}"))
        seen[row[column]] = line


def _existing(session: Session, actor: Actor, model: Any, key: str) -> dict[str, Any]:
    """The workspace's records of `model` by a key column (lower-cased names, exact ids)."""
    records = session.scalars(select(model).where(model.workspace_id == actor.workspace_id))
    return {(getattr(r, key).lower() if key == "name" else getattr(r, key)): r for r in records}


def _track(
    session: Session,
    actor: Actor,
    result: ImportResult,
    record: Any,
    before: dict[str, Any] | None,
    fields: tuple[str, ...],
) -> None:
    """Count the row and audit it: "imported" with the values before (None: created) and after."""
    if before is None:
        result.created += 1
    else:
        result.updated += 1
    after = capture(record, fields)
    if before != after:
        record_event(session, actor, "imported", record, before=before, after=after)


def _members_by_key(session: Session, actor: Actor) -> dict[str, Member]:
    members = session.scalars(select(Member).where(Member.workspace_id == actor.workspace_id))
    out: dict[str, Member] = {}
    for m in members:
        out[m.slack_user_id.lower()] = m
        if m.email:
            out[m.email.lower()] = m
    return out


def _territories(
    session: Session, actor: Actor, rows: list[tuple[int, dict[str, str]]], errors: list[RowError]
) -> ImportResult:
    result = ImportResult("territories")
    existing = _existing(session, actor, Territory, "name")
    members = _members_by_key(session, actor)
    levels: dict[str, Level] = {name: t.level for name, t in existing.items()}
    parsed: list[tuple[int, dict[str, str], Level]] = []
    for line, row in rows:
        try:
            level = Level.parse(row["level"])
        except ValueError as error:
            errors.append(RowError(line, "level", str(error)))
            continue
        levels[row["name"].lower()] = level
        parsed.append((line, row, level))
    for line, row, level in parsed:
        parent = row.get("parent", "")
        if level is Level.GLOBAL and parent:
            errors.append(RowError(line, "parent", "a global territory has no parent"))
        elif level is not Level.GLOBAL:
            expected = Level.GLOBAL if level is Level.AFFILIATE else Level.AFFILIATE
            if not parent:
                errors.append(RowError(line, "parent", f"a {level.value} needs a {expected.value} parent"))
            elif parent.lower() not in levels:
                errors.append(
                    RowError(line, "parent", f"no territory “{parent}” in this file or the workspace")
                )
            elif levels[parent.lower()] is not expected:
                errors.append(
                    RowError(
                        line,
                        "parent",
                        f"“{parent}” is {levels[parent.lower()].value}; "
                        f"a {level.value} sits under a {expected.value}",
                    )
                )
        if row.get("manager") and row["manager"].lower() not in members:
            errors.append(
                RowError(line, "manager", f"“{row['manager']}” is not a member (import members first)")
            )
    if errors:
        return result
    by_name = dict(existing)
    for _line, row, level in sorted(parsed, key=lambda p: list(Level).index(p[2])):
        territory = by_name.get(row["name"].lower())
        before = capture(territory, TERRITORY_FIELDS) if territory is not None else None
        if territory is None:
            territory = Territory(workspace_id=actor.workspace_id, name=row["name"], level=level)
            session.add(territory)
            by_name[row["name"].lower()] = territory
        territory.level = level
        parent_row = by_name.get(row.get("parent", "").lower())
        session.flush()
        territory.parent_id = parent_row.id if parent_row else None
        manager = members.get(row.get("manager", "").lower())
        territory.manager_id = manager.id if manager else None
        territory.external_id = row.get("external_id") or territory.external_id
        _track(session, actor, result, territory, before, TERRITORY_FIELDS)
    forget_territories(session, actor.workspace_id)
    return result


def _accounts(
    session: Session, actor: Actor, rows: list[tuple[int, dict[str, str]]], errors: list[RowError]
) -> ImportResult:
    result = ImportResult("accounts")
    territories = _existing(session, actor, Territory, "name")
    existing = _existing(session, actor, Account, "external_id")
    _check_unique(rows, "external_id", errors)
    for line, row in rows:
        if row.get("territory") and row["territory"].lower() not in territories:
            errors.append(
                RowError(line, "territory", f"no territory “{row['territory']}” (import territories first)")
            )
        if len(row["name"]) > 255:
            errors.append(RowError(line, "name", "must be at most 255 characters"))
    if errors:
        return result
    for _line, row in rows:
        account = existing.get(row["external_id"])
        before = capture(account, ACCOUNT_FIELDS) if account is not None else None
        if account is None:
            account = Account(
                workspace_id=actor.workspace_id, external_id=row["external_id"], name=row["name"]
            )
            session.add(account)
        account.name = row["name"]
        account.account_type = row.get("type") or account.account_type or "Hospital"
        territory = territories.get(row.get("territory", "").lower())
        account.territory_id = territory.id if territory else None
        _track(session, actor, result, account, before, ACCOUNT_FIELDS)
    return result


def _contacts(
    session: Session, actor: Actor, rows: list[tuple[int, dict[str, str]]], errors: list[RowError]
) -> ImportResult:
    result = ImportResult("contacts")
    accounts = _existing(session, actor, Account, "external_id")
    existing = _existing(session, actor, Contact, "external_id")
    _check_unique(rows, "external_id", errors)
    for line, row in rows:
        if row["account"] not in accounts:
            errors.append(RowError(line, "account", f"no account with external id “{row['account']}”"))
    if errors:
        return result
    for _line, row in rows:
        contact = existing.get(row["external_id"])
        before = capture(contact, CONTACT_FIELDS) if contact is not None else None
        if contact is None:
            contact = Contact(
                workspace_id=actor.workspace_id,
                external_id=row["external_id"],
                name=row["name"],
                account_id=accounts[row["account"]].id,
            )
            session.add(contact)
        contact.name = row["name"]
        contact.title = row.get("title") or contact.title
        contact.account_id = accounts[row["account"]].id
        _track(session, actor, result, contact, before, CONTACT_FIELDS)
    return result


def _members(
    session: Session, actor: Actor, rows: list[tuple[int, dict[str, str]]], errors: list[RowError]
) -> ImportResult:
    result = ImportResult("members")
    _check_unique(rows, "slack_user_id", errors)
    for line, row in rows:
        uid = row["slack_user_id"]
        if not USER_ID.match(uid):
            errors.append(RowError(line, "slack_user_id", f"“{uid}” is not a Slack user id like U0123ABCD"))
        if row.get("role"):
            try:
                Role.parse(row["role"])
            except ValueError as error:
                errors.append(RowError(line, "role", str(error)))
        if row.get("email") and "@" not in row["email"]:
            errors.append(RowError(line, "email", f"“{row['email']}” is not an email address"))
        if row.get("tz"):
            try:
                ZoneInfo(row["tz"])
            except (ZoneInfoNotFoundError, ValueError):
                errors.append(RowError(line, "tz", f"“{row['tz']}” is not an IANA time zone"))
    if errors:
        return result
    existing = _existing(session, actor, Member, "slack_user_id")
    demoted_at: int | None = None
    for line, row in rows:
        member = existing.get(row["slack_user_id"])
        before = capture(member, MEMBER_FIELDS) if member is not None else None
        if member is None:
            member = create_member(session, actor.workspace_id, row["slack_user_id"])
        member.name = row.get("name") or member.name
        member.email = row.get("email") or member.email
        member.tz = row.get("tz") or member.tz
        if row.get("role"):
            if member.role is Role.ADMIN and Role.parse(row["role"]) is not Role.ADMIN:
                demoted_at = line
            member.role = Role.parse(row["role"])
        _track(session, actor, result, member, before, MEMBER_FIELDS)
    if demoted_at is not None:
        session.flush()
        if active_admins(session, actor.workspace_id) == 0:
            errors.append(RowError(demoted_at, "role", "would leave the workspace without an admin"))
    return result


IMPORTERS = {"territories": _territories, "accounts": _accounts, "contacts": _contacts, "members": _members}
