"""The Slack side toward the app: signing, commands, events, shortcuts, clicks, failures."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from slack_bolt import Ack, App, BoltRequest
from slack_sdk import WebClient
from slack_sdk.signature import SignatureVerifier

from slackemu import SlackEmulator

from .conftest import ALICE, KAM, SECRET, button, section


def test_signature_verifies_with_slack_sdk(emu: SlackEmulator) -> None:
    body = b"token=x&command=%2Fkam&text=hello"
    headers = emu.sign(body)
    ts, sig = headers["X-Slack-Request-Timestamp"], headers["X-Slack-Signature"]
    assert sig.startswith("v0=") and abs(int(ts) - time.time()) < 5
    assert SignatureVerifier(SECRET).is_valid(body, ts, sig)
    assert SignatureVerifier(SECRET).is_valid_request(body, headers)
    assert not SignatureVerifier("another-secret").is_valid(body, ts, sig)
    assert not SignatureVerifier(SECRET).is_valid(body + b"x", ts, sig)
    stale = emu.sign(body, timestamp=int(time.time()) - 600)
    assert not SignatureVerifier(SECRET).is_valid_request(body, stale)


def test_bolt_refuses_forged_and_stale_requests(emu: SlackEmulator, make_app: Callable[[], App]) -> None:
    app = make_app()
    handled: list[str] = []

    @app.command("/kam")
    def command(ack: Ack, command: dict[str, Any]) -> None:
        handled.append(command["text"])
        ack()

    body = b"command=%2Fkam&text=raw&user_id=U0ALICE&channel_id=C0KAM&team_id=T0KAMDEMO"
    form = "application/x-www-form-urlencoded"
    forged = {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=" + "0" * 64}
    assert emu.post_to_app(body, form, headers=forged).status == 401
    assert emu.post_to_app(body, form, headers=emu.sign(body, timestamp=int(time.time()) - 600)).status == 401
    assert handled == []
    assert emu.post_to_app(body, form).status == 200
    assert handled == ["raw"]


def test_command_payload_fields(emu: SlackEmulator, make_app: Callable[[], App]) -> None:
    app = make_app()
    seen: list[dict[str, Any]] = []

    @app.command("/kam")
    def command(ack: Ack, body: dict[str, Any]) -> None:
        seen.append(body)
        ack()

    delivery = emu.send_command(ALICE, KAM, "task done TSK-12")
    assert delivery.ok and delivery.outcome == "acknowledged (empty body)"
    body = seen[0]
    keys = ("team_id", "team_domain", "channel_id", "channel_name", "user_id", "user_name", "command", "text",
            "api_app_id", "is_enterprise_install")  # fmt: skip
    assert {k: body[k] for k in keys} == {
        "team_id": "T0KAMDEMO", "team_domain": "acme", "channel_id": KAM, "channel_name": "kam-team",
        "user_id": ALICE, "user_name": "alice", "command": "/kam", "text": "task done TSK-12",
        "api_app_id": "A0KAMBOT", "is_enterprise_install": "false"}  # fmt: skip
    assert body["trigger_id"] == delivery.trigger_id and body["response_url"] == delivery.response_url
    assert "enterprise_id" not in body
    emu.send_command(ALICE, KAM, "x", team_id="T0ELSEWHERE", enterprise_id="E0GRID")
    assert (seen[1]["team_id"], seen[1]["enterprise_id"]) == ("T0ELSEWHERE", "E0GRID")


def test_slow_and_unreachable_apps(emu: SlackEmulator, make_app: Callable[[], App]) -> None:
    app = make_app()

    @app.command("/kam")
    def command(ack: Ack) -> None:
        time.sleep(0.5)
        ack()

    emu.ack_timeout = 0.2
    slow = emu.send_command(ALICE, KAM, "x")
    assert slow.status == 200 and slow.too_slow and not slow.ok
    [note] = emu.ephemerals(KAM, ALICE)
    assert note.sender == "USLACKBOT" and '"operation_timeout"' in note.text
    emu.app_url = "http://127.0.0.1:9/slack/events"
    down = emu.send_command(ALICE, KAM, "x")
    assert down.status == 0 and down.error
    assert '"dispatch_failed"' in emu.ephemerals(KAM, ALICE)[-1].text


def test_events_home_and_retry_headers(emu: SlackEmulator, make_app: Callable[[], App]) -> None:
    app = make_app()
    retry_headers: list[tuple[str | None, str | None]] = []

    @app.middleware
    def capture(req: BoltRequest, next: Callable[[], None]) -> None:
        retry_headers.append((req.headers.get("x-slack-retry-num", [None])[0],
                              req.headers.get("x-slack-retry-reason", [None])[0]))  # fmt: skip
        next()

    @app.event("app_home_opened")
    def home_opened(event: dict[str, Any], client: WebClient) -> None:
        client.views_publish(user_id=event["user"], view={"type": "home", "blocks": [
            section(f"Hello {event['user']} in {event['channel']}"),
            {"type": "actions", "elements": [button("refresh_home", "r")]}]})  # fmt: skip

    @app.action("refresh_home")
    def refresh(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        view = {"type": "home", "blocks": [section("refreshed")]}
        client.views_publish(user_id=body["user"]["id"], view=view)

    first = emu.open_home(ALICE)
    assert first.status == 200 and first.payload["event"]["channel"] == emu.im_channel(ALICE)
    assert first.payload["authorizations"][0]["user_id"] == emu.bot_user_id
    home = emu.wait_for(lambda: emu.home(ALICE))
    assert home.blocks[0]["text"]["text"] == f"Hello {ALICE} in {emu.im_channel(ALICE)}"
    emu.click_button(ALICE, "home", "refresh_home")
    emu.wait_for(lambda: (h := emu.home(ALICE)) is not None and h.blocks[0]["text"]["text"] == "refreshed")
    event = first.payload["event"]
    again = emu.send_event(event, retry_num=1, retry_reason="http_timeout", event_id=first.event_id)
    assert again.payload["event_id"] == first.event_id
    assert retry_headers[0] == (None, None) and ("1", "http_timeout") in retry_headers


def test_clicks_and_selects_on_messages(
    emu: SlackEmulator, make_app: Callable[[], App], client: WebClient
) -> None:
    app = make_app()
    seen: list[dict[str, Any]] = []

    @app.action("task_done")
    @app.action("pick_kind")
    def record(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        seen.append(body)

    options = [{"text": {"type": "plain_text", "text": t}, "value": t.lower()} for t in ("Sprint", "Call")]
    blocks = [
        section("TSK-12", "task:TSK-12"),
        {"type": "actions", "block_id": "row11", "elements": [button("task_done", "TSK-11", "Done 11")]},
        {"type": "actions", "block_id": "row", "elements": [button("task_done", "TSK-12", "Done 12"),
            {"type": "static_select", "action_id": "pick_kind", "options": options,
             "placeholder": {"type": "plain_text", "text": "Kind"}}]},
    ]  # fmt: skip
    ts = client.chat_postMessage(channel=KAM, text="tasks", blocks=blocks)["ts"]
    clicked = emu.click_button(ALICE, (KAM, ts), "task_done", value="TSK-12")
    assert clicked.status == 200 and clicked.response_url
    body = seen[0]
    assert body["type"] == "block_actions" and body["user"]["id"] == ALICE
    assert body["container"] == {"type": "message", "message_ts": ts, "channel_id": KAM,
                                 "is_ephemeral": False}  # fmt: skip
    assert body["channel"] == {"id": KAM, "name": "kam-team"} and body["message"]["ts"] == ts
    action = body["actions"][0]
    assert (action["action_id"], action["block_id"], action["value"]) == ("task_done", "row", "TSK-12")
    assert action["text"]["text"] == "Done 12" and body["response_url"] == clicked.response_url
    emu.select_option(ALICE, (KAM, ts), "pick_kind", "call")
    chosen = seen[1]["actions"][0]
    assert chosen["type"] == "static_select" and chosen["selected_option"]["value"] == "call"
    assert seen[1]["state"]["values"]["row"]["pick_kind"]["selected_option"]["text"]["text"] == "Call"
    emu.click(ALICE, action_id="task_done", value="TSK-11", message=(KAM, ts))
    assert seen[2]["actions"][0]["value"] == "TSK-11"
    emu.click(ALICE, action_id="task_done", block_id="task:TSK-99", value="TSK-99", message=(KAM, ts))
    assert (seen[3]["actions"][0]["block_id"], seen[3]["actions"][0]["value"]) == ("task:TSK-99", "TSK-99")
    with pytest.raises(LookupError, match="no element 'nope'"):
        emu.click(ALICE, action_id="nope", message=(KAM, ts))


def test_shortcuts_and_user_messages(
    emu: SlackEmulator, make_app: Callable[[], App], client: WebClient
) -> None:
    app = make_app()
    seen: list[dict[str, Any]] = []

    @app.shortcut("summarise")
    @app.shortcut("new_task")
    def shortcut(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        seen.append(body)

    @app.event("message")
    def message(event: dict[str, Any]) -> None:
        seen.append(event)

    ts = client.chat_postMessage(channel=KAM, text="Dr Weber wants samples")["ts"]
    shortcut_delivery = emu.message_shortcut(ALICE, KAM, ts, "summarise")
    assert shortcut_delivery.status == 200
    assert seen[0]["type"] == "message_action" and seen[0]["message"]["text"] == "Dr Weber wants samples"
    assert seen[0]["trigger_id"] == shortcut_delivery.trigger_id and seen[0]["channel"]["id"] == KAM
    emu.global_shortcut(ALICE, "new_task")
    assert seen[1]["type"] == "shortcut" and seen[1]["callback_id"] == "new_task"
    said = emu.user_message(ALICE, KAM, "hello bot")
    assert said.status == 200
    emu.wait_for(lambda: len(seen) == 3)
    assert seen[2]["text"] == "hello bot" and seen[2]["channel_type"] == "channel"
    assert [m.text for m in emu.messages(KAM)] == ["Dr Weber wants samples", "hello bot"]
    assert json.loads(json.dumps(emu.snapshot()))["version"] == emu.version
