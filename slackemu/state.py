"""The emulated workspace: plain dataclasses plus one :class:`Store` guarded by one lock.

Everything a test or a page may read lives here. The Web API handlers, the response-URL
handler and the client side all mutate the store while holding ``store.lock`` and call
``store.bump()`` after every change, so ``store.version`` only ever grows.
"""

from __future__ import annotations

import itertools
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .faults import Faults

JSON = dict[str, Any]

TRIGGER_TTL = 3.0
RESPONSE_URL_TTL = 30 * 60.0
RESPONSE_URL_MAX_USES = 5
MAX_VIEW_STACK = 3
SLACKBOT = "USLACKBOT"
TROUBLE = "We had some trouble connecting. Try again?"


@dataclass
class User:
    id: str
    name: str
    real_name: str = ""
    email: str | None = None
    tz: str = "UTC"
    is_bot: bool = False
    is_admin: bool = False
    deleted: bool = False
    display_name: str = ""
    team_id: str | None = None  # None: the emulator's own team
    title: str = ""  # profile title, e.g. "Key Account Manager"

    def tz_offset(self) -> int:
        try:
            offset = datetime.now(ZoneInfo(self.tz)).utcoffset()
        except (ZoneInfoNotFoundError, ValueError):
            return 0
        return int(offset.total_seconds()) if offset is not None else 0


@dataclass
class Channel:
    id: str
    name: str
    members: set[str] = field(default_factory=set)
    bot_is_member: bool = True
    is_archived: bool = False
    is_private: bool = False
    is_im: bool = False
    user: str | None = None  # the human side of an IM
    topic: str = ""
    purpose: str = ""


@dataclass
class Message:
    ts: str
    channel: str
    user: str | None
    bot_id: str | None
    text: str
    blocks: list[JSON] = field(default_factory=list)
    thread_ts: str | None = None
    metadata: JSON | None = None
    edited: bool = False
    edited_ts: str | None = None
    attachments: list[JSON] = field(default_factory=list)
    unfurl_links: bool | None = None
    unfurl_media: bool | None = None
    reply_broadcast: bool = False
    app_id: str | None = None
    files: list[JSON] = field(default_factory=list)  # files shared with the message (file objects)


@dataclass
class Ephemeral:
    ts: str  # the message_ts Slack answers
    channel: str
    user: str  # the only person who sees it
    text: str
    blocks: list[JSON] = field(default_factory=list)
    thread_ts: str | None = None
    sender: str = ""  # bot user id, or USLACKBOT for Slack's own error notes
    source: str = "chat.postEphemeral"  # or response_url / command_response / slackbot
    edited: bool = False


@dataclass
class File:
    """A file uploaded with files.getUploadURLExternal, its upload URL and files.completeUploadExternal."""

    id: str
    name: str
    length: int  # the size announced to files.getUploadURLExternal
    upload_token: str  # the secret part of its upload URL
    user: str  # who uploads it (the app's bot user)
    created: float
    title: str = ""
    data: bytes | None = None  # None until the bytes reach the upload URL
    completed: bool = False
    channels: list[str] = field(default_factory=list)  # where it was shared

    @property
    def size(self) -> int:
        return len(self.data or b"")


@dataclass
class View:
    id: str
    user: str
    type: str  # "modal" | "home"
    hash: str
    callback_id: str
    private_metadata: str
    title: str
    blocks: list[JSON]
    spec: JSON  # the view as the app sent it, with generated block_id / action_id filled in
    external_id: str = ""
    errors: dict[str, str] = field(default_factory=dict)
    state_values: dict[str, dict[str, JSON]] = field(default_factory=dict)
    root_view_id: str | None = None
    previous_view_id: str | None = None
    alert: str | None = None  # what the Slack client shows on top ("We had some trouble connecting")
    closed: bool = False

    @property
    def notify_on_close(self) -> bool:
        return bool(self.spec.get("notify_on_close"))


@dataclass
class Call:
    method: str
    params: JSON
    response: JSON
    status: int
    at: float
    thread: str


@dataclass
class Trigger:
    id: str
    user: str
    issued_at: float
    source: str
    view_id: str | None = None
    used: bool = False


@dataclass
class ResponseUrl:
    token: str
    user: str
    channel: str | None
    issued_at: float
    source: str
    original: tuple[str, str, str] | None = None  # ("message"|"ephemeral", channel, ts)
    uses: int = 0


@dataclass
class ResponsePost:
    url: str
    body: JSON
    status: int
    response: JSON
    outcome: str
    at: float


