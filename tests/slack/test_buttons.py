"""Every button: task rows (Done, Start, Assign to me, Reopen, ⋯ Block… / Skip / Reassign… with their
modals), card buttons (Open, Why, Share, Add…, paging): the card is updated in place and shows the rollup
change `TAC-x a% → b% · OBJ-y … · AP-z …`."""

from __future__ import annotations

from kam_core.db import session_scope
from kam_core.models import Member, Objective, Task
from kam_core.services import tasks
from tests.slack.conftest import SlackEnv
from tests.slack.support import (
    answer_text,
    ask,
    audit_count,
    click,
    fetch,
    flat,
    menu,
    newest,
    refreshed,
    task_status,
)


def test_done_updates_the_card_in_place_with_the_rollup_change(slack: SlackEnv) -> None:
    card = ask(slack, "U0BOB", "tactic show TAC-3")
    audits = audit_count(slack)
    click(slack, "U0BOB", card, "task_done", "TSK-9")
    updated = refreshed(slack, card, "TAC-3 20% → 40%")
    text = flat(updated.blocks)
    assert "OBJ-2 20% → 40%" in text and "AP-1 28% → 3" in text
    assert "☑ ~*TSK-9* Call Dr Weber about the advisory board~" in text
    assert task_status(slack, "TSK-9") == "completed"
    assert audit_count(slack) == audits + 1
    assert len(slack.emu.ephemerals("C0KAMTEAM", "U0BOB")) == 1  # replaced, not a new message


def test_start_and_reopen(slack: SlackEnv) -> None:
    card = ask(slack, "U0BOB", "tactic show TAC-1")
    click(slack, "U0BOB", card, "task_start", "TSK-5")
    refreshed(slack, card, "◐ *TSK-5*")
    assert task_status(slack, "TSK-5") == "in_progress"
    click(slack, "U0BOB", card, "task_reopen", "TSK-1")
    updated = refreshed(slack, card, "TAC-1 40% → 20%")
    assert "☐ *TSK-1*" in flat(updated.blocks)
    assert task_status(slack, "TSK-1") == "not_started"


def test_assign_to_me(slack: SlackEnv) -> None:
    card = ask(slack, "U0BOB", "tactic show TAC-3")
    click(slack, "U0BOB", card, "task_assign_me", "TSK-11")
    refreshed(slack, card, "TAC-3 20% → 20%")
    (task,) = fetch(slack, Task, Task.number == 11)
    (bob,) = fetch(slack, Member, Member.slack_user_id == "U0BOB")
    assert task.assignee_id == bob.id
    assert slack.emu.im_channel("U0BOB") is None  # nobody is told about assigning themselves


def test_overflow_skip(slack: SlackEnv) -> None:
    card = ask(slack, "U0BOB", "tactic show TAC-3")
    menu(slack, "U0BOB", card, "skip|TSK-10")
    updated = refreshed(slack, card, "TAC-3 20% → 25%")
    assert "⊘ ~*TSK-10*" in flat(updated.blocks)
    assert task_status(slack, "TSK-10") == "skipped"


def test_overflow_block_opens_a_modal_then_updates_the_card(slack: SlackEnv) -> None:
    emu = slack.emu
    card = ask(slack, "U0BOB", "tactic show TAC-3")
    menu(slack, "U0BOB", card, "block|TSK-9")
    modal = emu.wait_for(lambda: emu.open_views("U0BOB"))[-1]
    assert modal.callback_id == "task_block" and "TSK-9" in flat(modal.blocks)
    assert task_status(slack, "TSK-9") == "not_started"  # nothing changes until submitted
    done = emu.submit_view_inputs("U0BOB", modal.id, {"reason": "waiting for <!here> to reply"})
    assert done.outcome == "view closed", done.body
    updated = refreshed(slack, card, "blocked: waiting for &lt;!here&gt; to reply")
    assert "TAC-3 20% → 20%" in flat(updated.blocks)
    (task,) = fetch(slack, Task, Task.number == 9)
    assert task.status.value == "blocked" and task.blocked_reason == "waiting for <!here> to reply"


