"""Block Kit limits answered with Slack's errors (and nothing stored when refused)."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackemu import SlackEmulator

from .conftest import ALICE, KAM, button, modal, section


def refused(call: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(SlackApiError) as info:
        call(**kwargs)
    return dict(info.value.response.data)


def test_message_block_count(emu: SlackEmulator, client: WebClient) -> None:
    assert client.chat_postMessage(channel=KAM, text="ok", blocks=[section("x")] * 50)["ok"]
    answer = refused(lambda: client.chat_postMessage(channel=KAM, text="x", blocks=[section("x")] * 51))
    assert answer["error"] == "invalid_blocks"
    assert len(emu.messages(KAM)) == 1


def test_section_text_limit_names_the_block(emu: SlackEmulator, client: WebClient) -> None:
    assert client.chat_postMessage(channel=KAM, text="ok", blocks=[section("y" * 3000)])["ok"]
    answer = refused(
        client.chat_postMessage, channel=KAM, text="x", blocks=[section("ok"), section("y" * 3001)]
    )
    assert answer["error"] == "invalid_blocks"
    assert any("/blocks/1/text/text" in m for m in answer["response_metadata"]["messages"])


def test_whole_message_text_limits(emu: SlackEmulator, client: WebClient) -> None:
    long_blocks = [section("z" * 2900) for _ in range(5)]  # 14,500 chars of text
    assert refused(lambda: client.chat_postMessage(channel=KAM, text="x", blocks=long_blocks))["error"] == (
        "msg_blocks_too_long"
    )
    assert refused(lambda: client.chat_postMessage(channel=KAM, text="t" * 40_001))["error"] == "msg_too_long"
    assert emu.messages(KAM) == []


@pytest.mark.parametrize(
    "blocks",
    [
        [section("a", "same"), section("b", "same")],  # duplicate block_id
        [{"type": "actions", "elements": [button("go", "1", text="t" * 76)]}],  # button text > 75
        [{"type": "actions", "elements": []}],  # empty actions
        [{"type": "sektion", "text": {"type": "mrkdwn", "text": "typo"}}],  # unknown type
        [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
    ],
)
def test_invalid_blocks(emu: SlackEmulator, client: WebClient, blocks: list[dict[str, Any]]) -> None:
    assert refused(lambda: client.chat_postMessage(channel=KAM, text="x", blocks=blocks))["error"] == (
        "invalid_blocks"
    )
    assert refused(lambda: client.chat_postEphemeral(channel=KAM, user=ALICE, text="x", blocks=blocks))[
        "error"
    ] == ("invalid_blocks")


def test_blocks_that_are_not_json(client: WebClient) -> None:
    answer = refused(lambda: client.api_call("chat.postMessage", params={"channel": KAM, "blocks": "[{oops"}))
    assert answer["error"] == "invalid_blocks_format"


def test_modal_limits(emu: SlackEmulator, client: WebClient) -> None:
    def open_view(view: dict[str, Any]) -> Any:
        return lambda: client.views_open(trigger_id=emu.issue_trigger(ALICE), view=view)

    too_many = modal("m", [section("x")] * 101)
    assert refused(open_view(too_many))["error"] == "invalid_arguments"
    long_title = modal("m", [section("x")], title={"type": "plain_text", "text": "T" * 25})
    answer = refused(open_view(long_title))
    assert answer["error"] == "invalid_arguments"
    assert any("/view/title" in m for m in answer["response_metadata"]["messages"])
    huge = modal("m", [section("w" * 2900) for _ in range(95)])  # ~280 kB
    assert refused(open_view(huge))["error"] == "view_too_large"
    text_input = {"type": "plain_text_input", "action_id": "a"}
    inputs_without_submit = modal("m", [{"type": "input", "label": {"type": "plain_text", "text": "L"},
                                         "element": text_input}])  # fmt: skip
    del inputs_without_submit["submit"]
    assert refused(open_view(inputs_without_submit))["error"] == "invalid_arguments"
    assert emu.open_views(ALICE) == []
    assert client.views_open(trigger_id=emu.issue_trigger(ALICE), view=modal("m", [section("x")] * 100))["ok"]


def test_home_limits(emu: SlackEmulator, client: WebClient) -> None:
    home = {"type": "home", "blocks": [section("x")] * 100}
    assert client.views_publish(user_id=ALICE, view=home)["ok"]
    too_long = {**home, "blocks": [section("x")] * 101}
    with_submit = {**home, "submit": {"type": "plain_text", "text": "Save"}}
    with_close = {**home, "close": {"type": "plain_text", "text": "Close"}}
    as_modal = modal("m", [section("x")])
    for bad in (too_long, with_submit, with_close, as_modal):
        assert refused(client.views_publish, user_id=ALICE, view=bad)["error"] == "invalid_arguments"
    stored = emu.home(ALICE)
    assert stored is not None and len(stored.blocks) == 100
