"""The :class:`SlackEmulator` facade: workspace set-up, server life cycle, faults and read access."""

from __future__ import annotations

import copy
import dataclasses
import re
import time
from collections.abc import Callable
from typing import Any, TypeVar

from .client_side import ClientSide
from .faults import Fault
from .page import Control, Page
from .server import EmulatorApp, ServerThread
from .state import JSON, Call, Channel, Ephemeral, File, Message, ResponsePost, Store, User, View
from .webapi import HANDLERS

T = TypeVar("T")


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, set):
        return sorted(value)
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


class SlackEmulator(ClientSide):
    """A local fake Slack: Web API server, response URLs, and the Slack side toward the app."""

    def __init__(
        self,
        signing_secret: str = "slackemu-signing-secret",
        bot_token: str = "xoxb-slackemu-token",
        team_id: str = "T0KAMDEMO",
        team_name: str = "Acme Pharma",
        app_url: str | None = None,
        *,
        team_domain: str | None = None,
        bot_user_id: str = "U0KAMBOT",
        bot_id: str = "B0KAMBOT",
        app_id: str = "A0KAMBOT",
        bot_name: str = "kambot",
        verification_token: str = "slackemu-verification-token",
    ) -> None:
        domain = team_domain or re.sub(r"[^a-z0-9-]", "", (team_name.split() or ["slack"])[0].lower())
        self._store = Store(
            team_id=team_id, team_name=team_name, team_domain=domain or "slack", bot_token=bot_token
        )
        self._store.bot_user_id, self._store.bot_id, self._store.app_id = bot_user_id, bot_id, app_id
        self._store.users[bot_user_id] = User(bot_user_id, bot_name, real_name="KAM bot", is_bot=True)
        self.signing_secret = signing_secret
        self.verification_token = verification_token
        self.app_url = app_url
        self.ack_timeout: float | None = 3.0  # Slack's deadline for the app's HTTP answer
        self.http_timeout = 10.0
        self.commands: tuple[str, ...] = ()  # the app's slash commands; () accepts any on the page
        self.events: set[str] | None = None  # event types the app subscribes to; None: all
        self.controls: dict[str, Control] = {}  # extra buttons on the page (e.g. "Run digests now")
        self._server: ServerThread | None = None

    # --- identity -------------------------------------------------------------------------------
    @property
    def bot_user_id(self) -> str:
        return self._store.bot_user_id

    @property
    def bot_id(self) -> str:
        return self._store.bot_id

    @property
    def app_id(self) -> str:
        return self._store.app_id

    @property
    def team_id(self) -> str:
        return self._store.team_id

    @property
    def team_name(self) -> str:
        return self._store.team_name

    @property
    def team_domain(self) -> str:
        return self._store.team_domain

    @property
    def bot_token(self) -> str:
        return self._store.bot_token

    # --- life cycle -----------------------------------------------------------------------------
    def start(self, port: int = 0, host: str = "127.0.0.1", threads: int = 16) -> str:
        """Serve on ``host:port`` (0 = any free port) in a daemon thread; return the base URL.

        The base URL also serves the sandbox page (``GET /``): the workspace as a Slack-like page.
        """
        if self._server is not None:
            raise RuntimeError("the emulator is already running")
        self._store.closing = False
        app = EmulatorApp(self._store, self.snapshot, page=Page(self))
        server = ServerThread(app, host=host, port=port, threads=threads)
        with self._store.lock:
            self._store.base_url = server.base_url
        server.start()
        self._server = server
        return server.base_url

    def stop(self) -> None:
        with self._store.changed:
            self._store.closing = True
            self._store.changed.notify_all()
        if self._server is not None:
            self._server.stop()
            self._server = None

    def __enter__(self) -> SlackEmulator:
        if self._server is None:
            self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the emulator is not running: call start()")
        return self._server.base_url

    @property
    def api_url(self) -> str:
        """For ``slack_sdk.WebClient(base_url=emu.api_url)``."""
        return self.base_url + "/api/"

    # --- workspace set-up -----------------------------------------------------------------------
    def add_user(self, user: User) -> None:
        with self._store.lock:
            self._store.users[user.id] = copy.deepcopy(user)
            self._store.bump()

    def add_channel(self, channel: Channel) -> None:
        with self._store.lock:
            self._store.channels[channel.id] = copy.deepcopy(channel)
            self._store.bump()

    def update_channel(self, channel_id: str, **changes: Any) -> None:
        """E.g. ``update_channel("C1", is_archived=True)`` or ``bot_is_member=False``."""
        with self._store.lock:
            channel = self._store.channels[channel_id]
            for key, value in changes.items():
                if not hasattr(channel, key):
                    raise AttributeError(f"Channel has no field {key!r}")
                setattr(channel, key, value)
            self._store.bump()

    def users(self) -> list[User]:
        with self._store.lock:
            return copy.deepcopy(list(self._store.users.values()))

    def channels(self) -> list[Channel]:
        with self._store.lock:
            return copy.deepcopy(list(self._store.channels.values()))

    def add_control(self, key: str, label: str, run: Callable[[], list[str]]) -> None:
        """A button on the page (``label``) that runs ``run()`` and shows the lines it returns."""
        self.controls[key] = Control(label, run)

    def user(self, user_id: str) -> User | None:
        with self._store.lock:
            return copy.deepcopy(self._store.users.get(user_id))

    def channel(self, channel_id: str) -> Channel | None:
        with self._store.lock:
            return copy.deepcopy(self._store.channels.get(channel_id))

    def issue_trigger(self, user_id: str) -> str:
        """A fresh trigger_id for the user, as if they had just clicked something (3 s, single use)."""
        with self._store.lock:
            return self._store.issue_trigger(user_id, "test")

    def advance_time(self, seconds: float) -> None:
        """Move the emulator's clock forward (trigger / response_url expiry, channel rate)."""
        with self._store.lock:
            self._store.clock_offset += seconds
            self._store.bump()

    # --- recorded calls and faults --------------------------------------------------------------
    @property
    def calls(self) -> list[Call]:
        with self._store.lock:
            return copy.deepcopy(self._store.calls)

    def calls_to(self, method: str) -> list[Call]:
        with self._store.lock:
            return copy.deepcopy([c for c in self._store.calls if c.method == method])

    def reset_calls(self) -> None:
        with self._store.lock:
            self._store.calls.clear()
            self._store.bump()

    def fail_next(self, method: str, error: str = "not_in_channel", times: int = 1) -> None:
        """The next ``times`` calls of ``method`` answer HTTP 200 ``{"ok": false, "error": error}``."""
        self._check_method(method)
        with self._store.lock:
            self._store.faults.add(method, Fault("error", times, error=error))

    def rate_limit_next(self, method: str, retry_after: int = 1, times: int = 1) -> None:
        """The next ``times`` calls answer HTTP 429 with ``Retry-After`` and ``error: ratelimited``."""
        self._check_method(method)
        with self._store.lock:
            self._store.faults.add(method, Fault("ratelimit", times, retry_after=retry_after))

    def server_error_next(self, method: str, status: int = 500, times: int = 1) -> None:
        """The next ``times`` calls answer HTTP ``status`` (5xx) with ``error: internal_error``."""
        self._check_method(method)
        with self._store.lock:
            self._store.faults.add(method, Fault("server_error", times, status=status))

    def lose_answer_next(self, method: str, status: int = 500, times: int = 1) -> None:
        """The next ``times`` calls take effect (a message is posted) but answer HTTP ``status`` with
        ``error: internal_error``: the ambiguous failure, where the caller cannot tell it went through."""
        self._check_method(method)
        with self._store.lock:
            self._store.faults.add(method, Fault("lost_answer", times, status=status))

    @staticmethod
    def _check_method(method: str) -> None:
        if method not in HANDLERS:
            raise ValueError(f"the emulator has no Web API method {method!r}")

    def enforce_channel_rate(self, per_second: float | None = 1.0) -> None:
        """chat.postMessage to a channel faster than ``per_second`` answers 429 (None switches it off)."""
        with self._store.lock:
            self._store.faults.channel_rate = per_second
            self._store.faults.last_post.clear()

    def clear_faults(self) -> None:
        with self._store.lock:
            self._store.faults.clear()

    # --- state for tests and pages --------------------------------------------------------------
    @property
    def version(self) -> int:
        with self._store.lock:
            return self._store.version

    def messages(self, channel_id: str) -> list[Message]:
        """Every message of the channel, thread replies included, oldest first."""
        with self._store.lock:
            return copy.deepcopy(self._store.messages.get(channel_id, []))

    def replies(self, channel_id: str, thread_ts: str) -> list[Message]:
        with self._store.lock:
            found = self._store.messages.get(channel_id, [])
            return copy.deepcopy([m for m in found if m.thread_ts == thread_ts and m.ts != thread_ts])

    def message(self, channel_id: str, ts: str) -> Message | None:
        with self._store.lock:
            return copy.deepcopy(self._store.find_message(channel_id, ts))

    def ephemerals(self, channel_id: str | None = None, user_id: str | None = None) -> list[Ephemeral]:
        with self._store.lock:
            found = [
                e
                for e in self._store.ephemerals
                if (channel_id is None or e.channel == channel_id) and (user_id is None or e.user == user_id)
            ]
            return copy.deepcopy(found)

    def open_views(self, user_id: str) -> list[View]:
        """The user's modal stack, root first."""
        with self._store.lock:
            return copy.deepcopy(self._store.stack(user_id))

    def view(self, view_id: str) -> View | None:
        with self._store.lock:
            return copy.deepcopy(self._store.views.get(view_id))

    def home(self, user_id: str) -> View | None:
        with self._store.lock:
            return copy.deepcopy(self._store.views.get(self._store.homes.get(user_id, "")))

    def im_channel(self, user_id: str) -> str | None:
        """The id of the app's IM with the user, once opened."""
        with self._store.lock:
            im = next((c for c in self._store.channels.values() if c.is_im and c.user == user_id), None)
            return im.id if im else None

    def file(self, file_id: str) -> File | None:
        """An uploaded file: ``name``, ``title``, ``data`` (the bytes; None until uploaded), ``channels``."""
        with self._store.lock:
            return copy.deepcopy(self._store.files.get(file_id))

    def files(self) -> list[File]:
        """Every file the app started to upload, oldest first."""
        with self._store.lock:
            return copy.deepcopy(list(self._store.files.values()))

    @property
    def response_posts(self) -> list[ResponsePost]:
        with self._store.lock:
            return copy.deepcopy(self._store.response_posts)

    def snapshot(self) -> JSON:
        """The whole visible state as JSON-ready data (what a page renders)."""
        s = self._store
        with s.lock:
            return _plain(
                {
                    "version": s.version,
                    "team": {"id": s.team_id, "name": s.team_name, "domain": s.team_domain},
                    "bot": {"user_id": s.bot_user_id, "bot_id": s.bot_id, "app_id": s.app_id},
                    "users": list(s.users.values()),
                    "channels": list(s.channels.values()),
                    "messages": s.messages,
                    "ephemerals": s.ephemerals,
                    "modals": {user: s.stack(user) for user in s.stacks if s.stacks[user]},
                    "homes": {user: s.views[view_id] for user, view_id in s.homes.items()},
                    "response_posts": s.response_posts,
                    "call_count": len(s.calls),
                }
            )

    def wait_for_change(self, since: int, timeout: float = 30.0) -> int:
        """Block until ``version`` exceeds ``since`` (or the timeout); return the current version."""
        with self._store.changed:
            s = self._store
            s.changed.wait_for(lambda: s.version > since or s.closing, timeout=timeout)
            return self._store.version

    def wait_for(self, predicate: Callable[[], T | None], timeout: float = 5.0, message: str = "") -> T:
        """Poll ``predicate`` until it returns something truthy; return that, or raise TimeoutError."""
        deadline = time.monotonic() + timeout
        while True:
            value = predicate()
            if value:
                return value
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            with self._store.changed:
                self._store.changed.wait(timeout=min(0.05, remaining))
        with self._store.lock:
            recent = [f"{c.method}->{c.response.get('error') or 'ok'}" for c in self._store.calls[-8:]]
        name = getattr(predicate, "__qualname__", repr(predicate))
        raise TimeoutError(
            f"wait_for timed out after {timeout}s{': ' + message if message else ''} "
            f"(predicate {name} last returned {value!r}; recent Web API calls: {recent or 'none'})"
        )