def make_ts(micros: int) -> str:
    return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"


class Store:
    """All mutable state. Hold ``lock`` for every read or write; call ``bump()`` after writes."""

    def __init__(self, *, team_id: str, team_name: str, team_domain: str, bot_token: str) -> None:
        self.lock = threading.RLock()
        self.changed = threading.Condition(self.lock)
        self.team_id = team_id
        self.team_name = team_name
        self.team_domain = team_domain
        self.bot_token = bot_token
        self.bot_user_id = "U0KAMBOT"
        self.bot_id = "B0KAMBOT"
        self.app_id = "A0KAMBOT"
        self.base_url = ""
        self.version = 0
        self.closing = False  # set by stop(): long polls (wait_for_change) return at once
        self.clock_offset = 0.0
        self.users: dict[str, User] = {}
        self.channels: dict[str, Channel] = {}
        self.messages: dict[str, list[Message]] = {}
        self.ephemerals: list[Ephemeral] = []
        self.views: dict[str, View] = {}
        self.stacks: dict[str, list[str]] = {}
        self.homes: dict[str, str] = {}
        self.triggers: dict[str, Trigger] = {}
        self.response_urls: dict[str, ResponseUrl] = {}
        self.response_posts: list[ResponsePost] = []
        self.calls: list[Call] = []
        self.files: dict[str, File] = {}
        self.faults = Faults()
        self._last_micros = 0
        self._ids = itertools.count(1)

    # --- time and identifiers -------------------------------------------------------------
    def now(self) -> float:
        return time.time() + self.clock_offset

    def next_ts(self) -> str:
        micros = max(int(self.now() * 1_000_000), self._last_micros + 1)
        self._last_micros = micros
        return make_ts(micros)

    def new_id(self, prefix: str, width: int = 9) -> str:
        alphabet = string.ascii_uppercase + string.digits
        n = next(self._ids)
        tail = "".join(secrets.choice(alphabet) for _ in range(max(width - 4, 2)))
        return f"{prefix}{n:04d}{tail}"[: len(prefix) + width]

    def new_hash(self) -> str:
        return f"{self.now():.6f}.{secrets.token_hex(4)}"

    def bump(self) -> None:
        self.version += 1
        self.changed.notify_all()

    # --- look-ups ---------------------------------------------------------------------------
    def user_name(self, user_id: str) -> str:
        user = self.users.get(user_id)
        return user.name if user else user_id.lower()

    def channel_messages(self, channel_id: str) -> list[Message]:
        return self.messages.setdefault(channel_id, [])

    def find_message(self, channel_id: str, ts: str) -> Message | None:
        return next((m for m in self.messages.get(channel_id, []) if m.ts == ts), None)

    def find_ephemeral(self, channel_id: str, ts: str) -> Ephemeral | None:
        return next((e for e in self.ephemerals if e.channel == channel_id and e.ts == ts), None)

    @staticmethod
    def im_id(user_id: str) -> str:
        return "D" + (user_id[1:] if user_id[:1] in "UW" else user_id)

    def open_im(self, user_id: str) -> Channel:
        im_id = self.im_id(user_id)
        channel = self.channels.get(im_id)
        if channel is None:
            channel = Channel(id=im_id, name=user_id, members={user_id}, is_im=True, user=user_id)
            self.channels[im_id] = channel
            self.bump()
        return channel

    def stack(self, user_id: str) -> list[View]:
        return [self.views[v] for v in self.stacks.get(user_id, [])]

    def close_view(self, view: View) -> None:
        view.closed = True
        ids = self.stacks.get(view.user, [])
        if view.id in ids:
            ids.remove(view.id)
        self.bump()

    # --- triggers and response URLs ---------------------------------------------------------
    def issue_trigger(self, user_id: str, source: str, view_id: str | None = None) -> str:
        trigger_id = f"{int(self.now())}.{next(self._ids)}.{secrets.token_hex(8)}"
        self.triggers[trigger_id] = Trigger(trigger_id, user_id, self.now(), source, view_id)
        return trigger_id

    def issue_response_url(
        self,
        user_id: str,
        channel_id: str | None,
        source: str,
        original: tuple[str, str, str] | None = None,
    ) -> str:
        token = secrets.token_urlsafe(18)
        self.response_urls[token] = ResponseUrl(token, user_id, channel_id, self.now(), source, original)
        return f"{self.base_url}/response/{token}"

    def record_call(self, call: Call) -> None:
        self.calls.append(call)
        self.bump()
