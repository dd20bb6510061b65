"""The request edge: signatures and timestamps, Slack retries and double submissions (exactly one record),
rate limits (429 with Retry-After), unexpected errors (a ref the logs carry), the health check."""

from __future__ import annotations

import json
import logging
import re
import threading
import time
import urllib.error
import urllib.request
from typing import Any

import pytest
from sqlalchemy import create_engine

from bot.server import make_wsgi
from kam_core.models import OutboxMessage, ProcessedRequest, Sprint
from kam_core.services import plans, sprints
from slackemu.client import form_body, payload_body
from tests.slack.conftest import SlackEnv
from tests.slack.support import ask, audit_count, count, flat, open_modal, task_status

DEAD_DB = "postgresql+psycopg://postgres@127.0.0.1:1/none"


def _command_body(slack: SlackEnv, text: str) -> bytes:
    return form_body(
        {
            "token": slack.emu.verification_token,
            "team_id": slack.team_id,
            "channel_id": "C0KAMTEAM",
            "user_id": "U0BOB",
            "command": "/kam",
            "text": text,
            "response_url": slack.emu.base_url + "/response/nothing",
            "trigger_id": slack.emu.issue_trigger("U0BOB"),
        }
    )


def test_a_forged_signature_is_refused(slack: SlackEnv) -> None:
    body = _command_body(slack, "task done TSK-9")
    headers = {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "v0=" + "0" * 64}
    d = slack.emu.post_to_app(body, "application/x-www-form-urlencoded", headers)
    assert d.status == 401
    other_secret = slack.emu.sign(body)  # right timestamp, signed with the right secret over another body
    d = slack.emu.post_to_app(body + b"&x=1", "application/x-www-form-urlencoded", other_secret)
    assert d.status == 401
    assert task_status(slack, "TSK-9") == "not_started"
    assert not slack.emu.response_posts


def test_a_stale_timestamp_is_refused(slack: SlackEnv) -> None:
    body = _command_body(slack, "help")
    stale = slack.emu.sign(body, timestamp=int(time.time()) - 6 * 60)
    d = slack.emu.post_to_app(body, "application/x-www-form-urlencoded", stale)
    assert d.status == 401
    fresh = slack.emu.post_to_app(body, "application/x-www-form-urlencoded")
    assert fresh.status == 200


def test_a_retried_event_is_handled_once(slack: SlackEnv) -> None:
    emu = slack.emu
    event = {"type": "app_home_opened", "user": "U0BOB", "channel": "D0BOB", "tab": "home", "event_ts": "1.2"}
    first = emu.send_event(event)
    assert first.status == 200
    emu.wait_for(lambda: emu.calls_to("views.publish"))
    retry = emu.send_event(event, retry_num=1, retry_reason="http_timeout", event_id=first.event_id)
    assert retry.status == 200
    barrier = emu.send_event({**event, "user": "U0CAROL"})  # another event, handled after the retry
    assert barrier.status == 200
    emu.wait_for(lambda: len(emu.calls_to("views.publish")) >= 2)
    publishes = [c.params["user_id"] for c in emu.calls_to("views.publish")]
    assert sorted(publishes) == ["U0BOB", "U0CAROL"]
    assert count(slack, ProcessedRequest, ProcessedRequest.key == f"event:{first.event_id}") == 1


def _invalid_then_payload(slack: SlackEnv) -> dict[str, Any]:
    """A sprint form submitted once with an error; its payload (same view id and hash) made valid."""
    modal = open_modal(slack, "U0ALICE", "sprint new")
    bad = slack.emu.submit_view_inputs(
        "U0ALICE", modal.id, {"name": "Twice", "end_date": "2000-01-01"}, force=True
    )
    assert bad.json["response_action"] == "errors"
    payload: dict[str, Any] = bad.payload
    payload["view"]["state"]["values"]["end_date"]["end_date"]["selected_date"] = "2099-01-01"
    return payload


def test_a_double_submission_creates_one_record(slack: SlackEnv) -> None:
    payload = _invalid_then_payload(slack)
    before = count(slack, Sprint)
    body = payload_body(payload)
    answers = [slack.emu.post_to_app(body, "application/x-www-form-urlencoded") for _ in range(2)]
    assert [a.status for a in answers] == [200, 200]
    assert all(not a.body.strip() for a in answers)  # both close the modal
    assert count(slack, Sprint) == before + 1
    assert count(slack, Sprint, Sprint.name == "Twice") == 1


