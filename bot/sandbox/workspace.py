"""The sandbox's Slack workspace and database: the demo members and channels in the emulator, and the
demo data in the database (seeded on first run only)."""

from __future__ import annotations

import secrets
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from kam_core.db import session_scope
from kam_core.demo import CHANNELS, PEOPLE, TEAM_NAME, seed_demo
from kam_core.models import Plan, Workspace
from slackemu import Channel, SlackEmulator, User

PURPOSES = {
    "kam-team": "Key account team: plans, sprints and the daily sprint digest.",
    "oncology-dach": "Oncology in Germany, Austria and Switzerland: the objectives rollup.",
    "general": "Everyone at Acme Pharma.",
}


def make_emulator(team_id: str) -> SlackEmulator:
    """An emulated Slack team with the demo people and channels, a random signing secret and token."""
    emu = SlackEmulator(
        signing_secret=secrets.token_hex(32),
        bot_token="xoxb-sandbox-" + secrets.token_hex(12),
        team_id=team_id,
        team_name=TEAM_NAME,
        bot_name="kam-bot",
    )
    emu.commands = ("/kam",)  # as in manifest.yml
    emu.events = {"app_home_opened"}
    for person in PEOPLE:
        emu.add_user(
            User(
                id=person.user_id,
                name=person.name.split()[0].lower(),
                real_name=person.name,
                email=person.email,
                tz=person.tz,
                is_admin=person.role.value == "admin",
                title=person.role.label,
            )
        )
    everyone = {p.user_id for p in PEOPLE}
    for channel_id, name in CHANNELS.items():
        emu.add_channel(
            Channel(id=channel_id, name=name, members=set(everyone), purpose=PURPOSES.get(name, ""))
        )
    return emu


def has_plans(session: Session, team_id: str) -> bool:
    workspace = session.scalar(
        select(Workspace).where(Workspace.slack_key == Workspace.key_for(team_id, None))
    )
    if workspace is None:
        return False
    count = session.scalar(select(func.count(Plan.id)).where(Plan.workspace_id == workspace.id))
    return bool(count)


def ensure_demo(session_factory: sessionmaker[Session], team_id: str, today: date | None = None) -> bool:
    """Seed the demo workspace unless it already has plans; True when it was seeded now."""
    with session_scope(session_factory) as session:
        if has_plans(session, team_id):
            return False
        seed_demo(session, team_id=team_id, today=today or date.today())
    return True
