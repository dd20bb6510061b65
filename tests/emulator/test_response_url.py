"""Response URLs and a command's immediate answer, with a real Bolt app on the other side."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from slack_bolt import Ack, App, Respond
from slack_sdk import WebClient
from slack_sdk.webhook import WebhookClient

from slackemu import SlackEmulator

from .conftest import ALICE, BOB, KAM, button, section


def plain_command_app(make_app: Callable[[], App]) -> App:
    app = make_app()

    @app.command("/kam")
    def command(ack: Ack) -> None:
        ack()

    return app


def test_response_url_posts_ephemeral_then_in_channel(
    emu: SlackEmulator, make_app: Callable[[], App]
) -> None:
    plain_command_app(make_app)
    delivery = emu.send_command(ALICE, KAM, "status")
    assert delivery.status == 200 and delivery.response_url
    assert delivery.response_url.startswith(emu.base_url + "/response/")
    hook = WebhookClient(delivery.response_url)
    assert hook.send(text="only for alice").status_code == 200
    [note] = emu.ephemerals(KAM, ALICE)
    assert note.text == "only for alice" and note.source == "response_url"
    assert emu.ephemerals(KAM, BOB) == [] and emu.messages(KAM) == []
    assert hook.send(text="for everyone", response_type="in_channel").status_code == 200
    [message] = emu.messages(KAM)
    assert message.text == "for everyone" and message.user == emu.bot_user_id
    assert [p.status for p in emu.response_posts] == [200, 200]


def test_response_url_allows_five_posts(emu: SlackEmulator, make_app: Callable[[], App]) -> None:
    plain_command_app(make_app)
    hook = WebhookClient(str(emu.send_command(ALICE, KAM, "x").response_url))
    assert [hook.send(text=f"post {i}").status_code for i in range(5)] == [200] * 5
    sixth = hook.send(text="post 6")
    assert sixth.status_code == 404 and '"used_url"' in sixth.body
    assert len(emu.ephemerals(KAM, ALICE)) == 5


def test_response_url_expires_after_30_minutes(emu: SlackEmulator, make_app: Callable[[], App]) -> None:
    plain_command_app(make_app)
    hook = WebhookClient(str(emu.send_command(ALICE, KAM, "x").response_url))
    emu.advance_time(29 * 60)
    assert hook.send(text="still fine").status_code == 200
    emu.advance_time(2 * 60)
    late = hook.send(text="too late")
    assert late.status_code == 404 and '"expired_url"' in late.body


def test_replace_original_on_an_ephemeral(emu: SlackEmulator, make_app: Callable[[], App]) -> None:
    app = make_app()
    seen: list[dict[str, Any]] = []

    @app.command("/kam")
    def command(ack: Ack, client: WebClient, command: dict[str, Any]) -> None:
        ack()
        blocks = [section("TSK-12: call Dr Weber", "task:TSK-12"), {"type": "actions", "elements": [
            button("task_done", "TSK-12", "Done")]}]  # fmt: skip
        client.chat_postEphemeral(
            channel=command["channel_id"], user=command["user_id"], text="t", blocks=blocks
        )

    @app.action("task_done")
    def done(ack: Ack, body: dict[str, Any], respond: Respond) -> None:
        ack()
        seen.append(body)
        respond(replace_original=True, text="TSK-12 done")

    emu.send_command(ALICE, KAM, "tasks")
    ephemeral = emu.wait_for(lambda: emu.ephemerals(KAM, ALICE))[0]
    delivery = emu.click_button(ALICE, ephemeral, "task_done", value="TSK-12")
    assert delivery.status == 200
    emu.wait_for(lambda: emu.ephemerals(KAM, ALICE)[0].text == "TSK-12 done")
    [replaced] = emu.ephemerals(KAM, ALICE)
    assert replaced.ts == ephemeral.ts and replaced.blocks == [] and replaced.edited
    assert emu.messages(KAM) == []  # nothing leaked into the channel
    body = seen[0]
    assert body["container"] == {"type": "message", "message_ts": ephemeral.ts, "channel_id": KAM,
                                 "is_ephemeral": True}  # fmt: skip
    assert "message" not in body and body["actions"][0]["value"] == "TSK-12"


def test_replace_and_delete_original_channel_message(
    emu: SlackEmulator, make_app: Callable[[], App], client: WebClient
) -> None:
    app = make_app()

    @app.action("approve")
    def approve(ack: Ack, respond: Respond) -> None:
        ack()
        respond(replace_original=True, text="Approved by alice")

    @app.action("discard")
    def discard(ack: Ack, respond: Respond) -> None:
        ack()
        respond(delete_original=True)

    actions = {"type": "actions", "elements": [button("approve", "1"), button("discard", "2")]}
    first = client.chat_postMessage(channel=KAM, text="approve?", blocks=[actions])["ts"]
    second = client.chat_postMessage(channel=KAM, text="discard?", blocks=[actions])["ts"]
    emu.click_button(ALICE, (KAM, first), "approve")
    emu.wait_for(lambda: (m := emu.message(KAM, first)) is not None and m.text == "Approved by alice")
    emu.click_button(BOB, (KAM, second), "discard")
    emu.wait_for(lambda: emu.message(KAM, second) is None)
    assert [m.text for m in emu.messages(KAM)] == ["Approved by alice"]


def test_command_immediate_answers(emu: SlackEmulator, make_app: Callable[[], App]) -> None:
    app = make_app()

    @app.command("/kam")
    def command(ack: Ack, command: dict[str, Any]) -> None:
        if command["text"] == "public":
            ack(response_type="in_channel", text="Everyone sees this")
        else:
            ack(text="Only you see this", blocks=[section("private answer")])

    private = emu.send_command(ALICE, KAM, "help")
    assert private.status == 200 and "ephemeral" in private.outcome
    [ephemeral] = emu.ephemerals(KAM, ALICE)
    assert ephemeral.text == "Only you see this" and ephemeral.blocks[0]["text"]["text"] == "private answer"
    emu.send_command(ALICE, KAM, "public")
    assert [m.text for m in emu.messages(KAM)] == ["Everyone sees this"]
