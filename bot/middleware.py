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
from slack_sdk.errors import SlackApiError
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


def _profile(client: WebClient, user_id: str) -> dict[str, str | None]:
    try:
        user = client.users_info(user=user_id).get("user") or {}
    except SlackApiError as error:
        log.warning("users.info %s failed: %s", user_id, error.response.get("error"))
        return {}
    profile = user.get("profile") or {}
    name = profile.get("real_name") or user.get("real_name") or user.get("name")
    return {"name": name, "email": profile.get("email"), "tz": user.get("tz")}


def resolve(
    session_factory: sessionmaker[Session], cache: MemberCache, context: BoltContext, client: WebClient
) -> None:
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
            stale = workspaces.profile_is_stale(member)
            cached = (workspace.id, member.id)
        if stale:
            profile = _profile(client, user_id)
            if profile:
                with session_scope(session_factory) as session:
                    found = session.get(Member, cached[1])
                    if found is not None:
                        workspaces.update_profile(
                            session,
                            found,
                            name=profile.get("name"),
                            email=profile.get("email"),
                            tz=profile.get("tz"),
                        )
        cache.put(key, *cached)
    context["kam_workspace_id"], context["kam_member_id"] = cached


def event_key(body: dict[str, Any]) -> str | None:
    event_id = body.get("event_id")
    return f"event:{event_id}" if event_id else None


def build_middleware(session_factory: sessionmaker[Session], cache: MemberCache) -> Any:
    def kam_context(
        client: WebClient, context: BoltContext, body: dict[str, Any], req: BoltRequest, next: Any
    ) -> BoltResponse | None:
        resolve(session_factory, cache, context, client)
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
