"""Refused clicks answer ephemerally with the reason and change nothing; another workspace's references are
never reachable; user text is escaped in every message the bot sends."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from kam_core.db import session_scope
from kam_core.demo import seed_demo
from kam_core.models import Plan, Task
from slackemu.client import payload_body
from tests.slack.conftest import SlackEnv
from tests.slack.support import (
    answer_text,
    ask,
    audit_count,
    click,
    fetch,
    flat,
    menu,
    mrkdwn_texts,
    newest,
    open_modal,
    task_status,
    workspace_id,
)


def _refused(slack: SlackEnv, user: str, card: Any, reason: str) -> None:
    told = newest(slack, user, reason)
    assert told.ts != card.ts  # a new ephemeral answer; the card itself is untouched
    current = next(e for e in slack.emu.ephemerals(card.channel, user) if e.ts == card.ts)
    assert not current.edited


def test_a_viewer_clicking_done_is_refused_and_nothing_changes(slack: SlackEnv) -> None:
    card = ask(slack, "U0DAN", "tactic show TAC-3")
    audits = audit_count(slack)
    click(slack, "U0DAN", card, "task_done", "TSK-9")
    _refused(slack, "U0DAN", card, "viewers can read KAM records but not change them")
    assert task_status(slack, "TSK-9") == "not_started"
    assert audit_count(slack) == audits


@pytest.mark.parametrize(
    ("action", "value"),
    [("task_start", "TSK-9"), ("task_assign_me", "TSK-11"), ("task_reopen", "TSK-13")],
)
def test_a_viewer_is_refused_on_every_task_button(slack: SlackEnv, action: str, value: str) -> None:
    card = ask(slack, "U0DAN", "tactic show TAC-3")
    audits = audit_count(slack)
    click(slack, "U0DAN", card, action, value)
    _refused(slack, "U0DAN", card, "viewers can read")
    assert audit_count(slack) == audits


@pytest.mark.parametrize("choice", ["skip|TSK-9", "block|TSK-9", "reassign|TSK-9"])
def test_a_viewer_is_refused_in_the_menu_before_any_form_opens(slack: SlackEnv, choice: str) -> None:
    card = ask(slack, "U0DAN", "tactic show TAC-3")
    audits = audit_count(slack)
    menu(slack, "U0DAN", card, choice)
    _refused(slack, "U0DAN", card, "viewers can read")
    assert not slack.emu.open_views("U0DAN")
    assert audit_count(slack) == audits and task_status(slack, "TSK-9") == "not_started"


def test_a_kam_outside_the_plan_is_refused(slack: SlackEnv) -> None:
    card = ask(slack, "U0BOB", "tactic show TAC-7")  # AP-3 is Alice's; Bob is not a participant
    audits = audit_count(slack)
    click(slack, "U0BOB", card, "task_done", "TSK-24")
    _refused(slack, "U0BOB", card, "You cannot change AP-3")
    told = newest(slack, "U0BOB", "You cannot change AP-3")
    assert "<@U0ALICE>" in told.text + flat(told.blocks)  # the owner is named, as a real mention
    assert task_status(slack, "TSK-24") == "not_started"
    assert audit_count(slack) == audits


def test_a_forged_click_on_a_private_plan_is_refused(slack: SlackEnv) -> None:
    card = ask(slack, "U0DAN", "tactic show TAC-3")
    forged = slack.emu.interact("U0DAN", card, "task_done", block_id="task:TSK-27:a", button_value="TSK-27")
    assert forged.status == 200
    told = newest(slack, "U0DAN", "private plan")
    assert "Align with market access" not in told.text + flat(told.blocks)
    assert task_status(slack, "TSK-27") == "not_started"


# --- another workspace ------------------------------------------------------------------------------


@pytest.fixture
def team_b(slack: SlackEnv) -> Iterator[str]:
    """A second workspace on the same app, seeded with the same demo (its own AP-1 ...)."""
    team = "TB" + secrets.token_hex(5).upper()
    with session_scope(slack.session_factory) as session:
        seed_demo(session, team_id=team, today=date.today())
    with session_scope(slack.session_factory) as session:
        plan = (
            session.query(Plan)
            .filter_by(workspace_id=workspace_id(slack, team), name="Charité Oncology 2027")
            .one()
        )
        plan.name = "Team B Charité plan"
    yield team


def test_each_workspace_sees_its_own_references(slack: SlackEnv, team_b: str) -> None:
    mine = answer_text(ask(slack, "U0BOB", "plan show AP-1"))
    theirs = answer_text(ask(slack, "U0BOB", "plan show AP-1", team_id=team_b))
    assert "Charité Oncology 2027" in mine and "Team B" not in mine
    assert "Team B Charité plan" in theirs


def test_a_reference_only_in_another_workspace_is_not_found(slack: SlackEnv, team_b: str) -> None:
    modal = open_modal(slack, "U0BOB", "plan new")
    done = slack.emu.submit_view_inputs("U0BOB", modal.id, {"name": "Only in A", "account": "CRM-0002"})
    assert done.outcome == "view closed"
    (plan,) = fetch(slack, Plan, Plan.name == "Only in A")
    assert plan.ref == "AP-5"
    newest(slack, "U0BOB", "AP-5 created")
    got = answer_text(ask(slack, "U0BOB", "plan show AP-5", team_id=team_b))
    assert "AP-5 was not found" in got and "Only in A" not in got


def test_a_click_from_another_workspace_cannot_touch_this_one(slack: SlackEnv, team_b: str) -> None:
    with session_scope(slack.session_factory) as session:
        from kam_core.actor import Actor
        from kam_core.models import Member
        from kam_core.services import tasks

        bob = session.query(Member).filter_by(workspace_id=workspace_id(slack), slack_user_id="U0BOB").one()
        tasks.add_task(session=session, actor=Actor(bob), data={"tactic": "TAC-3", "title": "A only"})
    (task,) = fetch(slack, Task, Task.title == "A only")
    audits = audit_count(slack)
    emu = slack.emu
    shown = emu.send_command("U0BOB", "C0KAMTEAM", "tactic show TAC-3", team_id=team_b)
    card = newest(slack, "U0BOB", "TAC-3")
    payload = {
        "type": "block_actions",
        "user": {"id": "U0BOB", "username": "bob", "name": "bob", "team_id": team_b},
        "api_app_id": emu.app_id,
        "token": emu.verification_token,
        "team": {"id": team_b, "domain": "acme"},
        "enterprise": None,
        "is_enterprise_install": False,
        "trigger_id": emu.issue_trigger("U0BOB"),
        "container": {
            "type": "message",
            "message_ts": card.ts,
            "channel_id": "C0KAMTEAM",
            "is_ephemeral": True,
        },
        "channel": {"id": "C0KAMTEAM", "name": "kam-team"},
        "response_url": shown.response_url,
        "actions": [
            {
                "type": "button",
                "action_id": "task_done",
                "block_id": "task:x:a",
                "value": task.ref,
                "action_ts": "1",
            }
        ],
        "state": {"values": {}},
    }
    again = emu.post_to_app(payload_body(payload), "application/x-www-form-urlencoded")
    assert again.status == 200
    newest(slack, "U0BOB", f"{task.ref} was not found")
    assert task_status(slack, task.ref) == "not_started"
    assert audit_count(slack) == audits


# --- escaping ---------------------------------------------------------------------------------------

EVIL = "<!channel> & <@U0CAROL> ping"


def _texts_sent(slack: SlackEnv) -> list[str]:
    """Every piece of text the bot sent that Slack parses: message text and mrkdwn objects."""
    found: list[str] = []
    for call in slack.emu.calls:
        params: dict[str, Any] = call.params
        for key in ("text", "blocks", "view"):
            value = params.get(key)
            if isinstance(value, str) and key != "text":
                value = json.loads(value)
            if key == "text" and isinstance(value, str):
                found.append(value)
            elif value is not None:
                found += mrkdwn_texts(value)
    for post in slack.emu.response_posts:
        found.append(str(post.body.get("text") or ""))
        found += mrkdwn_texts(post.body.get("blocks") or [])
    return found


def test_a_task_title_with_channel_is_escaped_everywhere(slack: SlackEnv) -> None:
    emu = slack.emu
    modal = open_modal(slack, "U0BOB", "task add TAC-3")
    inputs = {"title": EVIL, "assignee": "U0CAROL", "notes": "<!here> notes"}
    assert emu.submit_view_inputs("U0BOB", modal.id, inputs).outcome == "view closed"
    (task,) = fetch(slack, Task, Task.title == EVIL)
    emu.wait_for(lambda: emu.im_channel("U0CAROL") and emu.messages(emu.im_channel("U0CAROL")))
    newest(slack, "U0BOB", "has a new task")
    for user, text in [
        ("U0BOB", "tactic show TAC-3"),
        ("U0BOB", task.ref),
        ("U0CAROL", "my"),
        ("U0BOB", "find ping"),
        ("U0BOB", "objective show OBJ-2"),
    ]:
        assert "&lt;!channel&gt; &amp; &lt;@U0CAROL&gt; ping" in answer_text(ask(slack, user, text)), text
    card = ask(slack, "U0BOB", "tactic show TAC-3")
    click(slack, "U0BOB", card, "share_card", "TAC-3")
    emu.wait_for(lambda: emu.messages("C0KAMTEAM"))
    emu.open_home("U0CAROL")
    emu.wait_for(lambda: emu.home("U0CAROL"))
    click(slack, "U0CAROL", emu.messages(emu.im_channel("U0CAROL") or "")[-1], "task_done", task.ref)
    emu.wait_for(lambda: "~" in flat(emu.messages(emu.im_channel("U0CAROL") or "")[-1].blocks))
    sent = _texts_sent(slack)
    assert any("&lt;!channel&gt; &amp; &lt;@U0CAROL&gt; ping" in t for t in sent)
    assert not [t for t in sent if "<!channel>" in t or "<!here>" in t]
    assert not [t for t in sent if "<@U0CAROL> ping" in t]
