"""The `kam` admin CLI on a fresh SQLite file: schema, demo seed, show/why, roles; and settings errors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from kam_core.cli import main
from kam_core.config import SANDBOX_TEAM_ID
from kam_core.db import make_engine, make_session_factory
from kam_core.enums import Level, PlanKind, Role, SprintStatus
from kam_core.models import (
    Account,
    BusinessObjective,
    DigestSubscription,
    Member,
    Plan,
    Sprint,
    Task,
    Workspace,
)

TODAY = "2026-12-04"


def kam(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    code = main(list(argv))
    captured = capsys.readouterr()
    assert code == 0, captured.err
    return captured.out


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A fresh SQLite file upgraded and seeded through the CLI (once for this module)."""
    folder = tmp_path_factory.mktemp("cli")
    database = folder / "kam.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(folder)
        mp.setenv("KAM_DATABASE_URL", f"sqlite:///{database}")
        mp.delenv("KAM_WORKSPACE", raising=False)
        assert main(["db", "upgrade"]) == 0
        assert main(["demo", "seed", "--today", TODAY]) == 0
        yield database


@pytest.fixture
def env(seeded: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(seeded.parent)
    monkeypatch.setenv("KAM_DATABASE_URL", f"sqlite:///{seeded}")
    monkeypatch.delenv("KAM_WORKSPACE", raising=False)
    return seeded


@pytest.fixture
def db(env: Path) -> Iterator[Session]:
    engine = make_engine(f"sqlite:///{env}")
    with make_session_factory(engine)() as session:
        yield session
    engine.dispose()


def test_upgrade_reports_the_revision_and_is_repeatable(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert re.match(r"database at revision [0-9a-f]+ \(sqlite:///", kam(capsys, "db", "upgrade"))


def test_demo_seed_builds_the_story(db: Session) -> None:
    ws = db.scalars(select(Workspace).where(Workspace.team_id == SANDBOX_TEAM_ID)).one()

    def count(model: type, *where: object) -> int:
        return (
            db.scalar(select(func.count()).select_from(model).where(model.workspace_id == ws.id, *where)) or 0
        )

    top = db.scalars(
        select(BusinessObjective).where(
            BusinessObjective.workspace_id == ws.id, BusinessObjective.level == Level.GLOBAL
        )
    ).one()
    affiliates = db.scalars(select(BusinessObjective).where(BusinessObjective.parent_id == top.id)).all()
    assert len(affiliates) == 2 and all(a.level is Level.AFFILIATE for a in affiliates)
    territories = db.scalars(
        select(BusinessObjective).where(BusinessObjective.parent_id.in_([a.id for a in affiliates]))
    ).all()
    assert len(territories) == 4 and all(t.level is Level.TERRITORY for t in territories)
    assert count(Account) == 6
    assert count(Plan, Plan.kind == PlanKind.ACCOUNT) == 4
    assert count(Plan, Plan.kind == PlanKind.TERRITORY) == 1
    assert count(Sprint, Sprint.status == SprintStatus.ACTIVE) == 1
    assignees = db.scalars(
        select(Task.assignee_id).where(Task.workspace_id == ws.id, Task.assignee_id.is_not(None)).distinct()
    ).all()
    assert len(assignees) == 3
    assert count(DigestSubscription, DigestSubscription.kind == "sprint") >= 1


def test_seeding_twice_is_refused(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["demo", "seed", "--today", TODAY]) == 1
    assert "already has" in capsys.readouterr().err


def test_show_prints_the_tree_and_why_agrees(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shown = kam(capsys, "show", "ap-1", "--today", TODAY).splitlines()
    assert shown[0].startswith("AP-1 · ")
    plan_line = shown[2]
    assert plan_line.startswith("AP-1 ")
    plan_pct = re.search(r"[▰▱]+\s+(\d+)%", plan_line)
    assert plan_pct is not None
    objective_lines = [line for line in shown if line.startswith("  OBJ-")]
    tactic_lines = [line for line in shown if line.startswith("    TAC-")]
    assert objective_lines and tactic_lines
    assert all(re.search(r"\d+%", line) for line in objective_lines + tactic_lines)
    assert re.search(r"\d+ of \d+ tasks done", shown[-1])

    why = kam(capsys, "why", "AP-1", "--today", TODAY).splitlines()
    assert why[0].endswith(f"— {plan_pct.group(1)}%")
    formula = next(line for line in why if line.startswith("= "))
    assert formula.endswith(f"→ {plan_pct.group(1)}%")
    # each term of the formula is an objective line of `show`, with the same %
    shown_pct = {line.split()[0]: re.search(r"(\d+)%", line).group(1) for line in objective_lines}  # type: ignore[union-attr]
    terms = [line.split() for line in why if line.startswith("  OBJ-")]
    assert {t[0]: next(x for x in t if x.endswith("%")).rstrip("%") for t in terms} == shown_pct


def test_unknown_reference_exits_1(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["why", "AP-99", "--today", TODAY]) == 1
    assert capsys.readouterr().err.strip() == "kam: Account plan AP-99 was not found in this workspace."


def test_members_grant(env: Path, db: Session, capsys: pytest.CaptureFixture[str]) -> None:
    assert kam(capsys, "members", "grant", "U0BOB", "manager").strip() == "U0BOB Bob Brandt is now Manager"
    bob = db.scalars(select(Member).where(Member.slack_user_id == "U0BOB")).one()
    assert bob.role is Role.MANAGER
    db.rollback()  # SQLite: even a reading transaction holds the write lock (BEGIN IMMEDIATE)
    kam(capsys, "members", "grant", "U0BOB", "kam")


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("KAM_PORT", "eighty"),
        ("KAM_PORT", "70000"),
        ("KAM_LOG_LEVEL", "loud"),
        ("KAM_DATABASE_URL", "mysql://db/kam"),
        ("SLACK_BOT_TOKEN", "xoxp-user-token"),
    ],
)
def test_a_bad_setting_exits_2_naming_the_variable(
    variable: str,
    value: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("KAM_DATABASE_URL", f"sqlite:///{tmp_path / 'x.db'}")
    monkeypatch.setenv(variable, value)
    with pytest.raises(SystemExit) as info:
        main(["db", "upgrade"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1
    assert err.startswith(f"kam: invalid setting {variable}:")
    assert not (tmp_path / "x.db").exists()  # nothing was done


def test_bad_usage_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["members", "grant", "U0BOB", "emperor"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