def test_concurrent_double_submission_creates_one_record(slack: SlackEnv) -> None:
    payload = _invalid_then_payload(slack)
    body = payload_body(payload)
    audits = audit_count(slack)
    results: list[Any] = []
    start = threading.Barrier(2)

    def submit() -> None:
        start.wait()
        results.append(slack.emu.post_to_app(body, "application/x-www-form-urlencoded"))

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(r.status for r in results) == [200, 200]
    assert count(slack, Sprint, Sprint.name == "Twice") == 1
    assert audit_count(slack) == audits + 1


def test_rate_limited_views_open_tells_the_user(slack: SlackEnv) -> None:
    slack.emu.rate_limit_next("views.open", retry_after=2)
    answer = ask(slack, "U0ALICE", "sprint new")
    assert "Slack is busy" in answer.text + flat(answer.blocks)
    assert not slack.emu.open_views("U0ALICE")
    assert open_modal(slack, "U0ALICE", "sprint new").callback_id == "sprint_new"  # and then it works


def test_rate_limited_dm_is_sent_after_retry_after(slack: SlackEnv) -> None:
    emu = slack.emu
    emu.rate_limit_next("chat.postMessage", retry_after=1)
    ask(slack, "U0BOB", "task assign TSK-11 <@U0CAROL>")
    dm = emu.wait_for(lambda: emu.im_channel("U0CAROL") and emu.messages(emu.im_channel("U0CAROL")))
    assert len(dm) == 1 and "assigned you TSK-11" in dm[0].text
    statuses = [c.status for c in emu.calls_to("chat.postMessage")]
    assert statuses == [429, 200]
    (message,) = emu.wait_for(lambda: [m for m in _outbox(slack) if m.sent_at], message="marked sent")
    assert message.attempts == 1 and not message.given_up


def _outbox(slack: SlackEnv) -> list[OutboxMessage]:
    from tests.slack.support import fetch

    return fetch(slack, OutboxMessage)


def test_an_unexpected_error_gives_a_reference_that_the_log_carries(
    slack: SlackEnv, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(**_: Any) -> Any:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(plans, "list_plans", broken)
    caplog.set_level(logging.ERROR, logger="kam.bot")
    answer = ask(slack, "U0BOB", "plan list")
    shown = answer.text + flat(answer.blocks)
    match = re.search(r"Something went wrong \(ref ([0-9A-F]{4})\)", shown)
    assert match, shown
    logged = [r for r in caplog.records if f"ref {match.group(1)}" in r.getMessage()]
    assert logged and logged[0].exc_info and "database on fire" in str(logged[0].exc_info[1])
    assert "database on fire" not in shown  # the details stay in the log


def test_an_unexpected_error_in_a_modal_stays_in_the_modal(
    slack: SlackEnv, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(**_: Any) -> Any:
        raise RuntimeError("disk full")

    monkeypatch.setattr(sprints, "create_sprint", broken)
    caplog.set_level(logging.ERROR, logger="kam.bot")
    modal = open_modal(slack, "U0ALICE", "sprint new")
    d = slack.emu.submit_view_inputs("U0ALICE", modal.id, {"name": "Broken"})
    view = slack.emu.view(modal.id)
    assert view is not None and not view.closed and view.alert is None, d.outcome
    (message,) = view.errors.values()
    ref = re.search(r"ref ([0-9A-F]{4})", message)
    assert ref and any(f"ref {ref.group(1)}" in r.getMessage() for r in caplog.records)


def _get(url: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_healthz_checks_the_database(slack: SlackEnv) -> None:
    assert _get(slack.server.url + "/healthz") == (200, {"ok": True, "database": "ok"})
    from bot.server import HttpServer

    dead = create_engine(
        "postgresql+psycopg://postgres@127.0.0.1:1/none", connect_args={"connect_timeout": 1}
    )
    server = HttpServer(make_wsgi(None, dead))
    server.start()
    try:
        status, body = _get(server.url + "/healthz")
        assert status == 503 and body["ok"] is False and body["database"] == "unreachable"
    finally:
        server.stop()
