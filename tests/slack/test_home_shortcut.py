"""App Home (published on app_home_opened: my open tasks overdue first, my plans with progress, active
sprints), the message shortcut "Create KAM task", and the assignment DM sent through the outbox."""

from __future__ import annotations

import re

from kam_core.models import OutboxMessage, Task
from tests.slack.conftest import SlackEnv
from tests.slack.support import ask, click, fetch, flat, mrkdwn_texts, newest, task_status


def _home(slack: SlackEnv, user: str) -> object:
    before = len(slack.emu.calls_to("views.publish"))
    assert slack.emu.open_home(user).status == 200
    slack.emu.wait_for(lambda: len(slack.emu.calls_to("views.publish")) > before, message="Home published")
    home = slack.emu.home(user)
    assert home is not None
    return home


def test_home_shows_my_tasks_overdue_first_my_plans_and_the_active_sprint(slack: SlackEnv) -> None:
    home = _home(slack, "U0BOB")
    texts = mrkdwn_texts(home.blocks)  # type: ignore[attr-defined]
    assert texts[0].startswith("*Your tasks* — 2 overdue")
    rows = [t for t in texts if re.match(r"^. \*TSK-\d+\*", t)]
    refs = [re.search(r"TSK-\d+", r).group(0) for r in rows]  # type: ignore[union-attr]
    overdue = ["overdue" in r for r in rows]
    assert overdue[:2] == [True, True] and not any(overdue[2:])  # overdue ones first
    assert set(refs[:2]) == {"TSK-7", "TSK-29"}
    assert set(refs) >= {"TSK-4", "TSK-9", "TSK-5", "TSK-19"}
    plans = next(t for t in texts if t.startswith("*Your plans*"))
    for ref in ("AP-1", "AP-2", "AP-4", "TP-1"):
        assert ref in plans
    assert "▰" in plans and "AP-3" not in plans
    assert any("*Active sprint* *SPR-1*" in t for t in texts)
    assert "Good " in flat(home.blocks[0])  # type: ignore[attr-defined]


def test_done_on_home_republishes_it_with_the_change(slack: SlackEnv) -> None:
    emu = slack.emu
    home = _home(slack, "U0BOB")
    before = len(emu.calls_to("views.publish"))
    click(slack, "U0BOB", home, "task_done", "TSK-9")
    emu.wait_for(lambda: len(emu.calls_to("views.publish")) > before, message="Home republished")
    text = flat((emu.home("U0BOB") or home).blocks)  # type: ignore[attr-defined]
    assert "TAC-3 20% → 40%" in text
    assert task_status(slack, "TSK-9") == "completed"


def test_open_on_home_shows_the_sprint_card_in_a_modal(slack: SlackEnv) -> None:
    emu = slack.emu
    home = _home(slack, "U0BOB")
    click(slack, "U0BOB", home, "show_card", "SPR-1")
    modal = emu.wait_for(lambda: emu.open_views("U0BOB"))[-1]
    assert "SPR-1 · Oncology sprint 12" in flat(modal.blocks)
    assert not [b for b in modal.blocks if b.get("type") == "actions" or "accessory" in b]  # read-only


def test_new_task_from_home_asks_for_the_tactic(slack: SlackEnv) -> None:
    emu = slack.emu
    home = _home(slack, "U0BOB")
    click(slack, "U0BOB", home, "open_modal", "task_new|")
    modal = emu.wait_for(lambda: emu.open_views("U0BOB"))[-1]
    assert modal.callback_id == "task_new"
    done = emu.submit_view_inputs("U0BOB", modal.id, {"title": "From home", "tactic": "TAC-4"})
    assert done.outcome == "view closed", done.body
    (task,) = fetch(slack, Task, Task.title == "From home")
    assert task.tactic_id is not None


def test_a_viewer_home_has_nothing_to_do(slack: SlackEnv) -> None:
    home = _home(slack, "U0DAN")
    assert "No open tasks" in flat(home.blocks)  # type: ignore[attr-defined]
    assert "task_done" not in flat(home.blocks)  # type: ignore[attr-defined]


def test_message_shortcut_creates_a_task_keeping_the_permalink(slack: SlackEnv) -> None:
    emu = slack.emu
    emu.user_message("U0CAROL", "C0KAMTEAM", "Please call Dr Weber <!here>\nShe asked about the board.")
    message = emu.messages("C0KAMTEAM")[-1]
    d = emu.message_shortcut("U0BOB", "C0KAMTEAM", message.ts, "task_from_message")
    assert d.status == 200
    modal = emu.wait_for(lambda: emu.open_views("U0BOB"))[-1]
    title = next(b for b in modal.blocks if b.get("block_id") == "title")
    assert title["element"]["initial_value"] == "Please call Dr Weber <!here>"
    notes = next(b for b in modal.blocks if b.get("block_id") == "notes")
    assert "She asked about the board." in notes["element"]["initial_value"]
    linked = emu.wait_for(
        lambda: "a Slack message" in flat((emu.view(modal.id) or modal).blocks) and emu.view(modal.id),
        message="the permalink added by views.update",
    )
    assert emu.calls_to("chat.getPermalink") and emu.calls_to("views.update")
    permalink = emu.calls_to("chat.getPermalink")[-1].response["permalink"]
    assert "tactic" in {b.get("block_id") for b in linked.blocks}  # no tactic yet: the user picks one
    done = emu.submit_view_inputs("U0BOB", modal.id, {"tactic": "TAC-3", "assignee": "U0BOB"})
    assert done.outcome == "view closed", done.body
    (task,) = fetch(slack, Task, Task.title == "Please call Dr Weber <!here>")
    assert task.source_permalink == permalink
    card = ask(slack, "U0BOB", task.ref)
    assert f"<{permalink}|Original message>" in flat(card.blocks)
    assert "Please call Dr Weber &lt;!here&gt;" in flat(card.blocks)


def test_assignment_sends_a_dm_with_buttons_through_the_outbox(slack: SlackEnv) -> None:
    emu = slack.emu
    ask(slack, "U0BOB", "task assign TSK-11 <@U0CAROL>")
    im = emu.wait_for(lambda: emu.im_channel("U0CAROL"))
    dm = emu.wait_for(lambda: emu.messages(im))[-1]
    assert dm.text.startswith("<@U0BOB> assigned you TSK-11: Book venue for the advisory board")
    actions = {e.get("action_id") for b in dm.blocks for e in b.get("elements", []) if "action_id" in e}
    assert {"task_done", "task_start", "task_assign_me", "task_menu"} <= actions
    (queued,) = emu.wait_for(
        lambda: [m for m in fetch(slack, OutboxMessage) if m.sent_at is not None], message="marked sent"
    )
    assert queued.method == "dm" and queued.payload["user"] == "U0CAROL"
    ask(slack, "U0BOB", "task assign TSK-11 <@U0CAROL>")  # already Carol's: no second DM
    newest(slack, "U0BOB", "TSK-11")
    assert len(fetch(slack, OutboxMessage)) == 1 and len(emu.messages(im)) == 1
