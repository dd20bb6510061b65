"""CSV exports on the demo workspace: the figures equal the views and `why`, private plans stay private,
cells are escaped and guarded against formula injection, the file opens in Excel (BOM), and the CLI."""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kam_core.actor import Actor
from kam_core.cli import main
from kam_core.config import SANDBOX_TEAM_ID
from kam_core.db import make_engine, make_session_factory
from kam_core.demo import seed_demo
from kam_core.errors import InvalidInput, NotAllowed, NotFound
from kam_core.exports import (
    GOAL_COLUMNS,
    PLAN_COLUMNS,
    SPRINT_COLUMNS,
    build_export,
    cell,
    export_csv,
    number,
    percent,
    slug,
)
from kam_core.models import Member, Workspace
from kam_core.reports import why_text
from kam_core.rollup.explain import explain
from kam_core.services import objectives, sprints, tactics, tasks, workspaces
from kam_core.views import view_for

TODAY = date(2026, 12, 4)


@pytest.fixture
def demo(session: Session) -> Workspace:
    return seed_demo(session, team_id="T" + secrets.token_hex(5).upper(), today=TODAY)


def actor(session: Session, workspace: Workspace, user: str) -> Actor:
    stmt = select(Member).where(Member.workspace_id == workspace.id, Member.slack_user_id == user)
    return Actor(session.scalars(stmt).one())


def rows_of(text: str) -> list[dict[str, str]]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text[1:], newline="")))


def export_rows(session: Session, workspace: Workspace, user: str, ref: str) -> list[dict[str, str]]:
    return rows_of(export_csv(session, actor(session, workspace, user), ref, TODAY)[1])


def test_a_plan_export_has_every_task_with_the_figures_of_the_view_and_why(
    session: Session, demo: Workspace
) -> None:
    bob = actor(session, demo, "U0BOB")
    filename, text = export_csv(session, bob, "ap-1", TODAY)
    assert filename == "AP-1-charite-oncology-2027-2026-12-04.csv"
    rows = rows_of(text)
    view = view_for(session, bob, "AP-1", TODAY)
    figures = view.rollup
    assert list(rows[0]) == PLAN_COLUMNS
    assert sorted(r["Task"] for r in rows) == sorted(t.ref for t in view.all_tasks())
    for row in rows:
        assert row["Plan %"] == percent(figures["AP-1"].percent)
        assert row["Objective %"] == percent(figures[row["Objective"]].percent)
        assert row["Tactic %"] == percent(figures[row["Tactic"]].percent)
        assert row["Tactic"] in figures[row["Objective"]].children
    terms = {t.ref: t for t in explain(figures, "AP-1").terms}
    for row in rows:  # the objective figures `why AP-1` lists, and their weights
        assert row["Objective %"] == percent(terms[row["Objective"]].percent)
        assert float(row["Objective weight"]) == terms[row["Objective"]].weight
    by_task = {r["Task"]: r for r in rows}
    for task in view.all_tasks():
        row = by_task[task.ref]
        assert (row["Task title"], row["Task status"]) == (task.title, task.status.label)
        assert row["Assignee"] == (task.assignee.display if task.assignee else "")
        assert row["Due date"] == (task.due.isoformat() if task.due else "")
        assert bool(row["Completed at (UTC)"]) == (task.completed_at is not None)
    assert {r["Objective"] for r in rows} == {n.ref for n in figures.of_kind("objective")}
    assert any(r["Stakeholder"] for r in rows) or not any(t.stakeholder for t in view.all_tasks())


def test_objectives_without_tactics_and_tactics_without_tasks_get_a_row(
    session: Session, demo: Workspace
) -> None:
    bob = actor(session, demo, "U0BOB")
    empty = objectives.add_objective(session=session, actor=bob, data={"plan": "AP-1", "name": "Empty one"})
    lone = tactics.add_tactic(session=session, actor=bob, data={"objective": "OBJ-3", "name": "No tasks yet"})
    rows = export_rows(session, demo, "U0BOB", "AP-1")
    (objective_row,) = [r for r in rows if r["Objective"] == empty.ref]
    assert objective_row["Objective name"] == "Empty one" and objective_row["Objective %"] == "0.0"
    assert objective_row["Tactic"] == objective_row["Task"] == ""
    (tactic_row,) = [r for r in rows if r["Tactic"] == lone.ref]
    assert tactic_row["Tactic name"] == "No tasks yet" and tactic_row["Task"] == ""