def test_overflow_reassign_opens_a_modal_dms_the_assignee_and_updates_the_card(slack: SlackEnv) -> None:
    emu = slack.emu
    card = ask(slack, "U0BOB", "tactic show TAC-3")
    menu(slack, "U0BOB", card, "reassign|TSK-9")
    modal = emu.wait_for(lambda: emu.open_views("U0BOB"))[-1]
    assert modal.callback_id == "task_reassign"
    assignee = next(b for b in modal.blocks if b.get("block_id") == "assignee")
    assert assignee["element"]["initial_user"] == "U0BOB"  # the current assignee is preselected
    assert emu.submit_view_inputs("U0BOB", modal.id, {"assignee": "U0CAROL"}).outcome == "view closed"
    refreshed(slack, card, "<@U0CAROL>")
    dm = emu.wait_for(lambda: emu.im_channel("U0CAROL") and emu.messages(emu.im_channel("U0CAROL")))
    assert "<@U0BOB> assigned you TSK-9" in dm[-1].text
    assert "task_done" in flat(dm[-1].blocks)


def test_buttons_on_the_assignment_dm_update_the_dm(slack: SlackEnv) -> None:
    emu = slack.emu
    ask(slack, "U0BOB", "task assign TSK-11 <@U0CAROL>")
    im = emu.wait_for(lambda: emu.im_channel("U0CAROL"))
    dm = emu.wait_for(lambda: emu.messages(im))[-1]
    click(slack, "U0CAROL", dm, "task_start", "TSK-11")
    emu.wait_for(lambda: "◐ *TSK-11*" in flat((emu.message(im, dm.ts) or dm).blocks), message="DM updated")
    updated = emu.message(im, dm.ts)
    assert updated is not None and "assigned you TSK-11" in flat(updated.blocks)
    assert task_status(slack, "TSK-11") == "in_progress"


def test_overflow_block_from_the_dm_confirms_to_the_assignee(slack: SlackEnv) -> None:
    emu = slack.emu
    ask(slack, "U0BOB", "task assign TSK-11 <@U0CAROL>")
    im = emu.wait_for(lambda: emu.im_channel("U0CAROL"))
    dm = emu.wait_for(lambda: emu.messages(im))[-1]
    menu(slack, "U0CAROL", dm, "block|TSK-11")
    modal = emu.wait_for(lambda: emu.open_views("U0CAROL"))[-1]
    assert emu.submit_view_inputs("U0CAROL", modal.id, {"reason": "venue closed"}).outcome == "view closed"
    assert task_status(slack, "TSK-11") == "blocked"
    emu.wait_for(
        lambda: (
            "blocked: venue closed" in flat((emu.message(im, dm.ts) or dm).blocks)
            or [e for e in emu.ephemerals(im, "U0CAROL") if "venue closed" in flat(e.blocks)]
        ),
        message="the assignee sees the blocked task",
    )


def test_open_why_and_add_buttons(slack: SlackEnv) -> None:
    emu = slack.emu
    card = ask(slack, "U0BOB", "plan show AP-1")
    click(slack, "U0BOB", card, "show_card", "OBJ-2")
    objective = newest(slack, "U0BOB", "OBJ-2 · KOL advisory board")
    assert "TSK-9" in flat(objective.blocks)
    click(slack, "U0BOB", card, "why", "AP-1")
    why = newest(slack, "U0BOB", "Why AP-1 is")
    assert "Formula" in answer_text(why)
    click(slack, "U0BOB", card, "open_modal", "objective_new|AP-1")
    modal = emu.wait_for(lambda: emu.open_views("U0BOB"))[-1]
    assert modal.callback_id == "objective_new" and "AP-1" in modal.private_metadata
    emu.close_view("U0BOB")
    click(slack, "U0BOB", objective, "open_modal", "tactic_new|OBJ-2")
    assert emu.wait_for(lambda: emu.open_views("U0BOB"))[-1].callback_id == "tactic_new"
    emu.close_view("U0BOB")
    tactic = ask(slack, "U0BOB", "tactic show TAC-3")
    click(slack, "U0BOB", tactic, "open_modal", "task_new|TAC-3")
    assert emu.wait_for(lambda: emu.open_views("U0BOB"))[-1].callback_id == "task_new"


