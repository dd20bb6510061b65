"""Members are created on first contact from the database alone; their name, email and time zone come
from users.info after the request is acknowledged, so a slow or failing users.info never costs an answer."""

from __future__ import annotations

from sqlalchemy import select

from kam_core.db import session_scope
from kam_core.models import Member, Workspace
from slackemu import User
from tests.slack.conftest import SlackEnv
from tests.slack.support import ask


def _member(slack: SlackEnv, user_id: str) -> Member | None:
    with session_scope(slack.session_factory) as session:
        ws = session.scalars(select(Workspace.id).where(Workspace.team_id == slack.team_id)).one()
        return session.scalars(
            select(Member).where(Member.workspace_id == ws, Member.slack_user_id == user_id)
        ).one_or_none()


def test_a_new_member_gets_an_answer_first_and_a_profile_after(slack: SlackEnv) -> None:
    slack.emu.add_user(
        User(id="U0ERIN", name="erin", real_name="Erin Ek", email="erin@acme.example", tz="Europe/Stockholm")
    )
    for channel in ("C0KAMTEAM",):
        slack.emu.update_channel(channel, members=set(slack.emu.channel(channel).members) | {"U0ERIN"})
    answer = ask(slack, "U0ERIN", "help")
    assert "KAM bot" in answer.text or answer.blocks
    member = slack.emu.wait_for(
        lambda: (_member(slack, "U0ERIN") or Member()).name == "Erin Ek" and _member(slack, "U0ERIN")
    )
    assert (member.email, member.tz) == ("erin@acme.example", "Europe/Stockholm")
    info_calls = [c for c in slack.emu.calls_to("users.info") if c.params.get("user") == "U0ERIN"]
    assert len(info_calls) == 1


def test_a_failing_users_info_does_not_fail_the_request(slack: SlackEnv) -> None:
    slack.emu.add_user(User(id="U0FRED", name="fred", real_name="Fred Fox"))
    slack.emu.update_channel("C0KAMTEAM", members=set(slack.emu.channel("C0KAMTEAM").members) | {"U0FRED"})
    slack.emu.server_error_next("users.info", status=500, times=5)
    answer = ask(slack, "U0FRED", "my")
    assert "open task" in answer.text.lower() or "nothing open" in str(answer.blocks).lower()
    member = _member(slack, "U0FRED")
    assert member is not None and member.name == ""  # created; the profile waits for the next contact
