"""`kam-bot`: Socket Mode when SLACK_APP_TOKEN is set; HTTP mode with SLACK_BOT_TOKEN and
SLACK_SIGNING_SECRET; with no Slack credentials, the local sandbox."""

from __future__ import annotations

import gc
import logging
import signal
import sys
import threading
from collections.abc import Sequence
from typing import Any

from sqlalchemy.exc import OperationalError

from kam_core import migrate
from kam_core.config import Settings, load_settings
from kam_core.db import make_engine, make_session_factory

log = logging.getLogger("kam.bot")


def setup_logging(level: str) -> None:
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    quiet = max(logging.getLevelName(level), logging.WARNING)
    for noisy in ("slack_bolt", "apscheduler"):  # a line per tick or request is noise at INFO
        logging.getLogger(noisy).setLevel(quiet)


def mode_of(settings: Settings) -> str:
    """socket | http | sandbox; exits with code 2 naming what is missing for a half-configured app."""
    token, secret, app_token = (
        settings.slack_bot_token,
        settings.slack_signing_secret,
        settings.slack_app_token,
    )
    if app_token:
        if not token:
            _missing("SLACK_BOT_TOKEN", "Socket Mode (SLACK_APP_TOKEN is set) also needs the bot token")
        return "socket"
    if token or secret:
        if not token:
            _missing("SLACK_BOT_TOKEN", "HTTP mode needs both SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET")
        if not secret:
            _missing("SLACK_SIGNING_SECRET", "HTTP mode needs both SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET")
        return "http"
    return "sandbox"


def _missing(name: str, why: str) -> None:
    print(f"kam-bot: {name} is not set: {why}", file=sys.stderr)
    raise SystemExit(2)


def wait_for_signal() -> None:
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()


def run_slack(settings: Settings, mode: str) -> int:
    from bot.app import build_app
    from bot.server import HttpServer, make_wsgi

    engine = make_engine(settings.kam_database_url)
    factory = make_session_factory(engine)
    assert settings.slack_bot_token
    bot = build_app(
        token=settings.slack_bot_token,
        signing_secret=settings.slack_signing_secret or "",
        api_url=settings.slack_api_url,
        session_factory=factory,
    )
    stop = threading.Event()
    workers: list[Any] = []

    def start_workers() -> None:
        bot.outbox.start()
        if settings.kam_scheduler:
            workers.append(start_scheduler(settings, factory, bot))

    http = HttpServer(
        make_wsgi(bot.app if mode == "http" else None, engine), host=settings.kam_host, port=settings.kam_port
    )
    http.start()  # /healthz answers from the start (503 while the database is unreachable)
    url = http.url
    if try_migrate(engine):
        start_workers()
    else:  # carry on once the database is back
        threading.Thread(
            target=migrate_when_reachable, args=(engine, stop, start_workers), name="db-wait", daemon=True
        ).start()
    if mode == "socket":
        from slack_bolt.adapter.socket_mode import SocketModeHandler

        handler = SocketModeHandler(bot.app, settings.slack_app_token)
        handler.connect()
        log.info("KAM bot connected over Socket Mode; health check at %s/healthz", url)
    else:
        log.info("KAM bot serving %s/slack/events (health: %s/healthz)", url, url)
    # everything loaded so far lives as long as the process: keep it out of the collector's full passes
    gc.freeze()
    try:
        wait_for_signal()
    finally:
        stop.set()
        for scheduler in workers:
            if scheduler is not None:
                scheduler.shutdown(wait=False)
        bot.outbox.stop()
        http.stop()
    return 0


def try_migrate(engine: Any) -> bool:
    """Bring the schema up to date; False (logged) when the database cannot be reached."""
    try:
        migrate.upgrade(engine)
    except OperationalError as error:
        log.error("database unreachable (%s): /healthz answers 503 until it is back", error.orig or error)
        return False
    return True


def migrate_when_reachable(engine: Any, stop: threading.Event, then: Any, most: float = 30.0) -> None:
    delay = 1.0
    while not stop.wait(delay):
        if try_migrate(engine):
            log.info("database reachable again: migrated, workers started")
            then()
            return
        delay = min(delay * 2, most)


def start_scheduler(settings: Settings, factory: Any, bot: Any) -> Any:
    from bot.scheduler import start_for_bot

    return start_for_bot(settings, factory, bot)


def run_sandbox(settings: Settings) -> int:
    """No Slack credentials: the real bot against the local Slack emulator, with its web page."""
    from bot.sandbox import run

    return run(settings)


def main(argv: Sequence[str] | None = None) -> int:
    settings = load_settings()
    setup_logging(settings.kam_log_level)
    mode = mode_of(settings)
    if mode == "sandbox":
        return run_sandbox(settings)
    return run_slack(settings, mode)


if __name__ == "__main__":
    sys.exit(main())
