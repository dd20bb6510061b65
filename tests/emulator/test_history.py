"""conversations.history / .replies as Slack serves them: newest first, `oldest` / `latest` / `inclusive`,
`limit` with a cursor, metadata only with include_all_metadata; and a fault where the call takes effect
but the answer is lost (a 5xx after the work)."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackemu import SlackEmulator
from tests.emulator.conftest import KAM, OTHER, PRIV

META = {"event_type": "kam_digest", "event_payload": {"subscription": "DG-1", "local_date": "2026-12-04"}}


def test_history_range_paging_and_metadata(emu: SlackEmulator, client: WebClient) -> None:
    stamps = [client.chat_postMessage(channel=KAM, text=f"m{n}", metadata=META)["ts"] for n in range(5)]
    client.chat_postMessage(channel=KAM, text="reply", thread_ts=stamps[0])  # replies are not history
    plain = client.conversations_history(channel=KAM)["messages"]
    assert [m["text"] for m in plain] == ["m4", "m3", "m2", "m1", "m0"]
    assert all("metadata" not in m for m in plain)  # only on request, as on Slack
    rich = client.conversations_history(channel=KAM, include_all_metadata=True)["messages"]
    assert all(m["metadata"] == META for m in rich)
    after = client.conversations_history(channel=KAM, oldest=stamps[1])["messages"]
    assert [m["text"] for m in after] == ["m4", "m3", "m2"]  # oldest is exclusive ...
    inclusive = client.conversations_history(channel=KAM, oldest=stamps[1], latest=stamps[3], inclusive=True)
    assert [m["text"] for m in inclusive["messages"]] == ["m3", "m2", "m1"]  # ... unless inclusive
    first = client.conversations_history(channel=KAM, limit=2)
    assert [m["text"] for m in first["messages"]] == ["m4", "m3"] and first["has_more"]
    cursor = first["response_metadata"]["next_cursor"]
    second = client.conversations_history(channel=KAM, limit=2, cursor=cursor)
    assert [m["text"] for m in second["messages"]] == ["m2", "m1"]
    thread = client.conversations_replies(channel=KAM, ts=stamps[0], include_all_metadata=True)["messages"]
    assert [m["text"] for m in thread] == ["m0", "reply"] and thread[0]["metadata"] == META


def test_history_needs_membership(emu: SlackEmulator, client: WebClient) -> None:
    for channel, error in ((OTHER, "not_in_channel"), ("C0NOPE", "channel_not_found")):
        try:
            client.conversations_history(channel=channel)
        except SlackApiError as exc:
            assert exc.response["error"] == error
        else:
            raise AssertionError("expected an error")
    assert client.conversations_history(channel=PRIV)["messages"] == []


def test_a_lost_answer_still_posts(emu: SlackEmulator, client: WebClient) -> None:
    emu.lose_answer_next("chat.postMessage", status=503)
    try:
        client.chat_postMessage(channel=KAM, text="did it go?")
    except SlackApiError as exc:
        assert exc.response.status_code == 503
    else:
        raise AssertionError("expected a 503")
    assert [m.text for m in emu.messages(KAM)] == ["did it go?"]
    assert emu.calls_to("chat.postMessage")[0].status == 503
