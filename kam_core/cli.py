"""`kam`: the admin command line.

    kam db upgrade
    kam import territories|accounts|contacts|members FILE.csv
    kam members grant SLACK_USER_ID ROLE
    kam demo seed
    kam show REF / kam why REF
    kam export REF [-o FILE]
    kam digest tick [--at 2026-03-29T07:00:00Z]
    kam scheduler

Commands that touch a workspace take --workspace SLACK_TEAM_ID (default: KAM_WORKSPACE, the sandbox's).
Exit codes: 0 ok, 1 a refused or failed operation (the message says why), 2 bad usage or settings.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from kam_core import migrate
from kam_core.actor import Actor
from kam_core.config import Settings, load_settings
from kam_core.db import make_engine, make_session_factory, session_scope
from kam_core.errors import InvalidInput, KamError
from kam_core.services import workspaces

Handler = Callable[[argparse.Namespace, Settings], int]


def _engine(settings: Settings) -> Engine:
    """The database, which must already carry the KAM schema (`kam db upgrade` creates it)."""
    engine = make_engine(settings.kam_database_url)
    try:
        revision = migrate.current_revision(engine)
    except Exception as error:
        raise KamError(f"cannot open the database {engine.url.render_as_string()}: {error}") from None
    if revision is None:
        raise KamError(
            f"the database {engine.url.render_as_string()} has no KAM schema yet: run `kam db upgrade`"
        )
    return engine


def _with_actor(
    args: argparse.Namespace, settings: Settings, work: Callable[[Session, Actor], int], create: bool = False
) -> int:
    engine = _engine(settings)
    with session_scope(make_session_factory(engine)) as session:
        if create:
            workspace = workspaces.ensure_workspace(session, team_id=args.workspace)
        else:
            workspace = workspaces.get_workspace(session, args.workspace)
        return work(session, workspaces.system_actor(session, workspace))


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> int:
    engine = make_engine(settings.kam_database_url)
    migrate.upgrade(engine)
    print(f"database at revision {migrate.current_revision(engine)} ({engine.url.render_as_string()})")
    return 0


def cmd_import(args: argparse.Namespace, settings: Settings) -> int:
    from kam_core.services.imports import import_csv

    def work(session: Session, actor: Actor) -> int:
        result = import_csv(session=session, actor=actor, kind=args.kind, path=args.file)
        print(f"{args.kind}: {result.rows} rows — {result.created} created, {result.updated} updated")
        return 0

    return _with_actor(args, settings, work, create=True)


def cmd_grant(args: argparse.Namespace, settings: Settings) -> int:
    def work(session: Session, actor: Actor) -> int:
        member = workspaces.grant_role(session=session, actor=actor, slack_user_id=args.user, role=args.role)
        print(f"{member.slack_user_id} {member.name or ''} is now {member.role.label}".replace("  ", " "))
        return 0

    return _with_actor(args, settings, work, create=True)


def cmd_demo_seed(args: argparse.Namespace, settings: Settings) -> int:
    from kam_core.demo import seed_demo

    engine = _engine(settings)
    with session_scope(make_session_factory(engine)) as session:
        seed_demo(session, team_id=args.workspace, today=args.today or date.today())
    print(f"demo workspace {args.workspace} seeded: try `kam show AP-1` and `kam why AP-1`")
    return 0


def cmd_show(args: argparse.Namespace, settings: Settings) -> int:
    from kam_core.reports import show_text, why_text

    render = why_text if args.command == "why" else show_text

    def work(session: Session, actor: Actor) -> int:
        print(render(session, actor, args.ref, args.today))
        return 0

    return _with_actor(args, settings, work)


def cmd_export(args: argparse.Namespace, settings: Settings) -> int:
    from kam_core.exports import build_export

    def work(session: Session, actor: Actor) -> int:
        table = build_export(session, actor, args.ref, args.today)
        data = table.csv_text().encode("utf-8")
        if args.output == "-":
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            with open(args.output, "wb") as out:
                out.write(data)
            print(f"{table.ref}: {len(table.rows)} rows written to {args.output}")
        return 0

    return _with_actor(args, settings, work)


def cmd_digest_tick(args: argparse.Namespace, settings: Settings) -> int:
    from bot.scheduler import publisher_for, tick_once

    if not settings.slack_bot_token:
        print(
            "kam: SLACK_BOT_TOKEN is not set: `digest tick` posts through the Slack Web API at SLACK_API_URL",
            file=sys.stderr,
        )
        return 2
    factory = make_session_factory(_engine(settings))
    only: set[int] | None = None
    if args.workspace:
        with session_scope(factory) as session:
            only = {workspaces.get_workspace(session, args.workspace).id}
    at = args.at or datetime.now(UTC)
    report = tick_once(settings, factory, publisher_for(settings), at, only)
    print(report.text())
    return 0


def cmd_scheduler(args: argparse.Namespace, settings: Settings) -> int:
    from bot.scheduler import run_forever

    if not settings.slack_bot_token:
        print(
            "kam: SLACK_BOT_TOKEN is not set: the scheduler posts through the Slack Web API", file=sys.stderr
        )
        return 2
    logging.basicConfig(level=settings.kam_log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    run_forever(settings, make_session_factory(_engine(settings)))
    return 0


def instant(text: str) -> datetime:
    """2026-03-29T07:00:00Z -> an aware UTC datetime (a time without a zone is taken as UTC)."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kam", description="KAM bot admin command line")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def workspace_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--workspace",
            default=None,
            metavar="SLACK_TEAM_ID",
            help="the Slack team id (default: KAM_WORKSPACE, the sandbox's)",
        )

    def today_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument("--today", type=date.fromisoformat, default=None, help="compute as of this date")

    db = sub.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    db_sub.add_parser("upgrade", help="create or upgrade the schema").set_defaults(handler=cmd_db_upgrade)

    imp = sub.add_parser("import", help="import a CSV file (all or nothing)")
    imp.add_argument("kind", choices=["territories", "accounts", "contacts", "members"])
    imp.add_argument("file")
    workspace_arg(imp)
    imp.set_defaults(handler=cmd_import)

    members = sub.add_parser("members", help="members and roles")
    members_sub = members.add_subparsers(dest="members_command", required=True)
    grant = members_sub.add_parser("grant", help="give a member a role")
    grant.add_argument("user", metavar="SLACK_USER_ID")
    grant.add_argument("role", choices=["admin", "manager", "kam", "viewer"])
    workspace_arg(grant)
    grant.set_defaults(handler=cmd_grant)

    demo = sub.add_parser("demo", help="demo data")
    demo_sub = demo.add_subparsers(dest="demo_command", required=True)
    seed = demo_sub.add_parser("seed", help="seed a realistic demo workspace")
    workspace_arg(seed)
    today_arg(seed)
    seed.set_defaults(handler=cmd_demo_seed)

    for name, text in (("show", "a record and its subtree"), ("why", "the explanation of a percentage")):
        p = sub.add_parser(name, help=text)
        p.add_argument("ref")
        workspace_arg(p)
        today_arg(p)
        p.set_defaults(handler=cmd_show)

    export = sub.add_parser("export", help="a CSV of a plan, sprint or business objective")
    export.add_argument("ref")
    export.add_argument(
        "-o", "--output", default="-", metavar="FILE", help="write to FILE (default: standard output)"
    )
    workspace_arg(export)
    today_arg(export)
    export.set_defaults(handler=cmd_export)

    digest = sub.add_parser("digest", help="digests")
    digest_sub = digest.add_subparsers(dest="digest_command", required=True)
    tick = digest_sub.add_parser("tick", help="run one scheduler tick now, or as of --at")
    tick.add_argument(
        "--at",
        type=instant,
        default=None,
        metavar="2026-03-29T07:00:00Z",
        help="run the tick as of this instant (default: now)",
    )
    tick.add_argument(
        "--workspace",
        default="",
        metavar="SLACK_TEAM_ID",
        help="only this workspace's digests (default: every workspace)",
    )
    tick.set_defaults(handler=cmd_digest_tick)
    sub.add_parser("scheduler", help="run the digest scheduler alone").set_defaults(handler=cmd_scheduler)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    settings = load_settings()
    if hasattr(args, "workspace") and args.workspace is None:
        args.workspace = settings.kam_workspace
    handler: Handler = args.handler
    try:
        return handler(args, settings)
    except InvalidInput as error:
        print(f"kam: {error.message}", file=sys.stderr)
        return 1
    except KamError as error:
        print(f"kam: {error.message}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