def test_a_sprint_export_has_its_tasks_with_tactic_objective_plan_and_the_sprint_figure(
    session: Session, demo: Workspace
) -> None:
    carol = actor(session, demo, "U0CAROL")
    view = view_for(session, carol, "SPR-1", TODAY)
    rows = export_rows(session, demo, "U0CAROL", "SPR-1")
    assert list(rows[0]) == SPRINT_COLUMNS
    assert sorted(r["Task"] for r in rows) == sorted(t.ref for t in view.all_tasks())
    for row in rows:
        assert row["Sprint %"] == percent(view.root.percent)
        tactic = view.rollup[row["Tactic"]]
        assert row["Tactic %"] == percent(tactic.percent) and tactic.parent_ref == row["Objective"]
        assert view.rollup[row["Objective"]].parent_ref == row["Plan"]
        assert row["Plan name"] == view.rollup[row["Plan"]].name


def test_a_sprint_export_leaves_out_what_a_private_plan_hides(session: Session, demo: Workspace) -> None:
    alice = actor(session, demo, "U0ALICE")
    private_tactic = view_for(session, alice, "AP-4", TODAY).rollup.of_kind("tactic")[0]
    sprints.add_tactic_to_sprint(session=session, actor=alice, sprint="SPR-1", tactic=private_tactic.ref)
    outsider = "\n".join(str(r) for r in export_rows(session, demo, "U0CAROL", "SPR-1"))
    assert "AP-4" not in outsider and "Rigshospitalet" not in outsider and private_tactic.ref not in outsider
    insider = export_rows(session, demo, "U0BOB", "SPR-1")
    assert {r["Tactic"] for r in insider if r["Plan"] == "AP-4"} == {private_tactic.ref}


def test_a_business_objective_export_is_its_tree_with_levels_measures_and_risk(
    session: Session, demo: Workspace
) -> None:
    carol = actor(session, demo, "U0CAROL")
    view = view_for(session, carol, "BO-1", TODAY)
    rows = export_rows(session, demo, "U0CAROL", "BO-1")
    assert list(rows[0]) == GOAL_COLUMNS
    assert rows[0]["Ref"] == "BO-1" and rows[0]["Level"] == "Global" and rows[0]["Depth"] == "0"
    goals = {n.ref for n in view.rollup.of_kind("goal")}
    assert {r["Ref"] for r in rows if r["Level"] != "Objective"} == goals  # BO-1 is the top of the tree
    for row in rows:
        node = view.rollup[row["Ref"]]
        assert row["%"] == percent(node.percent)
        assert row["Tasks counted"] == str(node.counts.counted)
        assert row["Risk"] == (node.schedule.risk.value if node.schedule else "")
        if node.measure:
            assert row["Measure current"] == number(node.measure.current)
            assert row["Measure target"] == number(node.measure.target)
        if node.kind == "objective":
            assert row["Level"] == "Objective"
            assert (
                view.rollup[row["Parent"]].kind == "goal"
                and row["Ref"] in view.rollup[row["Parent"]].children
            )
    bo4 = next(r for r in rows if r["Ref"] == "BO-4")
    assert bo4["Measure current"] == "1250000" and bo4["Unit"] == "currency" and bo4["Currency"] == "EUR"
    assert bo4["Attainment %"] == percent(view.rollup["BO-4"].measure.attainment or 0)  # type: ignore[union-attr]


def test_a_private_plans_objective_is_anonymised_in_a_goal_export_as_in_why(
    session: Session, demo: Workspace
) -> None:
    alice = actor(session, demo, "U0ALICE")
    (secret,) = view_for(session, alice, "AP-4", TODAY).rollup.of_kind("objective")
    _, outsider = export_csv(session, actor(session, demo, "U0CAROL"), "BO-1", TODAY)
    assert secret.name not in outsider and "AP-4" not in outsider and "Rigshospitalet" not in outsider
    (row,) = [r for r in rows_of(outsider) if r["Ref"] == secret.ref]
    assert row["Name"] == "(an objective in a private plan)" and row["Plan"] == ""
    assert secret.name not in why_text(session, actor(session, demo, "U0CAROL"), "BO-7", TODAY)
    (shown,) = [r for r in export_rows(session, demo, "U0BOB", "BO-1") if r["Ref"] == secret.ref]
    assert shown["Name"] == secret.name and shown["Plan"] == "AP-4"


def test_what_the_reader_may_not_export(session: Session, demo: Workspace) -> None:
    with pytest.raises(NotAllowed, match="AP-4 is a private plan"):
        export_csv(session, actor(session, demo, "U0CAROL"), "AP-4", TODAY)
    with pytest.raises(NotFound):
        export_csv(session, actor(session, demo, "U0CAROL"), "AP-99", TODAY)
    with pytest.raises(InvalidInput, match="OBJ-1 cannot be exported"):
        export_csv(session, actor(session, demo, "U0CAROL"), "OBJ-1", TODAY)
    assert export_rows(session, demo, "U0DAN", "TP-1")  # a viewer exports a workspace-visible plan


