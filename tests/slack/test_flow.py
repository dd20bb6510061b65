from datetime import date, timedelta

from tests.slack.conftest import SlackEnv


def test_task_modal_error_then_create_then_done(slack: SlackEnv) -> None:
    emu = slack.emu
    slack.command("U0BOB", "task add TAC-3 Call the pharmacy")
    modal = emu.wait_for(lambda: emu.open_views("U0BOB"))[-1]
    assert modal.callback_id == "task_new"
    far = (date.today() + timedelta(days=900)).isoformat()
    d = emu.submit_view_inputs(
        "U0BOB", modal.id, {"title": "Call the pharmacy", "due_date": far, "assignee": "U0CAROL"}
    )
    assert d.status == 200, d.body
    view = emu.view(modal.id)
    assert view is not None and "due_date" in view.errors, (d.body, view.errors if view else None)
    ok = emu.submit_view_inputs("U0BOB", modal.id, {"due_date": date.today().isoformat()})
    assert ok.status == 200 and not emu.open_views("U0BOB"), ok.body
    # the assignee gets a DM through the outbox
    dm = emu.wait_for(lambda: emu.im_channel("U0CAROL") and emu.messages(emu.im_channel("U0CAROL")))
    assert "assigned you" in dm[-1].text
    # the tactic card is shown to Bob; click Done on the new task
    card = emu.wait_for(
        lambda: [e for e in emu.ephemerals("C0KAMTEAM", "U0BOB") if "TAC-3" in str(e.blocks)]
    )[-1]
    new_ref = next(
        b["block_id"].split("@")[0].split(":")[1]
        for b in card.blocks
        if b.get("block_id", "").startswith("task:") and "Call the pharmacy" in str(b)
    )
    emu.click_button("U0BOB", card, "task_done", value=new_ref)
    updated = emu.wait_for(
        lambda: (
            "→" in str(emu.ephemerals("C0KAMTEAM", "U0BOB")[-1].blocks)
            and emu.ephemerals("C0KAMTEAM", "U0BOB")[-1]
        )
    )
    assert "TAC-3" in str(updated.blocks) and "AP-1" in str(updated.blocks)
