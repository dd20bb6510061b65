"""Digest benchmark: 1,000 subscriptions due in the same minute on a large workspace, posted to a fake
Slack that enforces one message per second per channel.

Prints the total time against the Slack-imposed floor (the busiest channel needs one second per
message after its first), the time per digest, and the SQL queries per digest on a small and a large
workspace (they must not grow with the workspace).

    python bench/digest.py [--subscriptions 1000] [--channels 100] [--db sqlite|postgres] [--pg-url URL]
"""

from __future__ import annotations

import argparse
import logging
import secrets
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_sdk import WebClient
from sqlalchemy import Engine, event, insert, select, text

from bot.publisher import ChannelPacer, SlackPublisher
from kam_core import migrate
from kam_core.db import make_engine, make_session_factory, session_scope
from kam_core.demo import CHANNELS, PEOPLE, seed_demo
from kam_core.digests.tick import TickOptions, run_tick
from kam_core.enums import DigestKind, ScopeType
from kam_core.models import Account, BusinessObjective, DigestSubscription, Member, Plan, Sprint, Workspace
from slackemu import Channel, SlackEmulator, User
from tests.core.support import bulk_plan
from tests.scratchdb import scratch_database

AT = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # a Monday, 09:00 UTC
TODAY = AT.date()


class Counting:
    def __init__(self, engine: Engine) -> None:
        self.count = 0
        self._lock = threading.Lock()
        event.listen(engine, "before_cursor_execute", self._hook)

    def _hook(self, *args: object) -> None:
        statement = str(args[2]).lstrip().upper()
        if not statement.startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")):
            with self._lock:
                self.count += 1


