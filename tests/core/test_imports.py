"""CSV imports of territories, accounts, contacts and members: all or nothing, with line/column errors."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kam_core.cli import main
from kam_core.enums import Level, Role
from kam_core.errors import NotAllowed
from kam_core.models import Account, Contact, Member, Territory
from kam_core.permissions import manages_territory
from kam_core.services.imports import ImportFailed, import_csv
from kam_core.services.workspaces import find_workspace
from tests.core.support import row_counts
from tests.factories import World, new_team_id


def run(world: World, kind: str, text: str) -> Any:
    return import_csv(session=world.session, actor=world.admin, kind=kind, text=text)


def failure(world: World, kind: str, text: str) -> list[tuple[int, str, str]]:
    before = row_counts(world.session, world.workspace.id)
    with pytest.raises(ImportFailed) as info:
        run(world, kind, text)
    assert row_counts(world.session, world.workspace.id) == before  # nothing written, not even the good rows
    assert "nothing was imported" in info.value.message
    return [(e.line, e.column, e.reason) for e in info.value.errors]


def by_name(world: World, model: Any, **where: Any) -> Any:
    stmt = select(model).where(model.workspace_id == world.workspace.id)
    for key, value in where.items():
        stmt = stmt.where(getattr(model, key) == value)
    return world.session.scalars(stmt).one()


def test_territories_import_and_reimport(world: World) -> None:
    text = (
        "name,level,parent,manager,external_id\n"
        "Munich,territory,DACH,UMANAGER,T-MUC\n"
        "Stockholm,territory,Sweden,,\n"  # its parent comes later in the same file
        "Sweden,affiliate,Global,,T-SE\n"
    )
    result = run(world, "territories", text)
    assert (result.created, result.updated, result.rows) == (3, 0, 3)
    sweden = by_name(world, Territory, name="Sweden")
    assert by_name(world, Territory, name="Stockholm").parent_id == sweden.id
    munich = by_name(world, Territory, name="Munich")
    assert munich.level is Level.TERRITORY and munich.external_id == "T-MUC"
    assert manages_territory(world.session, world.manager.member, munich.id)
    again = run(
        world,
        "territories",
        "\ufeffname,level,parent,manager\nmunich,territory,DACH,\nSweden,affiliate,Global,\n",
    )
    assert (again.created, again.updated) == (0, 2)
    assert by_name(world, Territory, name="Munich").manager_id is None


def test_accounts_contacts_import_and_reimport(world: World) -> None:
    accounts = (
        "external_id,name,type,territory\n"
        "CRM-10,LMU Klinikum,University hospital,Berlin\n"
        "CRM-1,Charité Mitte,,berlin\n"  # territory names are case-insensitive
    )
    result = run(world, "accounts", accounts)
    assert (result.created, result.updated) == (1, 1)
    lmu = by_name(world, Account, external_id="CRM-10")
    assert (lmu.name, lmu.account_type) == ("LMU Klinikum", "University hospital")
    assert by_name(world, Account, external_id="CRM-1").name == "Charité Mitte"
    again = run(world, "accounts", accounts)
    assert (again.created, again.updated) == (0, 2)
    contacts = (
        "external_id,name,account,title\nC-2,Dr Huber,CRM-10,Chief of Oncology\nC-1,Dr Anna Weber,CRM-1,\n"
    )
    result = run(world, "contacts", contacts)
    assert (result.created, result.updated) == (1, 1)
    assert by_name(world, Contact, external_id="C-2").account_id == lmu.id
    weber = by_name(world, Contact, external_id="C-1")
    assert (weber.name, weber.title) == (
        "Dr Anna Weber",
        "Head of Oncology",
    )  # an empty title keeps the old one


def test_members_import(world: World) -> None:
    text = (
        "slack_user_id,name,email,role,tz\n"
        "U0NEWONE,New One,new.one@pharma.example,manager,Europe/Berlin\n"
        "UKAM,Kim Kamper,,,\n"
    )
    result = run(world, "members", text)
    assert (result.created, result.updated) == (1, 1)
    new = by_name(world, Member, slack_user_id="U0NEWONE")
    assert (new.name, new.email, new.role, new.tz) == (
        "New One",
        "new.one@pharma.example",
        Role.MANAGER,
        "Europe/Berlin",
    )
    kim = by_name(world, Member, slack_user_id="UKAM")
    assert (kim.name, kim.role) == ("Kim Kamper", Role.KAM)  # no role given: unchanged


def test_bad_rows_are_reported_with_line_column_and_reason(world: World) -> None:
    text = (
        "external_id,name,territory\n"
        "CRM-20,Good hospital,Berlin\n"  # line 2: fine, but must not be written either
        "CRM-21,Unknown place,Atlantis\n"  # line 3
        "CRM-20,Twin,Berlin\n"
    )  # line 4
    assert failure(world, "accounts", text) == [
        (3, "territory", "no territory “Atlantis” (import territories first)"),
        (4, "external_id", "duplicate of line 2"),
    ]
    assert failure(world, "accounts", "external_id,name\nCRM-30,\n,Nameless\n") == [
        (2, "name", "is empty"),
        (3, "external_id", "is empty"),
    ]


def test_bad_member_rows(world: World) -> None:
    text = "slack_user_id,role,email,tz\nbob,boss,not-an-email,Mars/Olympus\nU0A,kam,,\nU0A,kam,,\n"
    errors = failure(world, "members", text)
    assert [(line, column) for line, column, _ in errors] == [
        (2, "slack_user_id"),
        (2, "role"),
        (2, "email"),
        (2, "tz"),
        (4, "slack_user_id"),
    ]
    assert errors[1][2].startswith("must be one of admin, manager, kam, viewer")


def test_bad_territory_rows(world: World) -> None:
    text = (
        "name,level,parent,manager\n"
        "Everywhere,global,Global,\n"
        "Lapland,territory,,\n"
        "Hamburg,territory,Global,\n"
        "Gotham,territory,Nowhere,\n"
        "Bergen,territory,Nordics,UNOBODY\n"
        "Bogus,continent,,\n"
    )
    assert [(line, column) for line, column, _ in failure(world, "territories", text)] == [
        (2, "parent"),
        (3, "parent"),
        (4, "parent"),
        (5, "parent"),
        (6, "manager"),
        (7, "level"),
    ]  # in file order


def test_header_problems_are_reported_on_line_one(world: World) -> None:
    errors = failure(world, "accounts", "external_id,nmae,colour\nCRM-40,X,red\n")
    assert errors[0] == (1, "name", "missing column in the header")
    assert [(line, column) for line, column, _ in errors[1:]] == [(1, "nmae"), (1, "colour")]
    assert errors[2][2] == "unknown column (expected external_id, name, type, territory)"


def test_only_admins_import(world: World) -> None:
    with pytest.raises(NotAllowed):
        import_csv(
            session=world.session, actor=world.manager, kind="accounts", text="external_id,name\nX,Y\n"
        )


@pytest.fixture
def cli_env(database_url: str, engine: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("KAM_DATABASE_URL", database_url)
    return tmp_path


def test_cli_import_prints_errors_and_exits_1(
    cli_env: Path, session_factory: sessionmaker[Session], capsys: pytest.CaptureFixture[str]
) -> None:
    team = new_team_id()
    good = cli_env / "good.csv"
    good.write_text("external_id,name\nCRM-1,Alpha clinic\nCRM-2,Beta clinic\n", encoding="utf-8")
    assert main(["import", "accounts", str(good), "--workspace", team]) == 0
    assert "accounts: 2 rows — 2 created, 0 updated" in capsys.readouterr().out
    bad = cli_env / "bad.csv"
    bad.write_text("external_id,name,territory\nCRM-3,Gamma,\nCRM-1,Alpha renamed,Narnia\n", encoding="utf-8")
    assert main(["import", "accounts", str(bad), "--workspace", team]) == 1
    err = capsys.readouterr().err
    assert "accounts: 1 problem(s); nothing was imported." in err
    assert "line 3, column territory: no territory “Narnia”" in err
    with session_factory() as s:
        workspace = find_workspace(s, team)
        assert workspace is not None
        names = sorted(s.scalars(select(Account.name).where(Account.workspace_id == workspace.id)))
    assert names == ["Alpha clinic", "Beta clinic"]  # neither Gamma nor the rename


def test_cli_import_of_a_missing_file(cli_env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "members", str(cli_env / "nope.csv"), "--workspace", new_team_id()]) == 1
    assert "cannot read" in capsys.readouterr().err
