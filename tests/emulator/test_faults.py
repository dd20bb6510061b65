"""Fault injection and rate limits, checked against slack_sdk's own retry handlers."""

from __future__ import annotations

import time

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_handlers import RateLimitErrorRetryHandler, ServerErrorRetryHandler

from slackemu import SlackEmulator

from .conftest import KAM, PRIV, TOKEN


def test_fail_next(emu: SlackEmulator, client: WebClient) -> None:
    emu.fail_next("chat.postMessage", error="channel_not_found", times=2)
    for _ in range(2):
        with pytest.raises(SlackApiError) as info:
            client.chat_postMessage(channel=KAM, text="x")
        assert info.value.response.status_code == 200
        assert info.value.response["error"] == "channel_not_found"
    assert client.chat_postMessage(channel=KAM, text="third")["ok"]
    assert [m.text for m in emu.messages(KAM)] == ["third"]
    assert client.auth_test()["ok"]  # other methods untouched


def test_faults_for_unknown_methods_are_refused(emu: SlackEmulator) -> None:
    with pytest.raises(ValueError, match=r"chat\.postMesage"):
        emu.fail_next("chat.postMesage")


def test_rate_limit_without_retry_handler(emu: SlackEmulator, client: WebClient) -> None:
    emu.rate_limit_next("chat.postMessage", retry_after=7)
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel=KAM, text="x")
    assert info.value.response.status_code == 429
    assert info.value.response.headers["Retry-After"] == "7"
    assert info.value.response["error"] == "ratelimited"
    assert emu.messages(KAM) == []


def test_rate_limit_retry_handler_retries_and_succeeds(emu: SlackEmulator) -> None:
    retrying = WebClient(
        base_url=emu.api_url, token=TOKEN, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=1)]
    )
    emu.rate_limit_next("chat.postMessage", retry_after=1)
    started = time.monotonic()
    assert retrying.chat_postMessage(channel=KAM, text="once")["ok"]
    assert time.monotonic() - started >= 1.0  # it honoured Retry-After
    calls = emu.calls_to("chat.postMessage")
    assert [c.status for c in calls] == [429, 200]
    assert [m.text for m in emu.messages(KAM)] == ["once"]


def test_server_error_retry_handler(emu: SlackEmulator) -> None:
    retrying = WebClient(base_url=emu.api_url, token=TOKEN, retry_handlers=[ServerErrorRetryHandler()])
    emu.server_error_next("chat.postMessage", status=503)
    assert retrying.chat_postMessage(channel=KAM, text="after 503")["ok"]
    assert [c.status for c in emu.calls_to("chat.postMessage")] == [503, 200]
    assert len(emu.messages(KAM)) == 1
    plain = WebClient(base_url=emu.api_url, token=TOKEN, retry_handlers=[])
    emu.server_error_next("users.list")
    with pytest.raises(SlackApiError) as info:
        plain.users_list()
    assert info.value.response.status_code == 500


def test_channel_rate_enforcement(emu: SlackEmulator, client: WebClient) -> None:
    emu.enforce_channel_rate(per_second=1.0)
    assert client.chat_postMessage(channel=KAM, text="first")["ok"]
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel=KAM, text="too soon")
    assert info.value.response.status_code == 429 and info.value.response.headers["Retry-After"] == "1"
    assert client.chat_postMessage(channel=PRIV, text="other channel is fine")["ok"]
    emu.advance_time(1.0)
    assert client.chat_postMessage(channel=KAM, text="later")["ok"]
    assert [m.text for m in emu.messages(KAM)] == ["first", "later"]


def test_channel_rate_retry_after_is_the_remaining_wait(emu: SlackEmulator, client: WebClient) -> None:
    emu.enforce_channel_rate(per_second=0.25)  # one post per 4 s
    client.chat_postMessage(channel=KAM, text="first")
    emu.advance_time(1.5)
    with pytest.raises(SlackApiError) as info:
        client.chat_postMessage(channel=KAM, text="x")
    assert info.value.response.headers["Retry-After"] == "3"  # ceil(2.5)
    emu.enforce_channel_rate(None)
    assert client.chat_postMessage(channel=KAM, text="unlimited")["ok"]


def test_channel_rate_with_retry_handler_posts_everything_once(emu: SlackEmulator) -> None:
    retrying = WebClient(
        base_url=emu.api_url, token=TOKEN, retry_handlers=[RateLimitErrorRetryHandler(max_retry_count=2)]
    )
    emu.enforce_channel_rate(per_second=1.0)
    for text in ("a", "b"):
        retrying.chat_postMessage(channel=KAM, text=text)
    assert [m.text for m in emu.messages(KAM)] == ["a", "b"]
    assert [c.status for c in emu.calls_to("chat.postMessage")] == [200, 429, 200]
