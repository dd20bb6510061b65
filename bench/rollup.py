"""Benchmark: `rollup_workspace` against the floor of one GROUP BY over the workspace's tasks.

    python bench/rollup.py [--sizes 10000,100000] [--dbs sqlite,postgres] [--pg-url URL] [--repeat 5]

For every size and database a fresh database is created (a SQLite file in a temporary folder; on
PostgreSQL a throw-away database on the server, dropped afterwards), migrated with `migrate.upgrade`,
and filled with fast bulk inserts in a realistic shape: plans of ~4 objectives, ~4 tactics per objective,
~10 tasks per tactic, mixed statuses, weights other than 1, cancelled/deferred/completed records, sprints,
a business-objective tree and a small second workspace. Then, after a warm-up, the best of `--repeat`
runs of each:

    rollup   rollup_workspace(session, workspace_id, today)
    floor    SELECT tactic_id, status, count(*) FROM tasks WHERE workspace_id = :ws GROUP BY tactic_id, status

The target is rollup / floor <= 3 at 100k tasks. Tests never assert on wall-clock time; this prints.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import Engine, Table, event, insert, text

from kam_core import migrate
from kam_core.db import make_engine, make_session_factory
from kam_core.models import (
    Account,
    BusinessObjective,
    Member,
    Objective,
    Plan,
    RefCounter,
    Sprint,
    Tactic,
    Task,
    Territory,
    Workspace,
)
from kam_core.rollup import rollup_workspace
from tests.scratchdb import scratch_database

TODAY = date(2026, 6, 1)
PERIOD = (date(2026, 1, 1), date(2026, 12, 31))
NOW = datetime(2026, 5, 31, 12, 0, tzinfo=UTC)
FLOOR_SQL = text(
    "SELECT tactic_id, status, count(*) FROM tasks WHERE workspace_id = :ws GROUP BY tactic_id, status"
)
TASK_STATUSES = (
    ["completed"] * 35 + ["not_started"] * 30 + ["in_progress"] * 15 + ["blocked"] * 10 + ["skipped"] * 10
)
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


# ---------------------------------------------------------------- databases


@contextmanager
def fresh_database(kind: str, pg_url: str) -> Iterator[Engine]:
    with scratch_database(pg_url if kind == "postgres" else "sqlite", "kam_bench") as url:
        engine = make_engine(url)
        try:
            yield engine
        finally:
            engine.dispose()


# ---------------------------------------------------------------- data


class Rows:
    """Rows per table with explicit ids (the database is fresh), checked for every required column."""

    def __init__(self) -> None:
        self.tables: dict[Table, list[dict[str, Any]]] = {}
        self.next_id: dict[str, int] = {}
        self.numbers: dict[tuple[int, str], int] = {}

    def add(self, model: Any, workspace_id: int, ref_prefix: str | None = None, **values: Any) -> int:
        table: Table = model.__table__
        new_id = self.next_id.get(table.name, 0) + 1
        self.next_id[table.name] = new_id
        row: dict[str, Any] = {"id": new_id, "workspace_id": workspace_id, **values}
        if ref_prefix is not None:
            key = (workspace_id, ref_prefix)
            self.numbers[key] = row["number"] = self.numbers.get(key, 0) + 1
        if "version" in table.c:
            row.setdefault("version", 1)
        for stamp in ("created_at", "updated_at"):
            if stamp in table.c:
                row.setdefault(stamp, NOW)
        self.tables.setdefault(table, []).append(row)
        return new_id

    def check(self) -> None:
        for table, rows in self.tables.items():
            required = {c.name for c in table.columns if not c.nullable}
            missing = required - set(rows[0])
            if missing:
                raise SystemExit(f"bench: {table.name} rows miss required columns {sorted(missing)}")


def workspace_rows(rows: Rows, rng: random.Random, tasks_wanted: int, team: str) -> int:
    ws = rows.add(Workspace, 0, slack_key=f"-:{team}", team_id=team, name=f"Bench {team}", created_at=NOW)
    rows.tables[Workspace.__table__][-1].pop("workspace_id")
    people = [
        rows.add(
            Member,
            ws,
            slack_user_id=f"U{team}{i}",
            name=f"Member {i}",
            role=role,
            is_active=True,
            created_at=NOW,
        )
        for i, role in enumerate(["admin", "manager", "kam", "kam", "kam", "kam", "viewer"])
    ]
    kams = people[2:6]
    top = rows.add(Territory, ws, name="Global", level="global")
    affiliates = [
        rows.add(Territory, ws, name=f"Affiliate {i}", level="affiliate", parent_id=top, manager_id=people[1])
        for i in range(2)
    ]
    territories = [
        rows.add(Territory, ws, name=f"Territory {i}", level="territory", parent_id=affiliates[i % 2])
        for i in range(4)
    ]
    goal = {
        "period_start": PERIOD[0],
        "period_end": PERIOD[1],
        "owner_id": people[0],
        "status": "in_progress",
        "measure_unit": "currency",
        "measure_target": 1_000_000,
        "measure_current": 0,
    }
    bo_top = rows.add(
        BusinessObjective, ws, "BO", name="Global goal", level="global", territory_id=top, **goal
    )
    bo_aff = [
        rows.add(
            BusinessObjective,
            ws,
            "BO",
            name=f"Affiliate goal {i}",
            level="affiliate",
            parent_id=bo_top,
            territory_id=affiliates[i],
            **goal,
        )
        for i in range(2)
    ]
    bo_ter = [
        rows.add(
            BusinessObjective,
            ws,
            "BO",
            name=f"Territory goal {i}",
            level="territory",
            parent_id=bo_aff[i % 2],
            territory_id=territories[i],
            **goal,
        )
        for i in range(4)
    ]
    sprints = [
        rows.add(
            Sprint,
            ws,
            "SPR",
            name=f"Sprint {i}",
            owner_id=people[1],
            start_date=TODAY - timedelta(days=14 * (3 - i)),
            end_date=TODAY + timedelta(days=14 * i),
            status="closed" if i < 2 else "active",
        )
        for i in range(4)
    ]
    made = 0
    while made < tasks_wanted:
        owner = rng.choice(kams)
        territory = rng.choice(territories)
        account = rows.add(
            Account,
            ws,
            name=f"Hospital {made}",
            external_id=f"CRM-{made}",
            account_type="Hospital",
            territory_id=territory,
        )
        plan = rows.add(
            Plan,
            ws,
            "AP",
            kind="account",
            name=f"Plan {made}",
            account_id=account,
            owner_id=owner,
            period_start=PERIOD[0],
            period_end=PERIOD[1],
            status="in_progress",
            visibility="private" if rng.random() < 0.1 else "workspace",
        )
        for _ in range(rng.randint(3, 5)):
            status = rng.choices(["in_progress", "completed", "cancelled", "deferred"], [91, 3, 3, 3])[0]
            objective = rows.add(
                Objective,
                ws,
                "OBJ",
                plan_id=plan,
                name="Objective",
                owner_id=owner,
                status=status,
                priority="medium",
                weight=rng.choice([1.0, 1.0, 1.0, 2.0, 3.0]),
                due_date=PERIOD[1] - timedelta(days=rng.randint(0, 150)),
                contributes_to_id=rng.choice(bo_ter) if rng.random() < 0.5 else None,
                measure_unit="currency" if rng.random() < 0.3 else None,
                measure_target=100_000,
                measure_current=rng.randint(0, 100_000),
            )
            for _ in range(rng.randint(3, 5)):
                t_status = rng.choices(
                    ["in_progress", "not_started", "completed", "cancelled"], [70, 20, 5, 5]
                )[0]
                tactic = rows.add(
                    Tactic,
                    ws,
                    "TAC",
                    objective_id=objective,
                    name="Tactic",
                    owner_id=owner,
                    status=t_status,
                    weight=rng.choice([1.0, 1.0, 2.0]),
                    sprint_id=rng.choice(sprints) if rng.random() < 0.3 else None,
                )
                for _ in range(rng.randint(5, 15)):
                    rows.add(
                        Task,
                        ws,
                        "TSK",
                        tactic_id=tactic,
                        title="Task",
                        status=rng.choice(TASK_STATUSES),
                        assignee_id=rng.choice(kams),
                        due_date=TODAY + timedelta(days=rng.randint(-60, 60)),
                    )
                    made += 1
    for (workspace_id, prefix), last in rows.numbers.items():
        if workspace_id == ws:
            rows.add(RefCounter, ws, prefix=prefix, last=last)
            rows.tables[RefCounter.__table__][-1].pop("id")
    return ws


def load(engine: Engine, rows: Rows) -> None:
    rows.check()
    order = [
        Workspace,
        Member,
        Territory,
        Account,
        BusinessObjective,
        Sprint,
        Plan,
        Objective,
        Tactic,
        Task,
        RefCounter,
    ]
    with engine.begin() as conn:
        for model in order:
            table: Table = model.__table__
            data = rows.tables.get(table, [])
            if not data:
                continue
            if conn.dialect.name == "postgresql":
                copy_rows(conn, table, data)
            else:
                for start in range(0, len(data), 20_000):
                    conn.execute(insert(table), data[start : start + 20_000])
        if conn.dialect.name == "postgresql":
            for model in order[:-1]:
                name = model.__tablename__
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{name}', 'id'), (SELECT max(id) FROM {name}))"
                    )
                )
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.exec_driver_sql("VACUUM ANALYZE" if conn.dialect.name == "postgresql" else "ANALYZE")


def copy_rows(conn: Any, table: Table, data: list[dict[str, Any]]) -> None:
    """PostgreSQL COPY: the fast path for a million rows. Values go through each column's bind
    processing, so stored values are what the ORM would write."""
    columns = [c for c in table.columns if any(c.name in row for row in data[:1])]
    processors = [c.type.bind_processor(conn.dialect) for c in columns]
    names = ", ".join(c.name for c in columns)
    cursor = conn.connection.driver_connection.cursor()
    with cursor.copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
        for row in data:
            values = [row.get(c.name) for c in columns]
            copy.write_row([p(v) if p else v for p, v in zip(processors, values, strict=True)])


# ---------------------------------------------------------------- timing


def best_of(repeat: int, work: Callable[[], Any]) -> float:
    work()  # warm-up
    timings = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        timings.append(time.perf_counter() - start)
    return min(timings) * 1000


def measure(engine: Engine, ws: int, repeat: int) -> tuple[float, float, int, int]:
    factory = make_session_factory(engine)

    def rollup() -> Any:
        with factory() as session:
            return rollup_workspace(session, ws, TODAY)

    def floor() -> Any:
        with factory() as session:
            return session.execute(FLOOR_SQL, {"ws": ws}).all()

    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    event.listen(engine, "before_cursor_execute", count)
    nodes = len(rollup().nodes)
    event.remove(engine, "before_cursor_execute", count)
    if engine.dialect.name == "sqlite":
        statements -= 1  # BEGIN IMMEDIATE
    return best_of(repeat, rollup), best_of(repeat, floor), statements, nodes


def run(kind: str, size: int, pg_url: str, repeat: int) -> dict[str, Any]:
    rng = random.Random(size)
    rows = Rows()
    ws = workspace_rows(rows, rng, size, "TBENCH")
    workspace_rows(rows, rng, max(size // 20, 200), "TNOISE")  # another tenant, to be filtered out
    tasks = sum(1 for r in rows.tables[Task.__table__] if r["workspace_id"] == ws)
    with fresh_database(kind, pg_url) as engine:
        migrate.upgrade(engine)
        started = time.perf_counter()
        load(engine, rows)
        loaded = time.perf_counter() - started
        del rows  # a bot process does not hold the generated rows: keep them out of the collector's way
        gc.collect()
        gc.freeze()  # as kam-bot does once it has started: its start-up heap is not rescanned
        rollup_ms, floor_ms, queries, nodes = measure(engine, ws, repeat)
    return {
        "db": kind,
        "tasks": tasks,
        "rollup": rollup_ms,
        "floor": floor_ms,
        "ratio": rollup_ms / floor_ms,
        "queries": queries,
        "nodes": nodes,
        "load": loaded,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000", help="tasks per run, comma-separated")
    parser.add_argument("--dbs", default="sqlite,postgres", help="sqlite, postgres or both")
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("KAM_BENCH_PG_URL") or DEFAULT_PG,
        help="a PostgreSQL server URL; a throw-away database is created there",
    )
    parser.add_argument("--repeat", type=int, default=5, help="timed runs after the warm-up (best is kept)")
    args = parser.parse_args(argv)
    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    dbs = [d.strip() for d in args.dbs.split(",") if d.strip()]
    print(
        f"{'db':<9} {'tasks':>9} {'nodes':>7} {'rollup ms':>10} {'floor ms':>9} {'ratio':>6} {'queries':>7}"
        f" {'load s':>7}"
    )
    worst = 0.0
    for kind in dbs:
        for size in sizes:
            try:
                r = run(kind, size, args.pg_url, args.repeat)
            except Exception as error:  # e.g. no PostgreSQL server here
                print(f"{kind:<9} {size:>9} skipped: {type(error).__name__}: {str(error).splitlines()[0]}")
                continue
            print(
                f"{r['db']:<9} {r['tasks']:>9} {r['nodes']:>7} {r['rollup']:>10.1f} {r['floor']:>9.1f}"
                f" {r['ratio']:>6.2f} {r['queries']:>7} {r['load']:>7.1f}",
                flush=True,
            )
            if r["tasks"] >= 100_000:
                worst = max(worst, r["ratio"])
    if worst > 3:
        print(f"ratio {worst:.2f} > 3 at 100k+ tasks: above target")
    return 0


if __name__ == "__main__":
    sys.exit(main())
