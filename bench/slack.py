"""Slack edge benchmark: a signed `/kam plan show` through the real Bolt app served by waitress, against
the floor of a bare Bolt app that only acknowledges, both driven by the emulator over loopback.

Prints the median and p99 of the raw ack time and of the end-to-end time (request sent until the card
arrives at the emulator's response URL), each as a ratio to the floor; and the SQL queries per command at
two data sizes (the demo plan, and a plan with 10x its objectives, tactics and tasks): they must not grow.

    python bench/slack.py [--runs 60] [--db sqlite|postgres] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import logging
import secrets
import statistics
import sys
import threading
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_bolt import App
from slack_sdk import WebClient
from sqlalchemy import Engine, create_engine, event, select

from bot.app import build_app
from bot.server import HttpServer, make_wsgi
from kam_core import migrate
from kam_core.db import make_engine, make_session_factory, session_scope
from kam_core.demo import CHANNELS, PEOPLE, seed_demo
from kam_core.models import Account, Member, Objective, Tactic, Task, Workspace
from slackemu import Channel, SlackEmulator, User
from tests.core.support import bulk_plan
from tests.scratchdb import scratch_database

TODAY = date.today()
CHANNEL = "C0KAMTEAM"
SKIP = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


class Queries:
    """SQL statements sent through the engine (transaction control left out)."""

    def __init__(self, engine: Engine) -> None:
        self.count = 0
        self._lock = threading.Lock()
        event.listen(engine, "before_cursor_execute", self._hook)

    def _hook(self, *args: object) -> None:
        if not str(args[2]).lstrip().upper().startswith(SKIP):
            with self._lock:
                self.count += 1


def seed(factory: Any) -> tuple[str, dict[str, str]]:
    """The demo workspace plus a plan 10x the demo's largest (AP-1: 3 objectives, 4 tactics, 15 tasks)."""
    team_id = "T" + secrets.token_hex(5).upper()
    with session_scope(factory) as session:
        seed_demo(session, team_id=team_id, today=TODAY)
        ws = session.scalars(select(Workspace.id).where(Workspace.team_id == team_id)).one()
        bob = session.scalars(
            select(Member.id).where(Member.workspace_id == ws, Member.slack_user_id == "U0BOB")
        )
        account = session.scalars(select(Account.id).where(Account.workspace_id == ws)).first()
        plan = bulk_plan(
            session,
            workspace_id=ws,
            owner_id=bob.one(),
            account_id=int(account or 0),
            period=(TODAY - timedelta(days=150), TODAY + timedelta(days=215)),
            objectives=30,
            tactics=2,
            tasks=3,
        )
        objective = session.scalars(select(Objective).where(Objective.plan_id == plan.id)).first()
        tactic = session.scalars(
            select(Tactic).where(Tactic.objective_id == Objective.id, Objective.plan_id == plan.id)
        )
        assert objective is not None
        first = tactic.first()
        task = session.scalars(select(Task).where(Task.tactic_id == first.id, Task.status == "not_started"))
        refs = {"AP-1": plan.ref, "OBJ-1": objective.ref, "TAC-1": first.ref, "TSK-4": task.first().ref}
        return team_id, refs


def emulator(team_id: str) -> SlackEmulator:
    emu = SlackEmulator(
        signing_secret="bench-" + secrets.token_hex(4), bot_token="xoxb-bench", team_id=team_id
    )
    emu.ack_timeout = None
    for person in PEOPLE:
        emu.add_user(User(id=person.user_id, name=person.name.split()[0].lower(), real_name=person.name))
    for channel_id, name in CHANNELS.items():
        emu.add_channel(Channel(id=channel_id, name=name, members={p.user_id for p in PEOPLE}))
    return emu


def timed_command(emu: SlackEmulator, text: str, wait_answer: bool) -> tuple[float, float]:
    """(ack seconds, end-to-end seconds): the HTTP answer, and the card at the response URL."""
    before = len(emu.response_posts)
    started = time.perf_counter()
    delivery = emu.send_command("U0BOB", CHANNEL, text)
    acked = time.perf_counter() - started
    assert delivery.status == 200, (delivery.status, delivery.body)
    if not wait_answer:
        return acked, acked
    emu.wait_for(lambda: len(emu.response_posts) > before, timeout=30)
    post = emu.response_posts[-1]
    assert post.status == 200, post.outcome
    return acked, time.perf_counter() - started


