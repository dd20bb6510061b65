"""The bot under test: the real Bolt app served by waitress over loopback, talking through real
slack_sdk clients to the project's one fake Slack (slackemu) — a fresh Slack team per test, seeded
with the demo workspace."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.app import BotApp, build_app
from bot.sandbox.workspace import make_emulator as demo_emulator
from bot.server import HttpServer, make_wsgi
from kam_core.db import session_scope
from kam_core.demo import PEOPLE, seed_demo
from slackemu import Channel, SlackEmulator


@dataclass
class SlackEnv:
    emu: SlackEmulator
    bot: BotApp
    server: HttpServer
    team_id: str
    session_factory: sessionmaker[Session]

    def command(self, user: str, text: str, channel: str = "C0KAMTEAM", **kwargs: object) -> object:
        return self.emu.send_command(user, channel, text, **kwargs)  # type: ignore[arg-type]

    def last_ephemeral(self, user: str, channel: str = "C0KAMTEAM", since: int = 0) -> object:
        """Wait for an ephemeral message newer than `since` (an index into the user's ephemerals)."""
        return self.emu.wait_for(
            lambda: self.emu.ephemerals(channel, user)[since:] and self.emu.ephemerals(channel, user)[-1]
        )

    def ephemeral_count(self, user: str, channel: str = "C0KAMTEAM") -> int:
        return len(self.emu.ephemerals(channel, user))


def make_emulator(team_id: str) -> SlackEmulator:
    """The sandbox's demo team (people and channels), plus a channel the bot is not in."""
    emu = demo_emulator(team_id)
    everyone = {p.user_id for p in PEOPLE}
    emu.add_channel(Channel(id="C0NOBOT", name="no-bot", members=set(everyone), bot_is_member=False))
    return emu


@pytest.fixture
def slack(session_factory: sessionmaker[Session]) -> Iterator[SlackEnv]:
    team_id = "T" + secrets.token_hex(5).upper()
    with session_scope(session_factory) as session:
        seed_demo(session, team_id=team_id, today=date.today())
    emu = make_emulator(team_id)
    emu.start()
    bot = build_app(
        token=emu.bot_token,
        signing_secret=emu.signing_secret,
        api_url=emu.api_url,
        session_factory=session_factory,
        outbox_poll_seconds=0.2,
    )
    server = HttpServer(make_wsgi(bot.app, session_factory.kw["bind"]))
    server.start()
    emu.app_url = f"{server.url}/slack/events"
    bot.outbox.start()
    try:
        yield SlackEnv(emu, bot, server, team_id, session_factory)
    finally:
        bot.outbox.stop()
        server.stop()
        emu.stop()
