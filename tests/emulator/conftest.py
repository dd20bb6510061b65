"""Fixtures: a running emulator with a small workspace, a real WebClient, and real Bolt apps."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from slackemu import Channel, SlackEmulator, User
from slackemu.server import ServerThread

SECRET = "test-signing-secret"
TOKEN = "xoxb-test-token"
ALICE, BOB, CAROL = "U0ALICE", "U0BOB", "U0CAROL"
KAM, PRIV, OTHER, ARCHIVED = "C0KAM", "G0PRIV", "C0OTHER", "C0OLD"


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    emulator = SlackEmulator(SECRET, TOKEN, team_id="T0KAMDEMO", team_name="Acme Pharma")
    emulator.add_user(User(ALICE, "alice", "Alice Adler", email="alice@example.com", tz="Europe/Berlin"))
    emulator.add_user(User(BOB, "bob", "Bob Brandt", email="bob@example.com", tz="America/New_York"))
    emulator.add_user(User(CAROL, "carol", real_name="Carol Cruz", email="carol@example.com"))
    emulator.add_channel(Channel(KAM, "kam-team", members={ALICE, BOB}))
    emulator.add_channel(Channel(PRIV, "kam-private", members={ALICE}, is_private=True))
    emulator.add_channel(Channel(OTHER, "random", members={ALICE, BOB, CAROL}, bot_is_member=False))
    emulator.add_channel(Channel(ARCHIVED, "old-kam", members={ALICE}, is_archived=True))
    emulator.start()
    yield emulator
    emulator.stop()


@pytest.fixture
def client(emu: SlackEmulator) -> WebClient:
    return WebClient(base_url=emu.api_url, token=TOKEN, retry_handlers=[])


@pytest.fixture
def make_app(emu: SlackEmulator) -> Iterator[Callable[[], App]]:
    """Build a real Bolt app talking to the emulator; serve it on waitress; point emu.app_url at it."""
    servers: list[ServerThread] = []

    def build() -> App:
        app = App(signing_secret=SECRET, client=WebClient(base_url=emu.api_url, token=TOKEN))
        server = ServerThread(SlackRequestHandler(app), threads=4)
        server.start()
        servers.append(server)
        emu.app_url = server.base_url + "/slack/events"
        return app

    yield build
    for server in servers:
        server.stop()


def modal(callback_id: str, blocks: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    view = {
        "type": "modal",
        "callback_id": callback_id,
        "title": {"type": "plain_text", "text": "New task"},
        "submit": {"type": "plain_text", "text": "Save"},
        "blocks": blocks,
    }
    view.update(extra)
    return view


def section(text: str, block_id: str | None = None) -> dict[str, Any]:
    block: dict[str, Any] = {"type": "section", "text": {"type": "mrkdwn", "text": text}}
    if block_id:
        block["block_id"] = block_id
    return block


def button(action_id: str, value: str, text: str = "Go") -> dict[str, Any]:
    label = {"type": "plain_text", "text": text}
    return {"type": "button", "action_id": action_id, "value": value, "text": label}
