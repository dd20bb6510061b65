from tests.slack.conftest import SlackEnv


def test_help_and_plan_card(slack: SlackEnv) -> None:
    delivery = slack.command("U0BOB", "help")
    assert delivery.status == 200
    help_msg = slack.emu.wait_for(lambda: slack.emu.ephemerals("C0KAMTEAM", "U0BOB"))
    assert "KAM bot" in str(help_msg[-1].blocks)
    slack.command("U0BOB", "plan show AP-1")
    card = slack.emu.wait_for(
        lambda: (
            len(slack.emu.ephemerals("C0KAMTEAM", "U0BOB")) >= 2
            and slack.emu.ephemerals("C0KAMTEAM", "U0BOB")[-1]
        )
    )
    text = str(card.blocks)
    assert "AP-1 · Charité Oncology 2027" in text
    assert "OBJ-1" in text
