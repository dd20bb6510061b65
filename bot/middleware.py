"""Global middleware: resolve the workspace and the member of every request (creating them on first
contact, with name, email and time zone from users.info, cached), and drop Slack retries of events
that were already handled."""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from typing import Any

from slack_bolt import BoltContext, BoltResponse
from slack_bolt.request import BoltRequest
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from kam_core.db import session_scope
from kam_core.models import Member, ProcessedRequest
from kam_core.services import workspaces

log = logging.getLogger("kam.bot")
PROFILE_TTL_SECONDS = 6 * 3600


class MemberCache:
    """(workspace key, user) -> (workspace id, member id, resolved at), LRU, thread-safe."""

    def __init__(self, size: int = 10_000) -> None:
        self._items: OrderedDict[tuple[str, str], tuple[int, int, float]] = OrderedDict()
        self._size = size
        self._lock = threading.Lock()

    def get(self, key: tuple[str, str]) -> tuple[int, int] | None:
        with self._lock:
            item = self._items.get(key)
            if item is None or time.monotonic() - item[2] > PROFILE_TTL_SECONDS:
                return None
            self._items.move_to_end(key)
            return item[0], item[1]

    def put(self, key: tuple[str, str], workspace_id: int, member_id: int) -> None:
        with self._lock:
            self._items[key] = (workspace_id, member_id, time.monotonic())
            self._items.move_to_end(key)
            while len(self._items) > self._size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


def refresh_profile(session_factory: sessionmaker[Session], client: WebClient, member_id: int) -> None:
    """Name, email and time zone from users.info. Runs after the request is acknowledged, never before
    (a slow users.info must not cost Slack's 3-second deadline); any failure only leaves it stale."""
    try:
        with session_scope(session_factory) as session:
            member = session.get(Member, member_id)
            user_id = member.slack_user_id if member else None
        if user_id is None:
            return
        user = client.users_info(user=user_id).get("user") or {}
        profile = user.get("profile") or {}
        with session_scope(session_factory) as session:
            member = session.get(Member, member_id)
            if member is not None:
                workspaces.update_profile(
                    session,
                    member,
                    name=profile.get("real_name") or user.get("real_name") or user.get("name"),
                    email=profile.get("email"),
                    tz=user.get("tz"),
                )
    except Exception as error:
        log.warning("profile refresh of member %s failed: %s", member_id, error)


def resolve(session_factory: sessionmaker[Session], cache: MemberCache, context: BoltContext) -> None:
    """Put the workspace and member ids in the context, from the cache or the database only. When the
    member's profile is stale, `kam_refresh_profile` asks the unit of work to refresh it after the ack."""
    team_id = context.team_id or context.enterprise_id
    user_id = context.user_id
    if not team_id or not user_id:
        return
    key = (f"{context.enterprise_id or '-'}:{team_id}", user_id)
    cached = cache.get(key)
    if cached is None:
        with session_scope(session_factory) as session:
            workspace = workspaces.ensure_workspace(
                session, team_id=context.team_id, enterprise_id=context.enterprise_id
            )
            member = workspaces.ensure_member(session, workspace=workspace, slack_user_id=user_id)
            context["kam_refresh_profile"] = workspaces.profile_is_stale(member)
            cached = (workspace.id, member.id)
        cache.put(key, *cached)
    context["kam_workspace_id"], context["kam_member_id"] = cached


def event_key(body: dict[str, Any]) -> str | None:
    event_id = body.get("event_id")
    return f"event:{event_id}" if event_id else None


def build_middleware(session_factory: sessionmaker[Session], cache: MemberCache) -> Any:
    def kam_context(
        client: WebClient, context: BoltContext, body: dict[str, Any], req: BoltRequest, next: Any
    ) -> BoltResponse | None:
        resolve(session_factory, cache, context)
        retry = req.headers.get("x-slack-retry-num")
        if retry and body.get("type") == "event_callback":
            key = event_key(body)
            workspace_id = context.get("kam_workspace_id")
            if key and workspace_id and _seen(session_factory, workspace_id, key):
                log.info("retry %s of %s already handled", retry, key)
                return BoltResponse(status=200, body="")
        next()
        return None

    return kam_context


def _seen(session_factory: sessionmaker[Session], workspace_id: int, key: str) -> bool:
    with session_scope(session_factory) as session:
        stmt = select(ProcessedRequest.id).where(
            ProcessedRequest.workspace_id == workspace_id, ProcessedRequest.key == key
        )
        return session.scalar(stmt) is not None
