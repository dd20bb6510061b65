"""build_app(): the Bolt app, wired to a database and a Slack Web API base URL. No I/O at import time."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from slack_bolt import App
from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler
from sqlalchemy.orm import Session, sessionmaker

from bot.context import Deps
from bot.errors import handle_error
from bot.listeners import register_all
from bot.middleware import MemberCache, build_middleware
from bot.outbox import Outbox

log = logging.getLogger("kam.bot")


@dataclass
class BotApp:
    app: App
    deps: Deps
    outbox: Outbox
    cache: MemberCache


def make_client(token: str, api_url: str) -> WebClient:
    """A Web API client for `api_url` (Slack, GovSlack, a proxy or a local emulator)."""
    return WebClient(
        token=token,
        base_url=api_url,
        timeout=10,  # Slack answers in well under a second; never hang a worker for the default 30 s
        retry_handlers=[ConnectionErrorRetryHandler(max_retry_count=2)],
    )


def build_app(
    *,
    token: str,
    signing_secret: str,
    api_url: str,
    session_factory: sessionmaker[Session],
    verify_token: bool = True,
    outbox_poll_seconds: float = 5.0,
) -> BotApp:
    client = make_client(token, api_url)
    app = App(
        client=client,
        signing_secret=signing_secret,
        token_verification_enabled=verify_token,
        process_before_response=False,
        ignoring_self_events_enabled=True,
        logger=logging.getLogger("kam.bolt"),
        # listener threads only run the work before and right after a commit (Slack calls made after a
        # commit go to Deps.background), so they are free to acknowledge new requests at once
        listener_executor=ThreadPoolExecutor(max_workers=32, thread_name_prefix="kam-listener"),
    )
    outbox = Outbox(session_factory, make_client(token, api_url), poll_seconds=outbox_poll_seconds)
    deps = Deps(session_factory=session_factory, outbox=outbox)
    cache = MemberCache()
    app.use(build_middleware(session_factory, cache))
    register_all(app, deps)
    app.error(handle_error)
    return BotApp(app, deps, outbox, cache)
