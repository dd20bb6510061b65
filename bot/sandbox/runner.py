"""Run the real bot (Bolt in HTTP mode, the production code path) against the local Slack emulator.

The emulator serves the Web API the bot calls (``SLACK_API_URL`` = the emulator's ``/api/``) and the
sandbox page on ``http://127.0.0.1:KAM_PORT``; it signs every request it sends to the bot with a
signing secret generated for this run. The bot's own HTTP server listens on another free port of
127.0.0.1. The database is ``KAM_DATABASE_URL`` (SQLite ``kam.db`` by default), seeded with the
demo workspace on first run.
"""

from __future__ import annotations

import importlib
import logging
import signal
import sys
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.app import BotApp, build_app
from bot.sandbox.workspace import ensure_demo, make_emulator
from bot.server import HttpServer, make_wsgi
from kam_core import migrate
from kam_core.config import Settings
from kam_core.db import make_engine, make_session_factory
from slackemu import SlackEmulator

log = logging.getLogger("kam.sandbox")
NOT_YET = "digests are not available yet"


def _scheduler_function(name: str) -> Callable[..., Any] | None:
    """``bot.scheduler.<name>`` when the scheduler is importable, else None."""
    try:
        module = importlib.import_module("bot.scheduler")
    except ImportError:
        return None
    found = getattr(module, name, None)
    return found if callable(found) else None


class Sandbox:
    """The emulator, the database and the bot, started and stopped together."""

    def __init__(self, settings: Settings, *, page_port: int | None = None) -> None:
        self.settings = settings
        self.page_port = settings.kam_port if page_port is None else page_port
        self.emu: SlackEmulator = make_emulator(settings.kam_workspace)
        self.engine: Engine | None = None
        self.session_factory: sessionmaker[Session] | None = None
        self.bot: BotApp | None = None
        self.http: HttpServer | None = None
        self.scheduler: Any = None
        self.seeded = False
        self.bot_settings = settings  # with the emulator's token, secret and API URL once started

    @property
    def url(self) -> str:
        return self.emu.base_url

    def start(self) -> str:
        """Start everything; return the page's URL. Raises OSError when KAM_PORT is taken."""
        self.emu.start(port=self.page_port, host="127.0.0.1", threads=32)
        try:
            self._start_bot()
        except BaseException:
            self.stop()
            raise
        return self.emu.base_url

    def _start_bot(self) -> None:
        settings = self.settings
        self.engine = make_engine(settings.kam_database_url)
        migrate.upgrade(self.engine)
        factory = self.session_factory = make_session_factory(self.engine)
        self.seeded = ensure_demo(factory, settings.kam_workspace)
        bot = self.bot = build_app(
            token=self.emu.bot_token,
            signing_secret=self.emu.signing_secret,
            api_url=self.emu.api_url,
            session_factory=factory,
            outbox_poll_seconds=1.0,
        )
        self.http = HttpServer(make_wsgi(bot.app, self.engine), host="127.0.0.1", port=0)
        self.http.start()
        self.emu.app_url = f"{self.http.url}/slack/events"
        bot.outbox.start()
        self.bot_settings = settings.model_copy(
            update={
                "slack_bot_token": self.emu.bot_token,
                "slack_signing_secret": self.emu.signing_secret,
                "slack_api_url": self.emu.api_url,
            }
        )
        start = _scheduler_function("start_for_bot")
        if settings.kam_scheduler and start is not None:
            self.scheduler = start(self.bot_settings, factory, bot)
        self.emu.add_control("digests", "Run digests now", self.run_digests)

    def run_digests(self) -> list[str]:
        """Post every active subscription's digest now (the page's "Run digests now")."""
        run_now = _scheduler_function("run_digests_now")
        if run_now is None or self.bot is None:
            return [NOT_YET]
        lines = run_now(self.bot_settings, self.session_factory, self.bot.app.client)
        return [str(line) for line in lines] or ["No active digest subscriptions."]

    def stop(self) -> None:
        if self.scheduler is not None:
            try:
                self.scheduler.shutdown(wait=False)
            except Exception:  # a scheduler that is already down
                log.debug("scheduler shutdown failed", exc_info=True)
            self.scheduler = None
        if self.bot is not None:
            self.bot.outbox.stop()
        if self.http is not None:
            self.http.stop()
            self.http = None
        self.emu.stop()
        if self.engine is not None:
            self.engine.dispose()
            self.engine = None

    def banner(self) -> str:
        people = ", ".join(u.real_name.split()[0] for u in self.emu.users() if not u.is_bot)
        data = "seeded the demo workspace" if self.seeded else "kept the existing data"
        return (
            "\nKAM bot — local sandbox (no Slack workspace needed)\n"
            f"  Open {self.url} in your browser.\n"
            f"  Act as {people}; try /kam help, /kam plan show AP-1, /kam my.\n"
            f"  Database {self.settings.kam_database_url} ({data}, team {self.settings.kam_workspace}).\n"
            "  Press Ctrl-C to stop.\n"
        )


SIGNALS = (signal.SIGINT, signal.SIGTERM)


def run(settings: Settings) -> int:
    """`kam-bot` without Slack credentials: start the sandbox, print the page's URL, block until
    Ctrl-C or SIGTERM, then stop everything. Returns the exit code."""
    stop = threading.Event()
    previous = {sig: signal.getsignal(sig) for sig in SIGNALS}
    for sig in SIGNALS:  # before the banner, so that no signal is missed
        signal.signal(sig, lambda *_: stop.set())
    try:
        return _serve(settings, stop)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _serve(settings: Settings, stop: threading.Event) -> int:
    sandbox = Sandbox(settings)
    try:
        sandbox.start()
    except OSError as error:
        print(
            f"kam-bot: cannot serve the sandbox page on 127.0.0.1:{settings.kam_port} "
            f"({error.strerror or error}). Set KAM_PORT to a free port.",
            file=sys.stderr,
        )
        return 1
    try:
        print(sandbox.banner(), flush=True)
        stop.wait()
    finally:
        print("kam-bot: stopping the sandbox…", flush=True)
        sandbox.stop()
    return 0
