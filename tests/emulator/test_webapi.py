"""Web API behaviour through a real slack_sdk WebClient over loopback."""

from __future__ import annotations

import json
import threading
import urllib.request
from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackemu import SlackEmulator

from .conftest import ALICE, ARCHIVED, BOB, CAROL, KAM, OTHER, PRIV, TOKEN, section


def error_of(call: Any, **kwargs: Any) -> str:
    with pytest.raises(SlackApiError) as info:
        call(**kwargs)
    return str(info.value.response["error"])


def test_auth_test_and_bad_tokens(emu: SlackEmulator, client: WebClient) -> None:
    me = client.auth_test()
    assert (me["user_id"], me["bot_id"], me["team_id"]) == ("U0KAMBOT", "B0KAMBOT", "T0KAMDEMO")
    assert me["url"] == "https://acme.slack.com/"
    wrong = WebClient(base_url=emu.api_url, token="xoxb-wrong")
    assert error_of(wrong.auth_test) == "invalid_auth"
    anonymous = WebClient(base_url=emu.api_url)
    assert error_of(anonymous.auth_test) == "not_authed"
    # the token may also come as a form parameter
    req = urllib.request.Request(emu.api_url + "auth.test", data=f"token={TOKEN}".encode(), method="POST")
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert json.load(resp)["ok"] is True


def test_unknown_method(client: WebClient) -> None:
    assert error_of(lambda: client.api_call("chat.teleport")) == "unknown_method"


def test_users_info_list_and_lookup(client: WebClient) -> None:
    alice = client.users_info(user=ALICE)["user"]
    assert alice["profile"]["email"] == "alice@example.com"
    assert alice["profile"]["real_name"] == "Alice Adler"
    assert alice["tz"] == "Europe/Berlin" and alice["tz_offset"] in (3600, 7200)
    assert client.users_info(user=BOB)["user"]["tz_offset"] in (-18000, -14400)
    assert error_of(lambda: client.users_info(user="U0NOBODY")) == "user_not_found"
    ids = {m["id"] for m in client.users_list()["members"]}
    assert {ALICE, BOB, CAROL, "U0KAMBOT"} <= ids
    assert client.users_lookupByEmail(email="bob@example.com")["user"]["id"] == BOB
    assert error_of(lambda: client.users_lookupByEmail(email="x@y.z")) == "users_not_found"


def test_conversations(emu: SlackEmulator, client: WebClient) -> None:
    assert emu.im_channel(ALICE) is None
    opened = client.conversations_open(users=ALICE)
    im = opened["channel"]["id"]
    assert im.startswith("D") and emu.im_channel(ALICE) == im
    again = client.conversations_open(users=ALICE)
    assert again["channel"]["id"] == im and again["already_open"] is True
    info = client.conversations_info(channel=KAM)["channel"]
    assert info["name"] == "kam-team" and info["is_member"] is True and info["is_archived"] is False
    assert client.conversations_info(channel=im)["channel"]["user"] == ALICE
    assert set(client.conversations_members(channel=KAM)["members"]) == {ALICE, BOB, "U0KAMBOT"}
    names = {c["name"] for c in client.conversations_list(types="public_channel,private_channel")["channels"]}
    assert names == {"kam-team", "kam-private", "random", "old-kam"}
    names = {c["name"] for c in client.conversations_list(exclude_archived=True)["channels"]}
    assert names == {"kam-team", "random"}
    assert error_of(lambda: client.conversations_info(channel="C0NOPE")) == "channel_not_found"


def test_post_message_json_and_form_bodies(emu: SlackEmulator, client: WebClient) -> None:
    blocks = [section("*hello*")]
    first = client.chat_postMessage(channel=KAM, text="hello", blocks=blocks, metadata={
        "event_type": "task_created", "event_payload": {"id": "TSK-1"}})  # fmt: skip
    assert first["channel"] == KAM and first["message"]["bot_id"] == "B0KAMBOT"
    second = client.api_call(
        "chat.postMessage", params={"channel": KAM, "text": "form", "blocks": json.dumps(blocks)}
    )
    assert float(second["ts"]) > float(first["ts"])
    stored = emu.messages(KAM)
    assert [m.text for m in stored] == ["hello", "form"]
    assert stored[0].metadata == {"event_type": "task_created", "event_payload": {"id": "TSK-1"}}
    assert stored[1].blocks[0]["text"]["text"] == "*hello*" and stored[1].user == "U0KAMBOT"
    recorded = emu.calls_to("chat.postMessage")
    assert len(recorded) == 2 and recorded[1].params["blocks"][0]["type"] == "section"
    assert recorded[1].response["ts"] == second["ts"] and recorded[1].status == 200
    emu.reset_calls()
    assert emu.calls == []


def test_ts_unique_and_increasing_under_concurrency(emu: SlackEmulator, client: WebClient) -> None:
    def worker(n: int) -> None:
        for i in range(10):
            client.chat_postMessage(channel=KAM, text=f"{n}-{i}")

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stamps = [m.ts for m in emu.messages(KAM)]
    assert len(stamps) == 80 and len(set(stamps)) == 80
    assert stamps == sorted(stamps, key=float)


