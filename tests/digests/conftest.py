"""A demo-seeded workspace, a fake Slack (slackemu) and the real Slack publisher (slack_sdk over HTTP)."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from slack_sdk import WebClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from bot.publisher import ChannelPacer, SlackPublisher
from kam_core.db import session_scope
from kam_core.demo import seed_demo
from kam_core.digests.tick import TickOptions, TickReport, run_tick
from kam_core.models import DigestSubscription, Workspace
from slackemu import SlackEmulator
from tests.slack.conftest import make_emulator

TODAY = date(2026, 12, 4)  # a Friday
NINE_BERLIN = datetime(2026, 12, 4, 8, 0, tzinfo=UTC)  # DG-1 (sprint) is due at 09:00 Europe/Berlin
HALF_EIGHT_BERLIN = datetime(2026, 12, 4, 7, 30, tzinfo=UTC)  # DG-2 (rollup) at 08:30


@dataclass
class DigestEnv:
    emu: SlackEmulator
    session_factory: sessionmaker[Session]
    team_id: str
    workspace_id: int
    publisher: SlackPublisher

    def tick(self, at: datetime, **options: object) -> TickReport:
        opts = TickOptions(workspace_ids={self.workspace_id}, **options)  # type: ignore[arg-type]
        return run_tick(self.session_factory, self.publisher, at, opts)

    def subscription(self, ref: str) -> DigestSubscription:
        number = int(ref.split("-")[1])
        with session_scope(self.session_factory) as session:
            return session.scalars(
                select(DigestSubscription).where(
                    DigestSubscription.workspace_id == self.workspace_id, DigestSubscription.number == number
                )
            ).one()

    def posts(self, channel: str) -> list[object]:
        return [
            c
            for c in self.emu.calls_to("chat.postMessage")
            if c.params.get("channel") == channel and c.response.get("ok")
        ]


@pytest.fixture
def digest_env(session_factory: sessionmaker[Session]) -> Iterator[DigestEnv]:
    team_id = "T" + secrets.token_hex(5).upper()
    with session_scope(session_factory) as session:
        seed_demo(session, team_id=team_id, today=TODAY)
        workspace_id = session.scalars(select(Workspace.id).where(Workspace.team_id == team_id)).one()
        # the demo subscriptions were created "now"; date them to the early morning of the test day
        for sub in session.scalars(
            select(DigestSubscription).where(DigestSubscription.workspace_id == workspace_id)
        ):
            sub.created_at = NINE_BERLIN - timedelta(hours=7)  # 02:00 in Berlin that morning
    emu = make_emulator(team_id)
    emu.start()
    client = WebClient(token=emu.bot_token, base_url=emu.api_url)
    publisher = SlackPublisher(client, ChannelPacer(interval=1.0), backoff=0.05)
    try:
        yield DigestEnv(emu, session_factory, team_id, workspace_id, publisher)
    finally:
        emu.stop()


from tests.slack.conftest import slack  # noqa: E402,F401  (the Slack harness, for the digest commands)
