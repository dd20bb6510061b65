"""Helpers for the Slack tests: ask a command and wait for its answer, read text out of blocks, count rows
in the database for the test's own workspace."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func, select

from kam_core.db import session_scope
from kam_core.models import AuditEvent, Workspace
from slackemu import Ephemeral, View
from tests.slack.conftest import SlackEnv

CHANNEL = "C0KAMTEAM"


def flat(obj: Any) -> str:
    """Everything in a payload as one string (for "contains" checks)."""
    return json.dumps(obj, ensure_ascii=False)


def mrkdwn_texts(obj: Any) -> list[str]:
    """Every mrkdwn text in a payload (the text Slack parses for mentions and links)."""
    found: list[str] = []
    if isinstance(obj, dict):
        if obj.get("type") == "mrkdwn" and isinstance(obj.get("text"), str):
            found.append(obj["text"])
        for value in obj.values():
            found += mrkdwn_texts(value)
    elif isinstance(obj, list):
        for value in obj:
            found += mrkdwn_texts(value)
    return found


def ask(slack: SlackEnv, user: str, text: str, channel: str = CHANNEL, **kwargs: Any) -> Ephemeral:
    """Send `/kam text` and wait for the answer the user sees (a new ephemeral message through the
    command's response URL; announcements of earlier work come through chat.postEphemeral)."""
    before = len(slack.emu.ephemerals(channel, user))
    delivery = slack.emu.send_command(user, channel, text, **kwargs)
    assert delivery.status == 200, (delivery.status, delivery.body)
    found = slack.emu.wait_for(
        lambda: [e for e in slack.emu.ephemerals(channel, user)[before:] if e.source == "response_url"],
        message=f"an answer to /kam {text}",
    )
    return found[-1]


def answer_text(message: Ephemeral) -> str:
    return message.text + "\n" + "\n".join(mrkdwn_texts(message.blocks)) + "\n" + flat(message.blocks)


def open_modal(slack: SlackEnv, user: str, text: str, channel: str = CHANNEL) -> View:
    """Send a command that opens a modal; return the modal on top of the user's stack."""
    before = {v.id for v in slack.emu.open_views(user)}
    delivery = slack.emu.send_command(user, channel, text)
    assert delivery.status == 200, delivery.body
    views = slack.emu.wait_for(
        lambda: [v for v in slack.emu.open_views(user) if v.id not in before], message=f"a modal for {text}"
    )
    return views[-1]


def workspace_id(slack: SlackEnv, team_id: str | None = None) -> int:
    with session_scope(slack.session_factory) as session:
        found = session.scalar(select(Workspace.id).where(Workspace.team_id == (team_id or slack.team_id)))
        assert found is not None
        return found


def count(slack: SlackEnv, model: Any, *where: Any) -> int:
    """Rows of `model` in the test's workspace matching `where`."""
    ws = workspace_id(slack)
    with session_scope(slack.session_factory) as session:
        stmt = select(func.count()).select_from(model).where(model.workspace_id == ws, *where)
        return int(session.scalar(stmt) or 0)


def audit_count(slack: SlackEnv) -> int:
    return count(slack, AuditEvent)


def fetch(slack: SlackEnv, model: Any, *where: Any) -> list[Any]:
    ws = workspace_id(slack)
    with session_scope(slack.session_factory) as session:
        rows = list(session.scalars(select(model).where(model.workspace_id == ws, *where)))
        session.expunge_all()
        return rows


def task_status(slack: SlackEnv, ref: str) -> str:
    from kam_core.models import Task

    number = int(ref.split("-")[1])
    (task,) = fetch(slack, Task, Task.number == number)
    return str(task.status.value)


def find_button(blocks: list[dict[str, Any]], action: str, value: str | None = None) -> dict[str, Any]:
    """The button whose action_id is `action` (or one of its numbered twins) with `value`."""
    from bot.ids import base_action
    from slackemu.blocks import iter_elements

    for _block, element in iter_elements(blocks):
        if base_action(str(element.get("action_id"))) == action and value in (None, element.get("value")):
            return element
    raise LookupError(f"no {action} button with value {value!r}")


def click(slack: SlackEnv, user: str, where: Any, action: str, value: str | None = None) -> Any:
    """Click a button like the user would; the request must be acknowledged."""
    button = find_button(where.blocks, action, value)
    delivery = slack.emu.click_button(user, where, str(button["action_id"]), value=button.get("value"))
    assert delivery.status == 200, (delivery.status, delivery.body)
    return delivery


def menu(slack: SlackEnv, user: str, where: Any, choice: str) -> Any:
    """Pick `choice` ("block|TSK-9") in the task row's ⋯ menu."""
    ref = choice.split("|")[1]
    block_id = next(
        b["block_id"] for b in where.blocks if str(b.get("block_id", "")).split("@")[0] == f"task:{ref}:a"
    )
    delivery = slack.emu.interact(user, where, "task_menu", choice, block_id=block_id)
    assert delivery.status == 200, (delivery.status, delivery.body)
    return delivery


def refreshed(slack: SlackEnv, message: Ephemeral, needle: str) -> Ephemeral:
    """Wait until the ephemeral message `message` was replaced in place by one containing `needle`."""

    def edited() -> Ephemeral | None:
        for e in slack.emu.ephemerals(message.channel, message.user):
            if e.ts == message.ts and e.edited and needle in e.text + flat(e.blocks):
                return e
        return None

    return slack.emu.wait_for(edited, message=f"{message.ts} updated with {needle!r}")


def newest(slack: SlackEnv, user: str, needle: str, channel: str = CHANNEL, after: int = 0) -> Ephemeral:
    """Wait for a new ephemeral (index >= after) containing `needle`."""
    return slack.emu.wait_for(
        lambda: [e for e in slack.emu.ephemerals(channel, user)[after:] if needle in e.text + flat(e.blocks)],
        message=f"an ephemeral with {needle!r}",
    )[-1]