@pytest.mark.filterwarnings("ignore:The top-level `text` argument is missing")
def test_post_errors(emu: SlackEmulator, client: WebClient) -> None:
    assert error_of(lambda: client.chat_postMessage(channel="C0NOPE", text="x")) == "channel_not_found"
    assert error_of(lambda: client.chat_postMessage(channel=OTHER, text="x")) == "not_in_channel"
    assert error_of(lambda: client.chat_postMessage(channel=ARCHIVED, text="x")) == "is_archived"
    assert error_of(lambda: client.chat_postMessage(channel=KAM, text="")) == "no_text"
    assert emu.messages(KAM) == [] and emu.messages(OTHER) == []
    assert client.chat_postMessage(channel=PRIV, text="private ok")["ok"]


def test_post_to_user_id_lands_in_the_im(emu: SlackEmulator, client: WebClient) -> None:
    posted = client.chat_postMessage(channel=BOB, text="psst")
    assert posted["channel"] == emu.im_channel(BOB)
    assert [m.text for m in emu.messages(posted["channel"])] == ["psst"]


def test_threads_and_permalinks(emu: SlackEmulator, client: WebClient) -> None:
    parent = client.chat_postMessage(channel=KAM, text="parent")["ts"]
    reply = client.chat_postMessage(channel=KAM, text="reply", thread_ts=parent)["ts"]
    assert [m.text for m in emu.replies(KAM, parent)] == ["reply"]
    link = client.chat_getPermalink(channel=KAM, message_ts=parent)["permalink"]
    assert link == f"https://acme.slack.com/archives/{KAM}/p{parent.replace('.', '')}"
    reply_link = client.chat_getPermalink(channel=KAM, message_ts=reply)["permalink"]
    assert reply_link.endswith(f"?thread_ts={parent}&cid={KAM}")
    history = client.conversations_history(channel=KAM)["messages"]
    assert [m["text"] for m in history] == ["parent"] and history[0]["reply_count"] == 1
    assert error_of(lambda: client.chat_getPermalink(channel=KAM, message_ts="1.2")) == "message_not_found"


def test_update_and_delete(emu: SlackEmulator, client: WebClient) -> None:
    ts = client.chat_postMessage(channel=KAM, text="v1", blocks=[section("one")])["ts"]
    client.chat_update(channel=KAM, ts=ts, text="v2")
    message = emu.message(KAM, ts)
    assert message is not None and message.text == "v2" and message.edited
    assert message.blocks[0]["text"]["text"] == "one"  # blocks kept when not sent
    client.chat_update(channel=KAM, ts=ts, text="v3", blocks=[])
    message = emu.message(KAM, ts)
    assert message is not None and message.blocks == []
    assert error_of(lambda: client.chat_update(channel=KAM, ts="1.000001", text="x")) == "message_not_found"
    client.chat_delete(channel=KAM, ts=ts)
    assert emu.message(KAM, ts) is None
    assert error_of(lambda: client.chat_delete(channel=KAM, ts=ts)) == "message_not_found"


def test_cannot_update_someone_elses_message(emu: SlackEmulator, client: WebClient, make_app: object) -> None:
    make_app()  # type: ignore[operator]
    delivery = emu.user_message(ALICE, KAM, "my own words")
    ts = delivery.payload["event"]["ts"]
    assert error_of(lambda: client.chat_update(channel=KAM, ts=ts, text="x")) == "cant_update_message"
    assert error_of(lambda: client.chat_delete(channel=KAM, ts=ts)) == "cant_delete_message"


def test_post_ephemeral(emu: SlackEmulator, client: WebClient) -> None:
    sent = client.chat_postEphemeral(channel=KAM, user=ALICE, text="only you", blocks=[section("secret")])
    [ephemeral] = emu.ephemerals(KAM, ALICE)
    assert ephemeral.ts == sent["message_ts"] and ephemeral.text == "only you"
    assert emu.ephemerals(KAM, BOB) == [] and emu.messages(KAM) == []
    assert error_of(client.chat_postEphemeral, channel=KAM, user=CAROL, text="x") == "user_not_in_channel"
    assert error_of(client.chat_postEphemeral, channel=OTHER, user=CAROL, text="x") == "not_in_channel"


def test_version_and_wait_for(emu: SlackEmulator, client: WebClient) -> None:
    before = emu.version
    client.chat_postMessage(channel=KAM, text="bump")
    assert emu.version > before
    assert emu.wait_for(lambda: emu.messages(KAM), timeout=1)[0].text == "bump"
    with pytest.raises(TimeoutError, match="never posted"):
        emu.wait_for(lambda: emu.messages(OTHER), timeout=0.2, message="never posted")
    snap = emu.snapshot()
    assert json.loads(json.dumps(snap))["messages"][KAM][0]["text"] == "bump"
    with urllib.request.urlopen(emu.base_url + "/_emu/snapshot", timeout=5) as resp:
        assert json.load(resp)["version"] == emu.version
    seen = emu.version
    poster = threading.Timer(0.1, lambda: client.chat_postMessage(channel=KAM, text="later"))
    poster.start()
    assert emu.wait_for_change(seen, timeout=5) > seen
    poster.join()


def test_stop_closes_the_port(emu: SlackEmulator) -> None:
    url = emu.api_url
    emu.stop()
    with pytest.raises(OSError):
        urllib.request.urlopen(url + "auth.test", data=b"", timeout=2)