def test_cells_are_escaped_and_formulas_guarded(session: Session, demo: Workspace) -> None:
    bob = actor(session, demo, "U0BOB")
    titles = [
        '=HYPERLINK("http://evil.test","click")',
        "+1+2",
        "-2+3",
        "@SUM(A1:A9)",
        'Say "hi", then, leave\nthe room',
        "Dr Müller; Ärztekammer",
        "-5",
    ]
    for title in titles:
        tasks.add_task(session=session, actor=bob, data={"tactic": "TAC-4", "title": title})
    cells = {r["Task title"] for r in export_rows(session, demo, "U0BOB", "AP-1")}
    for title in titles[:4]:
        assert "'" + title in cells and title not in cells
    assert {titles[4], titles[5], titles[6]} <= cells  # quoted by the csv module; a plain number stays


def test_the_file_is_utf8_with_a_bom_crlf_and_parses_back(session: Session, demo: Workspace) -> None:
    table = build_export(session, actor(session, demo, "U0BOB"), "AP-1", TODAY)
    data = table.csv_text().encode("utf-8")
    assert data.startswith(b"\xef\xbb\xbf") and b"Charit\xc3\xa9" in data
    text = data.decode("utf-8-sig")
    assert text.endswith("\r\n") and text.count("\r\n") == len(table.rows) + 1
    parsed = list(csv.reader(io.StringIO(text, newline="")))
    assert parsed == [table.columns, *table.rows]
    assert table.title == "AP-1 · Charité Oncology 2027"


def test_cell_helpers() -> None:
    assert [percent(v) for v in (0, 42.25, 42.24, 100, 33.33333)] == ["0.0", "42.3", "42.2", "100.0", "33.3"]
    assert [cell(v) for v in ("=1", "+1", "-1", "-1.5", "@x", "\tx", "\rx", "a=b", None)] == [
        "'=1",
        "'+1",
        "-1",
        "-1.5",
        "'@x",
        "'\tx",
        "'\rx",
        "a=b",
        "",
    ]
    assert cell(date(2027, 1, 8)) == "2027-01-08"
    assert (
        slug("Charité Oncology 2027") == "charite-oncology-2027"
        and slug("Ærø / Øst, Straße!") == "aero-ost-strasse"
    )
    assert number(None) is None and number(Decimal("1250000.0000")) == "1250000"
    assert number(Decimal("33.3333")) == "33.33"


# ---------------------------------------------------------------- the CLI


@pytest.fixture(scope="module")
def cli_db(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A SQLite file upgraded and demo-seeded through the CLI (whatever KAM_TEST_DATABASE_URL says)."""
    database = tmp_path_factory.mktemp("export-cli") / "kam.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KAM_DATABASE_URL", f"sqlite:///{database}")
        mp.delenv("KAM_WORKSPACE", raising=False)
        assert main(["db", "upgrade"]) == 0
        assert main(["demo", "seed", "--today", TODAY.isoformat()]) == 0
        yield database


def test_kam_export_writes_the_same_csv_to_stdout_or_a_file(
    cli_db: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    monkeypatch.setenv("KAM_DATABASE_URL", f"sqlite:///{cli_db}")
    monkeypatch.delenv("KAM_WORKSPACE", raising=False)
    assert main(["export", "ap-1", "--today", TODAY.isoformat()]) == 0
    printed = capsysbinary.readouterr().out
    target = tmp_path / "plan.csv"
    assert main(["export", "AP-1", "--today", TODAY.isoformat(), "-o", str(target)]) == 0
    assert capsysbinary.readouterr().out.decode().strip() == f"AP-1: 15 rows written to {target}"
    assert target.read_bytes() == printed and printed.startswith(b"\xef\xbb\xbf")
    engine = make_engine(f"sqlite:///{cli_db}")
    with make_session_factory(engine)() as session:
        workspace = workspaces.get_workspace(session, SANDBOX_TEAM_ID)
        admin = workspaces.system_actor(session, workspace)
        assert printed.decode("utf-8") == export_csv(session, admin, "AP-1", TODAY)[1]
        session.rollback()
    engine.dispose()
    assert main(["export", "OBJ-1", "--workspace", SANDBOX_TEAM_ID]) == 1
    assert "OBJ-1 cannot be exported" in capsysbinary.readouterr().err.decode()
    assert main(["export", "BO-99"]) == 1
    assert "BO-99 was not found" in capsysbinary.readouterr().err.decode()
