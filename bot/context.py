"""One unit of work per Slack request: a DB session, the acting member, and work to run after commit.

Bolt's global middleware runs before a listener and cannot wrap it (with process_before_response off,
listeners run on a worker thread after the HTTP answer), so the session lives here, around each
listener: commit on success, roll back on any error, then the after-commit work (modal updates,
notifications) runs and the outbox is woken.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from slack_bolt import BoltContext
from slack_sdk import WebClient
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.errors import handle_error
from bot.middleware import refresh_profile
from kam_core.actor import Actor
from kam_core.db import session_scope
from kam_core.enums import Source
from kam_core.models import Member, ProcessedRequest
from kam_core.models.base import utcnow
from kam_core.outbox import enqueue

log = logging.getLogger("kam.bot")


class Duplicate(Exception):
    """This request was handled before (a Slack retry or a double submission)."""


@dataclass
class Deps:
    session_factory: sessionmaker[Session]
    outbox: Any  # bot.outbox.Outbox
    clock: Callable[[], datetime] = utcnow
    # After-commit Slack calls (replies, card updates, Home) run here, not on Bolt's listener threads,
    # so that a slow response URL never delays the acknowledgement of other requests.
    background: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(max_workers=16, thread_name_prefix="kam-after")
    )


@dataclass
class KamRequest:
    session: Session
    actor: Actor
    body: dict[str, Any]
    client: WebClient
    context: BoltContext
    deps: Deps
    respond: Any = None
    after: list[Callable[[], Any]] = field(default_factory=list)
    committed: bool = False
    urgent: list[Callable[[], Any]] = field(default_factory=list)

    @property
    def member(self) -> Member:
        return self.actor.member

    @property
    def user_id(self) -> str:
        return self.actor.member.slack_user_id

    @property
    def channel_id(self) -> str | None:
        channel = self.body.get("channel_id") or (self.body.get("channel") or {}).get("id")
        container = self.body.get("container") or {}
        return channel or container.get("channel_id")

    @property
    def trigger_id(self) -> str | None:
        return self.body.get("trigger_id")

    def local_now(self) -> datetime:
        """Now in the member's time zone (UTC when unknown or not a valid zone)."""
        try:
            zone = ZoneInfo(self.member.tz or "UTC")
        except (KeyError, ValueError):
            zone = ZoneInfo("UTC")
        return self.deps.clock().astimezone(zone)

    def today(self) -> date:
        return self.local_now().date()

    def once(self, key: str) -> None:
        """Claim `key` for this request; raise Duplicate if it was claimed before. Written in this
        request's transaction: on PostgreSQL a concurrent twin waits for our commit, then finds it."""
        try:
            with self.session.begin_nested():
                self.session.add(ProcessedRequest(workspace_id=self.actor.workspace_id, key=key[:255]))
        except IntegrityError:
            raise Duplicate(key) from None

    def later(self, work: Callable[[], Any]) -> None:
        """Run `work` once this request's transaction has committed (at once, when it already has), in
        the background. Nothing talks to Slack while a transaction is open."""
        if self.committed:
            work()
        else:
            self.after.append(work)

    def right_after_commit(self, work: Callable[[], Any]) -> None:
        """Run `work` on this thread as soon as the transaction commits, before anything in `later`: for
        views.open, whose trigger expires 3 s after Slack sent it."""
        if self.committed:
            work()
        else:
            self.urgent.append(work)

    def dm(
        self, user_id: str, text: str, blocks: list[dict[str, Any]], dedupe_key: str | None = None
    ) -> None:
        """Send a DM after this request commits (through the outbox, off the request thread)."""
        enqueue(
            self.session,
            self.actor.workspace_id,
            "dm",
            {"user": user_id, "text": text, "blocks": blocks},
            dedupe_key=dedupe_key,
        )


Handler = Callable[[KamRequest], Any]


def run_all(works: list[Callable[[], Any]]) -> None:
    """One request's after-commit work, in order; a failure is logged and the rest still runs."""
    for work in works:
        try:
            work()
        except Exception:
            log.exception("after-commit work failed")


def unit_of_work(
    deps: Deps,
    source: Source,
    fn: Handler,
    *,
    ack_first: bool = True,
    once: Callable[[dict[str, Any]], str | None] | None = None,
) -> Callable[..., None]:
    """Wrap `fn` into a Bolt listener. With `ack_first` the request is acknowledged before any work;
    otherwise (view submissions) `fn` returns the ack payload, sent after the commit."""

    def listener(
        ack: Any, body: dict[str, Any], context: BoltContext, client: WebClient, respond: Any = None
    ) -> None:
        if ack_first:
            ack()
        member_id = context.get("kam_member_id")
        if member_id is None:
            raise RuntimeError("no member resolved for this request")
        after: list[Callable[[], Any]] = []
        urgent: list[Callable[[], Any]] = []
        req: KamRequest | None = None
        try:
            with session_scope(deps.session_factory) as session:
                member = session.get(Member, member_id)
                if member is None:
                    raise RuntimeError(f"member {member_id} vanished")
                req = KamRequest(
                    session, Actor(member, source), body, client, context, deps, respond, after, urgent=urgent
                )
                key = once(body) if once else None
                if key:
                    req.once(key)
                result = fn(req)
        except Duplicate as duplicate:
            log.info("duplicate request ignored: %s", duplicate)
            if not ack_first:
                ack()
            return
        except Exception as error:
            if not ack_first:
                raise  # Bolt hands it to the error handler, whose answer becomes the ack (modal field errors)
            # Already acknowledged: answer here. (Raising into Bolt after ack() resets the ack it may not
            # have sent yet, and Slack would see a timeout.) Same handler as @app.error.
            handle_error(error=error, body=body, client=client, respond=respond, response=None)
            return
        if req is not None:
            req.committed = True
        if not ack_first:
            ack(**result) if isinstance(result, dict) else ack()
        for work in urgent:
            try:
                work()
            except Exception as error:
                handle_error(error=error, body=body, client=client, respond=respond, response=None)
        if context.get("kam_refresh_profile"):
            after.append(lambda: refresh_profile(deps.session_factory, client, member_id))
        if after:
            deps.background.submit(run_all, after)
        deps.outbox.wake()

    return listener
