"""Modal round trips with a real Bolt app: command -> views.open -> submission -> response_action."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from slack_bolt import Ack, App
from slack_sdk import WebClient

from slackemu import SlackEmulator, View

from .conftest import ALICE, BOB, KAM, button, modal, section

KINDS = [{"text": {"type": "plain_text", "text": t}, "value": t.lower()} for t in ("Sprint", "Call", "Visit")]


def label(text: str) -> dict[str, str]:
    return {"type": "plain_text", "text": text}


def task_modal(**extra: Any) -> dict[str, Any]:
    blocks: list[dict[str, Any]] = [
        {"type": "input", "block_id": "title", "label": label("Title"),
         "element": {"type": "plain_text_input", "action_id": "title_input"}},
        {"type": "input", "block_id": "assignee", "label": label("Owner"),
         "element": {"type": "users_select", "action_id": "assignee_select"}},
        {"type": "input", "block_id": "due", "label": label("Due"),
         "element": {"type": "datepicker", "action_id": "due_picker"}},
        {"type": "input", "block_id": "kind", "label": label("Kind"),
         "element": {"type": "static_select", "action_id": "kind_select", "options": KINDS}},
        {"type": "input", "block_id": "at", "label": label("At"), "optional": True,
         "element": {"type": "timepicker", "action_id": "time_picker"}},
        {"type": "input", "block_id": "flags", "label": label("Flags"), "optional": True,
         "element": {"type": "checkboxes", "action_id": "flag_boxes", "options": KINDS[:2]}},
        {"type": "input", "block_id": "note", "label": label("Note"), "optional": True,
         "element": {"type": "plain_text_input", "action_id": "note_input", "multiline": True}},
        {"type": "actions", "elements": [button("add_contact", "x", "Add contact")]},
    ]  # fmt: skip
    return modal("task_new", blocks, private_metadata='{"channel": "C0KAM"}', **extra)


FILLED = {"title": "Call Dr Weber", "assignee": BOB, "due": "2026-12-18", "kind": "sprint", "at": "09:00"}


@pytest.fixture
def task_app(make_app: Callable[[], App]) -> tuple[App, list[dict[str, Any]]]:
    """/kam opens the task modal; submissions are recorded and answered by the title's content."""
    app = make_app()
    submissions: list[dict[str, Any]] = []

    @app.command("/kam")
    def command(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        extra = {"notify_on_close": True} if body["text"] == "notify" else {}
        client.views_open(trigger_id=body["trigger_id"], view=task_modal(**extra))

    @app.view("task_new")
    def submitted(ack: Ack, body: dict[str, Any]) -> None:
        submissions.append(body)
        title = body["view"]["state"]["values"]["title"]["title_input"]["value"]
        if title == "bad":
            ack(response_action="errors", errors={"title": "Say what the task is"})
        elif title == "typo":
            ack(response_action="errors", errors={"titel": "unknown block"})
        elif title == "next":
            ack(response_action="push", view=modal("confirm", [section("Sure?")]))
        elif title == "update":
            ack(response_action="update", view=modal("task_new", [section("Saved")]))
        else:
            ack()

    @app.view("confirm")
    def confirmed(ack: Ack, body: dict[str, Any]) -> None:
        submissions.append(body)
        ack(response_action="clear")

    @app.view_closed("task_new")
    def closed(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        submissions.append(body)

    @app.action("add_contact")
    def add_contact(ack: Ack, body: dict[str, Any], client: WebClient) -> None:
        ack()
        view = body["view"]
        new = modal("task_new", [section("Contact added")], notify_on_close=view["notify_on_close"])
        client.views_update(view_id=view["id"], hash=view["hash"], view=new)

    @app.action("kind_select")
    def kind_chosen(ack: Ack) -> None:
        ack()

    return app, submissions


def open_task_modal(emu: SlackEmulator, text: str = "task new") -> View:
    delivery = emu.send_command(ALICE, KAM, text)
    assert delivery.status == 200
    return emu.wait_for(lambda: emu.open_views(ALICE), message="the app should open the task modal")[-1]


def test_round_trip_builds_slack_state(
    emu: SlackEmulator, task_app: tuple[App, list[dict[str, Any]]]
) -> None:
    _, submissions = task_app
    view = open_task_modal(emu)
    assert view.callback_id == "task_new" and view.private_metadata == '{"channel": "C0KAM"}'
    delivery = emu.submit_view_inputs(ALICE, view.id, {**FILLED, "flags": ["call"]})
    assert delivery.status == 200 and delivery.outcome == "view closed"
    assert emu.open_views(ALICE) == []
    body = submissions[0]
    assert body["type"] == "view_submission" and body["user"]["id"] == ALICE
    assert (body["view"]["id"], body["view"]["hash"]) == (view.id, view.hash)
    values = body["view"]["state"]["values"]
    assert values["title"] == {"title_input": {"type": "plain_text_input", "value": "Call Dr Weber"}}
    assert values["assignee"] == {"assignee_select": {"type": "users_select", "selected_user": BOB}}
    assert values["due"] == {"due_picker": {"type": "datepicker", "selected_date": "2026-12-18"}}
    assert values["kind"]["kind_select"] == {"type": "static_select", "selected_option": KINDS[0]}
    assert values["at"] == {"time_picker": {"type": "timepicker", "selected_time": "09:00"}}
    assert values["flags"]["flag_boxes"]["selected_options"] == [KINDS[1]]
    assert values["note"] == {"note_input": {"type": "plain_text_input", "value": None}}  # empty optional


def test_unknown_option_value_is_a_test_error(
    emu: SlackEmulator, task_app: tuple[App, list[dict[str, Any]]]
) -> None:
    view = open_task_modal(emu)
    with pytest.raises(ValueError, match="no option 'meeting'"):
        emu.submit_view_inputs(ALICE, view.id, {**FILLED, "kind": "meeting"})
    with pytest.raises(LookupError):
        emu.submit_view_inputs(ALICE, view.id, {"nonexistent": "x"})


def test_errors_keep_the_view_open(emu: SlackEmulator, task_app: tuple[App, list[dict[str, Any]]]) -> None:
    _, submissions = task_app
    view = open_task_modal(emu)
    delivery = emu.submit_view_inputs(ALICE, view.id, {**FILLED, "title": "bad"})
    assert delivery.status == 200 and "errors" in delivery.outcome
    [still_open] = emu.open_views(ALICE)
    assert still_open.id == view.id and still_open.errors == {"title": "Say what the task is"}
    assert still_open.state_values["title"]["title_input"]["value"] == "bad"  # typed values stay
    emu.submit_view_inputs(ALICE, view.id, {"title": "Call Dr Weber"})  # other fields are still filled
    assert emu.open_views(ALICE) == [] and len(submissions) == 2
    assert submissions[1]["view"]["state"]["values"]["assignee"]["assignee_select"]["selected_user"] == BOB


def test_errors_for_unknown_block_are_rejected(
    emu: SlackEmulator, task_app: tuple[App, list[dict[str, Any]]]
) -> None:
    view = open_task_modal(emu)
    delivery = emu.submit_view_inputs(ALICE, view.id, {**FILLED, "title": "typo"})
    assert "rejected" in delivery.outcome and "titel" in delivery.outcome
    [still_open] = emu.open_views(ALICE)
    assert still_open.errors == {} and still_open.alert == "We had some trouble connecting. Try again?"


def test_required_inputs_are_checked_by_the_client(
    emu: SlackEmulator, task_app: tuple[App, list[dict[str, Any]]]
) -> None:
    _, submissions = task_app
    view = open_task_modal(emu)
    delivery = emu.submit_view_inputs(ALICE, view.id, {"title": "only a title"})
    assert delivery.status == 0 and delivery.outcome == "blocked by the Slack client"
    assert submissions == []
    assert set(emu.open_views(ALICE)[0].errors) == {"assignee", "due", "kind"}


def test_non_200_answer_keeps_the_view(
    emu: SlackEmulator, task_app: tuple[App, list[dict[str, Any]]]
) -> None:
    view = open_task_modal(emu)
    emu.app_url = str(emu.app_url).replace("/slack/events", "/elsewhere")  # Bolt answers 404 there
    delivery = emu.submit_view_inputs(ALICE, view.id, FILLED)
    assert delivery.status == 404 and "trouble" in delivery.outcome
    [still_open] = emu.open_views(ALICE)
    assert still_open.alert == "We had some trouble connecting. Try again?"


def test_push_update_and_clear(emu: SlackEmulator, task_app: tuple[App, list[dict[str, Any]]]) -> None:
    view = open_task_modal(emu)
    emu.submit_view_inputs(ALICE, view.id, {**FILLED, "title": "next"})
    stack = emu.open_views(ALICE)
    assert [v.callback_id for v in stack] == ["task_new", "confirm"]
    assert stack[1].root_view_id == view.id and stack[1].previous_view_id == view.id
    with pytest.raises(LookupError):  # only the top view can be submitted
        emu.submit_view(ALICE, view.id)
    emu.submit_view(ALICE, stack[1].id)
    assert emu.open_views(ALICE) == []  # response_action=clear closed the whole stack
    again = open_task_modal(emu)
    emu.submit_view_inputs(ALICE, again.id, {**FILLED, "title": "update"})
    [updated] = emu.open_views(ALICE)
    assert updated.id == again.id and updated.hash != again.hash
    assert updated.blocks[0]["text"]["text"] == "Saved"


def test_close_view_and_button_in_modal(
    emu: SlackEmulator, task_app: tuple[App, list[dict[str, Any]]]
) -> None:
    _, submissions = task_app
    quiet = open_task_modal(emu)
    assert emu.close_view(ALICE) is None  # no notify_on_close: Slack tells the app nothing
    assert emu.open_views(ALICE) == [] and submissions == []
    loud = open_task_modal(emu, "notify")
    assert loud.id != quiet.id
    emu.click_button(ALICE, loud.id, "add_contact")
    emu.wait_for(lambda: emu.open_views(ALICE)[0].blocks[0].get("text", {}).get("text") == "Contact added")
    closed = emu.close_view(ALICE)
    assert closed is not None and closed.status == 200
    assert submissions[0]["type"] == "view_closed" and submissions[0]["view"]["id"] == loud.id
    assert submissions[0]["is_cleared"] is False and emu.open_views(ALICE) == []


def test_typed_values_survive_views_update(
    emu: SlackEmulator, task_app: tuple[App, list[dict[str, Any]]], client: WebClient
) -> None:
    _, submissions = task_app
    opened = open_task_modal(emu)
    typed = emu.interact(ALICE, opened.id, "kind_select", "call")
    assert typed.status == 0 and typed.outcome.startswith("not sent")  # input without dispatch_action
    view = emu.view(opened.id)
    assert view is not None and view.state_values["kind"]["kind_select"]["selected_option"]["value"] == "call"
    client.views_update(view_id=opened.id, view=task_modal(title=label("Edit task")))
    kept = emu.view(opened.id)
    assert kept is not None and kept.title == "Edit task"
    assert kept.state_values["kind"]["kind_select"]["selected_option"]["value"] == "call"
    emu.submit_view_inputs(ALICE, opened.id, {"title": "t", "assignee": BOB, "due": "2026-01-02"})
    assert submissions[0]["view"]["state"]["values"]["kind"]["kind_select"]["selected_option"] == KINDS[1]


def test_dispatch_action_input_sends_block_actions(
    emu: SlackEmulator, make_app: Callable[[], App], client: WebClient
) -> None:
    app = make_app()
    seen: list[dict[str, Any]] = []

    @app.action("search")
    def search(ack: Ack, body: dict[str, Any]) -> None:
        ack()
        seen.append(body)

    block = {"type": "input", "block_id": "q", "dispatch_action": True, "label": label("Find"),
             "element": {"type": "plain_text_input", "action_id": "search"}}  # fmt: skip
    opened = client.views_open(trigger_id=emu.issue_trigger(ALICE), view=modal("find", [block]))["view"]
    assert emu.interact(ALICE, opened["id"], "search", "Weber").status == 200
    assert seen[0]["actions"][0]["value"] == "Weber"
    assert seen[0]["view"]["state"]["values"]["q"]["search"]["value"] == "Weber"
    assert seen[0]["container"] == {"type": "view", "view_id": opened["id"]} and "response_url" not in seen[0]