def workspace(factory: object, extra_plans: int, subscriptions: int, channels: list[str]) -> tuple[str, int]:
    """A demo workspace grown by `extra_plans` bulk plans, with `subscriptions` digests due at 09:00 UTC."""
    team_id = "T" + secrets.token_hex(5).upper()
    with session_scope(factory) as session:  # type: ignore[arg-type]
        seed_demo(session, team_id=team_id, today=TODAY)
        ws = session.scalars(select(Workspace.id).where(Workspace.team_id == team_id)).one()
        alice = session.scalars(
            select(Member.id).where(Member.workspace_id == ws, Member.slack_user_id == "U0ALICE")
        ).one()
        if extra_plans:  # one sprint per 4 plans, as a team runs them: each sprint digest covers ~4 plans
            session.execute(
                insert(Sprint),
                [
                    {
                        "workspace_id": ws,
                        "number": 100 + n,
                        "name": f"Team sprint {n}",
                        "owner_id": alice,
                        "start_date": TODAY - timedelta(days=5),
                        "end_date": TODAY + timedelta(days=8),
                        "status": "active",
                        "version": 1,
                        "created_at": AT,
                        "updated_at": AT,
                    }
                    for n in range(max(1, extra_plans // 4))
                ],
            )
        sprints = list(session.scalars(select(Sprint.id).where(Sprint.workspace_id == ws)))
        accounts = list(session.scalars(select(Account.id).where(Account.workspace_id == ws)))
        goals = list(
            session.scalars(select(BusinessObjective.id).where(BusinessObjective.workspace_id == ws))
        )
        for n in range(extra_plans):  # 4 objectives x 4 tactics x 10 tasks each; a tactic of each in a sprint
            bulk_plan(
                session,
                workspace_id=ws,
                owner_id=alice,
                account_id=accounts[n % len(accounts)],
                period=(TODAY - timedelta(days=150), TODAY + timedelta(days=215)),
                objectives=4,
                tactics=4,
                tasks=10,
                sprint_id=sprints[n % len(sprints)],
                goal_id=goals[3 + n % 4],
            )
        plans = list(session.scalars(select(Plan.id).where(Plan.workspace_id == ws)))
        rows = []
        for n in range(subscriptions):
            sprint = n % 2 == 0
            rows.append(
                {
                    "workspace_id": ws,
                    "number": 100 + n,
                    "channel_id": channels[n % len(channels)],
                    "kind": DigestKind.SPRINT if sprint else DigestKind.ROLLUP,
                    "scope_type": ScopeType.SPRINT if sprint else ScopeType.PLAN,
                    "scope_id": sprints[n % len(sprints)] if sprint else plans[n % len(plans)],
                    "local_time": "09:00",
                    "timezone": "UTC",
                    "weekdays": 0b1111111,
                    "created_by_id": alice,
                    "active": True,
                    "created_at": AT - timedelta(hours=1),
                }
            )
        session.execute(insert(DigestSubscription), rows)
        session.execute(
            DigestSubscription.__table__.update()
            .where(  # the demo's own two stay out of it
                DigestSubscription.workspace_id == ws, DigestSubscription.number < 100
            )
            .values(active=False)
        )
    return team_id, ws


def emulator(team_id: str, channels: list[str]) -> SlackEmulator:
    emu = SlackEmulator(signing_secret="bench", bot_token="xoxb-bench", team_id=team_id)
    for person in PEOPLE:
        emu.add_user(User(id=person.user_id, name=person.name.split()[0].lower(), real_name=person.name))
    for channel in channels:
        emu.add_channel(
            Channel(id=channel, name=channel.lower(), members={p.user_id for p in PEOPLE}, bot_is_member=True)
        )
    emu.enforce_channel_rate(1.0)
    emu.start()
    return emu


def run(url: str, extra_plans: int, subscriptions: int, channel_count: int, workers: int) -> dict[str, float]:
    engine = make_engine(url)
    factory = make_session_factory(engine)
    channels = [f"C{n:04d}BENCH" for n in range(channel_count)] or list(CHANNELS)
    team_id, ws = workspace(factory, extra_plans, subscriptions, channels)
    emu = emulator(team_id, channels)
    publisher = SlackPublisher(WebClient(token=emu.bot_token, base_url=emu.api_url), ChannelPacer())
    counter = Counting(engine)
    started = time.perf_counter()
    report = run_tick(factory, publisher, AT, TickOptions(workspace_ids={ws}, workers=workers))
    elapsed = time.perf_counter() - started
    posts = [c for c in emu.calls_to("chat.postMessage") if c.response.get("ok")]
    per_channel = Counter(c.params.get("channel") for c in posts)
    rejected = sum(1 for c in emu.calls_to("chat.postMessage") if c.status == 429)
    floor = max(per_channel.values()) - 1 if per_channel else 0
    with session_scope(factory) as session:
        tasks = session.scalar(text("SELECT count(*) FROM tasks WHERE workspace_id = :ws"), {"ws": ws})
    emu.stop()
    engine.dispose()
    posted = report.count("posted")
    return {
        "tasks": float(tasks or 0),
        "posted": posted,
        "messages": len(posts),
        "429s": rejected,
        "seconds": elapsed,
        "floor": float(floor),
        "queries": counter.count / max(posted, 1),
    }


def main() -> None:
    logging.getLogger("kam").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--subscriptions", type=int, default=1000)
    parser.add_argument("--channels", type=int, default=100)
    parser.add_argument("--large-plans", type=int, default=400, help="extra plans in the large workspace")
    parser.add_argument("--workers", type=int, default=16)
    parser.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--pg-url", default="postgresql+psycopg://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()
    with scratch_database(args.pg_url if args.db == "postgres" else "sqlite", "kam_bench") as url:
        migrate.upgrade(make_engine(url))
        small = run(url, 0, 40, 10, args.workers)
        large = run(url, args.large_plans, args.subscriptions, args.channels, args.workers)
    print(
        f"digest benchmark on {args.db}: {args.subscriptions} subscriptions due at the same minute, "
        f"{args.channels} channels, 1 message/s/channel enforced by the fake Slack"
    )
    print(
        f"{'workspace':<10} {'tasks':>8} {'digests':>8} {'messages':>9} {'429s':>5} {'total s':>8} "
        f"{'floor s':>8} {'ratio':>6} {'s/digest':>9} {'queries/digest':>15}"
    )
    for name, r in (("small", small), ("large", large)):
        ratio = r["seconds"] / r["floor"] if r["floor"] else float("nan")
        per_digest = r["seconds"] / max(r["posted"], 1)
        counts = f"{int(r['tasks']):>8} {int(r['posted']):>8} {int(r['messages']):>9} {int(r['429s']):>5}"
        times = f"{r['seconds']:>8.1f} {r['floor']:>8.0f} {ratio:>6.2f} {per_digest:>9.3f}"
        print(f"{name:<10} {counts} {times} {r['queries']:>15.1f}")
    growth = large["queries"] / small["queries"] if small["queries"] else float("nan")
    print(f"queries per digest, large / small: {growth:.2f} (must not grow with the workspace)")


if __name__ == "__main__":
    main()