def test_plans_card_buttons_open_both_forms(slack: SlackEnv) -> None:
    emu = slack.emu
    card = ask(slack, "U0BOB", "plan list")
    click(slack, "U0BOB", card, "open_modal", "tplan_new|")
    assert emu.wait_for(lambda: emu.open_views("U0BOB"))[-1].callback_id == "tplan_new"
    emu.close_view("U0BOB")
    click(slack, "U0BOB", card, "open_modal", "plan_new|")
    assert emu.wait_for(lambda: emu.open_views("U0BOB"))[-1].callback_id == "plan_new"


def test_share_posts_the_card_in_the_channel(slack: SlackEnv) -> None:
    card = ask(slack, "U0BOB", "plan show AP-1")
    click(slack, "U0BOB", card, "share_card", "AP-1")
    posted = slack.emu.wait_for(lambda: slack.emu.messages("C0KAMTEAM"))
    assert "<@U0BOB> shared AP-1" in posted[-1].text
    assert "AP-1 · Charité Oncology 2027" in flat(posted[-1].blocks)


def test_share_where_the_bot_is_not_a_member_explains(slack: SlackEnv) -> None:
    card = ask(slack, "U0BOB", "plan show AP-1", channel="C0NOBOT")
    click(slack, "U0BOB", card, "share_card", "AP-1")
    told = newest(slack, "U0BOB", "Could not share", channel="C0NOBOT")
    assert "/invite" in told.text + flat(told.blocks)
    assert not slack.emu.messages("C0NOBOT")


def test_paging_through_a_long_tactic(slack: SlackEnv) -> None:
    with session_scope(slack.session_factory) as session:
        from kam_core.actor import Actor
        from tests.slack.support import workspace_id

        bob = session.query(Member).filter_by(workspace_id=workspace_id(slack), slack_user_id="U0BOB").one()
        for i in range(12):
            tasks.add_task(session=session, actor=Actor(bob), data={"tactic": "TAC-3", "title": f"Extra {i}"})
    card = ask(slack, "U0BOB", "tactic show TAC-3")
    assert "Page 1 of 3" in flat(card.blocks)
    click(slack, "U0BOB", card, "page", "tactic|TAC-3|2")
    second = refreshed(slack, card, "Page 2 of 3")
    click(slack, "U0BOB", second, "page", "tactic|TAC-3|3")
    third = refreshed(slack, card, "Page 3 of 3")
    click(slack, "U0BOB", third, "page", "tactic|TAC-3|2")
    refreshed(slack, card, "Page 2 of 3")
    # a click on page 2 keeps page 2 and shows the change there
    second = refreshed(slack, card, "Page 2 of 3")
    row = next(
        b for b in second.blocks if b.get("block_id", "").startswith("task:TSK-") and b["type"] == "section"
    )
    ref = row["block_id"].split("@")[0].split(":")[1]
    click(slack, "U0BOB", second, "task_done", ref)
    after = refreshed(slack, card, "→")
    assert "Page 2 of 3" in flat(after.blocks) and f"~*{ref}*" in flat(after.blocks)


def test_objective_card_keeps_a_just_completed_task_in_view(slack: SlackEnv) -> None:
    card = ask(slack, "U0BOB", "objective show OBJ-1")
    click(slack, "U0BOB", card, "task_done", "TSK-4")
    updated = refreshed(slack, card, "TAC-1 40% → 60%")
    assert "~*TSK-4*" in flat(updated.blocks)
    (objective,) = fetch(slack, Objective, Objective.number == 1)
    assert objective is not None


def test_done_on_my_list_keeps_the_task_in_view_with_the_change(slack: SlackEnv) -> None:
    card = ask(slack, "U0BOB", "my")
    click(slack, "U0BOB", card, "task_done", "TSK-4")
    updated = refreshed(slack, card, "TAC-1 40% → 60%")
    assert "☑ ~*TSK-4*" in flat(updated.blocks)
    assert task_status(slack, "TSK-4") == "completed"


def test_subscribe_opens_the_digest_form_for_this_plan(slack: SlackEnv) -> None:
    card = ask(slack, "U0ALICE", "plan show AP-1")
    click(slack, "U0ALICE", card, "subscribe_channel", "AP-1")
    modal = slack.emu.wait_for(lambda: slack.emu.open_views("U0ALICE"))[-1]
    assert modal.callback_id == "digest_subscribe" and "AP-1" in flat(modal.blocks) + modal.private_metadata
