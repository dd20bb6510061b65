"""views.open / push / update / publish: triggers, stacks, hashes, Home tabs."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from slackemu import SlackEmulator

from .conftest import ALICE, BOB, modal, section


def error_of(call: Any, **kwargs: Any) -> str:
    with pytest.raises(SlackApiError) as info:
        call(**kwargs)
    return str(info.value.response["error"])


def test_open_returns_view_and_stores_it(emu: SlackEmulator, client: WebClient) -> None:
    view = modal("task_new", [section("hi", "intro")], private_metadata='{"tactic": "TAC-5"}')
    opened = client.views_open(trigger_id=emu.issue_trigger(ALICE), view=view)["view"]
    assert opened["id"].startswith("V") and opened["hash"] and opened["root_view_id"] == opened["id"]
    [stored] = emu.open_views(ALICE)
    assert (stored.id, stored.hash, stored.callback_id) == (opened["id"], opened["hash"], "task_new")
    assert stored.private_metadata == '{"tactic": "TAC-5"}' and stored.title == "New task"
    assert stored.blocks[0]["block_id"] == "intro"
    assert emu.open_views(BOB) == []


def test_trigger_ids_are_single_use_and_expire(emu: SlackEmulator, client: WebClient) -> None:
    view = modal("m", [section("x")])
    trigger = emu.issue_trigger(ALICE)
    assert client.views_open(trigger_id=trigger, view=view)["ok"]
    assert error_of(lambda: client.views_open(trigger_id=trigger, view=view)) == "expired_trigger_id"
    assert error_of(lambda: client.views_open(trigger_id="123.456.nope", view=view)) == "invalid_trigger_id"
    old = emu.issue_trigger(ALICE)
    emu.advance_time(3.1)
    assert error_of(lambda: client.views_open(trigger_id=old, view=view)) == "expired_trigger_id"
    fresh = emu.issue_trigger(ALICE)
    emu.advance_time(2.5)
    assert client.views_open(trigger_id=fresh, view=view)["ok"]


def test_stack_holds_three_views(emu: SlackEmulator, client: WebClient) -> None:
    root = client.views_open(trigger_id=emu.issue_trigger(ALICE), view=modal("one", [section("1")]))["view"]
    second = client.views_push(trigger_id=emu.issue_trigger(ALICE), view=modal("two", [section("2")]))["view"]
    third = client.views_push(trigger_id=emu.issue_trigger(ALICE), view=modal("3", [section("3")]))["view"]
    assert (second["root_view_id"], second["previous_view_id"]) == (root["id"], root["id"])
    assert third["previous_view_id"] == second["id"]
    four = modal("4", [section("4")])
    assert error_of(client.views_push, trigger_id=emu.issue_trigger(ALICE), view=four) == "push_limit_reached"
    assert [v.callback_id for v in emu.open_views(ALICE)] == ["one", "two", "3"]
    # a new views.open replaces the whole stack
    client.views_open(trigger_id=emu.issue_trigger(ALICE), view=modal("fresh", [section("f")]))
    assert [v.callback_id for v in emu.open_views(ALICE)] == ["fresh"]


def test_push_needs_an_open_modal(emu: SlackEmulator, client: WebClient) -> None:
    view = modal("x", [section("x")])
    assert error_of(client.views_push, trigger_id=emu.issue_trigger(BOB), view=view) == "invalid_arguments"


def test_update_by_id_hash_and_external_id(emu: SlackEmulator, client: WebClient) -> None:
    opened = client.views_open(
        trigger_id=emu.issue_trigger(ALICE), view=modal("m", [section("loading")], external_id="ext-1")
    )["view"]
    ready = modal("m", [section("ready")], external_id="ext-1")
    updated = client.views_update(view_id=opened["id"], hash=opened["hash"], view=ready)
    assert updated["view"]["hash"] != opened["hash"]
    other = modal("m", [section("x")])
    assert (
        error_of(client.views_update, view_id=opened["id"], hash=opened["hash"], view=other)
        == "hash_conflict"
    )
    [view] = emu.open_views(ALICE)
    assert view.blocks[0]["text"]["text"] == "ready"
    client.views_update(external_id="ext-1", view=modal("m", [section("by ext id")], external_id="ext-1"))
    assert emu.open_views(ALICE)[0].blocks[0]["text"]["text"] == "by ext id"
    assert error_of(client.views_update, view_id="V0NOPE", view=other) == "not_found"
    dup = modal("m", [section("x")], external_id="ext-1")
    assert error_of(client.views_open, trigger_id=emu.issue_trigger(BOB), view=dup) == "duplicate_external_id"


def test_publish_home(emu: SlackEmulator, client: WebClient) -> None:
    first = client.views_publish(user_id=ALICE, view={"type": "home", "blocks": [section("v1")]})["view"]
    second = client.views_publish(user_id=ALICE, view={"type": "home", "blocks": [section("v2")]})["view"]
    assert first["id"] == second["id"] and first["hash"] != second["hash"]
    home = emu.home(ALICE)
    assert home is not None and home.blocks[0]["text"]["text"] == "v2" and home.type == "home"
    assert emu.home(BOB) is None
    empty = {"type": "home", "blocks": []}
    assert error_of(client.views_publish, user_id=ALICE, hash=first["hash"], view=empty) == "hash_conflict"
    assert error_of(lambda: client.views_publish(user_id="U0NOPE", view={"type": "home", "blocks": []})) == (
        "user_not_found"
    )
