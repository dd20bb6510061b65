"""The emulator's client side: block_suggestion for external selects (as Slack sends it, to a real Bolt
app), typing into a modal, @name / #channel links, Slackbot notes, and subscribed events only."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_bolt import App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from slackemu import Channel, SlackEmulator, User
from slackemu.server import ServerThread

SECRET, TOKEN = "client-side-secret", "xoxb-client-side"
SEEN: list[dict[str, Any]] = []


def plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text}


def option(text: str, value: str) -> dict[str, Any]:
    return {"text": plain(text), "value": value}


@pytest.fixture
def emu() -> Iterator[SlackEmulator]:
    emulator = SlackEmulator(SECRET, TOKEN, team_id="T0CLIENT")
    emulator.add_user(User("U0ALICE", "alice", "Alice Adler"))
    emulator.add_user(User("U0BOB", "bob", "Bob Brandt"))
    emulator.add_channel(Channel("C0KAM", "kam-team", members={"U0ALICE", "U0BOB"}))
    emulator.start()
    app = App(signing_secret=SECRET, client=WebClient(base_url=emulator.api_url, token=TOKEN))
    SEEN.clear()

    @app.options("account_select")
    def accounts(ack: Any, body: dict[str, Any]) -> None:
        SEEN.append(body)
        query = body.get("value", "")
        ack(options=[option(f"{query} one", "1"), option(f"{query} two", "2")])

    @app.options("grouped_select")
    def grouped(ack: Any, body: dict[str, Any]) -> None:
        ack(
            option_groups=[
                {"label": plain("A"), "options": [option("a1", "a1")]},
                {"label": plain("B"), "options": [option("b1", "b1")]},
            ]
        )

    @app.options("broken_select")
    def broken(ack: Any) -> None:
        raise RuntimeError("boom")

    server = ServerThread(SlackRequestHandler(app), threads=4)
    server.start()
    emulator.app_url = server.base_url + "/slack/events"
    yield emulator
    server.stop()
    emulator.stop()


def open_modal(emu: SlackEmulator, user: str = "U0ALICE") -> str:
    title = {"type": "plain_text_input", "action_id": "title"}
    account = {"type": "external_select", "action_id": "account_select", "min_query_length": 2}
    more = [
        {"type": "external_select", "action_id": "grouped_select", "min_query_length": 0},
        {"type": "external_select", "action_id": "broken_select", "min_query_length": 0},
        {"type": "button", "action_id": "go", "text": plain("Go")},
    ]
    blocks = [
        {"type": "input", "block_id": "title", "label": plain("Title"), "element": title},
        {"type": "input", "block_id": "account", "label": plain("Account"), "element": account},
        {"type": "actions", "block_id": "more", "elements": more},
    ]
    view = {
        "type": "modal",
        "callback_id": "cb",
        "title": plain("T"),
        "submit": plain("OK"),
        "blocks": blocks,
    }
    client = WebClient(base_url=emu.api_url, token=TOKEN)
    return str(client.views_open(trigger_id=emu.issue_trigger(user), view=view)["view"]["id"])


def test_suggest_sends_a_block_suggestion_like_slack(emu: SlackEmulator) -> None:
    view_id = open_modal(emu)
    emu.type_into("U0ALICE", view_id, {"title": {"title": "typed first"}})
    options = emu.suggest("U0ALICE", view_id, "account_select", "cha")
    assert [o["value"] for o in options] == ["1", "2"] and options[0]["text"]["text"] == "cha one"
    body = SEEN[-1]
    assert body["type"] == "block_suggestion" and body["action_id"] == "account_select"
    assert body["block_id"] == "account" and body["value"] == "cha"
    assert body["team"]["id"] == "T0CLIENT" and body["user"]["id"] == "U0ALICE"
    assert body["container"] == {"type": "view", "view_id": view_id} and body["view"]["id"] == view_id
    assert body["view"]["state"]["values"]["title"]["title"]["value"] == "typed first"


def test_suggest_respects_min_query_length_groups_and_failures(emu: SlackEmulator) -> None:
    view_id = open_modal(emu)
    assert emu.suggest("U0ALICE", view_id, "account_select", "c") == [] and not SEEN  # under min_query_length
    assert [o["value"] for o in emu.suggest("U0ALICE", view_id, "grouped_select")] == ["a1", "b1"]
    assert emu.suggest("U0ALICE", view_id, "broken_select", "x") == []
    with pytest.raises(ValueError, match="not an external select"):
        emu.suggest("U0ALICE", view_id, "go")
    with pytest.raises(LookupError):
        emu.suggest("U0ALICE", view_id, "no_such_select")
    with pytest.raises(LookupError):
        emu.suggest("U0BOB", view_id, "account_select", "cha")  # not Bob's modal


def test_suggest_on_a_message(emu: SlackEmulator) -> None:
    element = {"type": "external_select", "action_id": "account_select", "min_query_length": 0}
    client = WebClient(base_url=emu.api_url, token=TOKEN)
    posted = client.chat_postMessage(
        channel="C0KAM", text="pick", blocks=[{"type": "actions", "block_id": "pick", "elements": [element]}]
    )
    assert emu.suggest("U0BOB", ("C0KAM", posted["ts"]), "account_select", "x")
    body = SEEN[-1]
    assert body["container"]["type"] == "message" and body["container"]["channel_id"] == "C0KAM"
    assert body["channel"]["id"] == "C0KAM" and body["message"]["ts"] == posted["ts"]


def test_typing_into_a_modal_keeps_values_for_the_submission(emu: SlackEmulator) -> None:
    view_id = open_modal(emu)
    emu.type_into(
        "U0ALICE",
        view_id,
        {"title": {"title": "Call"}, "account": {"account_select": option("Charité", "C1")}},
    )
    view = emu.view(view_id)
    assert view is not None
    assert view.state_values["account"]["account_select"]["selected_option"]["value"] == "C1"
    with pytest.raises(LookupError):
        emu.type_into("U0ALICE", view_id, {"nope": {"nope": "x"}})


def test_link_names_and_slackbot_notes(emu: SlackEmulator) -> None:
    assert emu.link_names("hi @bob and @Alice. see #kam-team, @nobody #nowhere") == (
        "hi <@U0BOB|bob> and <@U0ALICE|Alice>. see <#C0KAM|kam-team>, @nobody #nowhere"
    )
    assert emu.link_names("mail bob@example.com <@U0BOB>") == "mail bob@example.com <@U0BOB>"
    emu.client_note("U0ALICE", "C0KAM", "`/nope` is not a valid command.")
    note = emu.ephemerals("C0KAM", "U0ALICE")[-1]
    assert note.sender == "USLACKBOT" and note.source == "slackbot"
    assert emu.open_im("U0BOB") == "D0BOB" == emu.im_channel("U0BOB")


def test_only_subscribed_events_are_sent(emu: SlackEmulator) -> None:
    emu.events = {"app_home_opened"}
    d = emu.user_message("U0ALICE", "C0KAM", "hello")
    assert d.status == 0 and d.outcome == "not sent: the app is not subscribed"
    assert emu.messages("C0KAM")[-1].text == "hello"
    emu.events = None
    assert emu.user_message("U0ALICE", "C0KAM", "again").status == 404  # sent; Bolt has no listener