def floor_app(emu: SlackEmulator) -> HttpServer:
    app = App(signing_secret=emu.signing_secret, client=WebClient(token=emu.bot_token, base_url=emu.api_url))
    app.command("/kam")(lambda ack: ack())
    server = HttpServer(make_wsgi(app, create_engine("sqlite://")))
    server.start()
    return server


def stats(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=60)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    with scratch_database(args.pg_url if args.db == "postgres" else "sqlite", "kam_bench") as url:
        return bench(url, args.runs, args.db)


def bench(url: str, runs: int, db: str) -> int:
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        factory = make_session_factory(engine)
        team_id, big = seed(factory)
        emu = emulator(team_id)
        emu.start()
        bot = build_app(token=emu.bot_token, signing_secret=emu.signing_secret, api_url=emu.api_url,
                        session_factory=factory)  # fmt: skip
        server = HttpServer(make_wsgi(bot.app, engine))
        server.start()
        floor = floor_app(emu)
        try:
            report(emu, server, floor, engine, big, runs, db)
        finally:
            server.stop()
            floor.stop()
            emu.stop()
    finally:
        engine.dispose()
    return 0


def report(emu: SlackEmulator, server: HttpServer, floor: HttpServer, engine: Engine, big: dict[str, str],
           runs: int, db: str) -> None:  # fmt: skip
    emu.app_url = floor.url + "/slack/events"
    for _ in range(5):
        timed_command(emu, "plan show AP-1", wait_answer=False)
    floor_acks = [timed_command(emu, "plan show AP-1", wait_answer=False)[0] for _ in range(runs)]
    emu.app_url = server.url + "/slack/events"
    for _ in range(5):
        timed_command(emu, "plan show AP-1", wait_answer=True)
    acks, ends = zip(
        *[timed_command(emu, "plan show AP-1", wait_answer=True) for _ in range(runs)], strict=True
    )
    f_med, f_p99 = stats(floor_acks)
    print(f"\n/kam plan show AP-1 over loopback, {runs} runs, {db}")
    print(f"{'':<34}{'median ms':>10}{'p99 ms':>10}{'× floor (median)':>18}")
    print(f"{'floor: bare Bolt app, ack only':<34}{f_med * 1000:>10.1f}{f_p99 * 1000:>10.1f}{1.0:>18.1f}")
    for label, values in (("KAM bot: ack", acks), ("KAM bot: card at response URL", ends)):
        med, p99 = stats(list(values))
        print(f"{label:<34}{med * 1000:>10.1f}{p99 * 1000:>10.1f}{med / f_med:>18.1f}")
    queries = Queries(engine)
    print(f"\nSQL queries per command (demo plan AP-1 vs {big['AP-1']}: 10x its objectives, tactics, tasks)")
    print(f"{'command':<28}{'demo':>8}{'10x':>8}  grows?")
    for small, large in (
        ("plan show AP-1", f"plan show {big['AP-1']}"),
        ("why AP-1", f"why {big['AP-1']}"),
        ("objective show OBJ-1", f"objective show {big['OBJ-1']}"),
        ("tactic show TAC-1", f"tactic show {big['TAC-1']}"),
        ("task done TSK-4", f"task done {big['TSK-4']}"),
        ("plan list", "plan list"),
        ("my", "my"),
    ):
        counts = []
        for command in (small, large):
            timed_command(emu, "help", wait_answer=True)  # the member cache is warm, as in use
            queries.count = 0
            timed_command(emu, command, wait_answer=True)
            counts.append(queries.count)
        label = " ".join(word for word in small.split() if not any(c.isdigit() for c in word))
        print(f"{label:<28}{counts[0]:>8}{counts[1]:>8}  {'YES' if counts[1] > counts[0] else 'no'}")


if __name__ == "__main__":
    sys.exit(main())
