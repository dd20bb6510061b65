"""Private plans in Slack (product.md §5): nothing of AP-4 "Rigshospitalet Access" (private to U0BOB, the
owner, and U0ALICE, participant and admin) reaches a channel or a person who may not see it — shared
cards, cards updated in a channel, assignment DMs, digest commands, goal cards; refusals say why."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from bot.context import Deps, KamRequest
from bot.listeners import views as submissions
from kam_core.actor import Actor
from kam_core.db import session_scope
from kam_core.enums import DigestKind, ScopeType, Source
from kam_core.models import DigestSubscription, Member, OutboxMessage, Plan, Task
from kam_core.services import objectives, plans, sprints
from kam_core.services.common import new_record
from tests.slack.conftest import SlackEnv
from tests.slack.support import (
    CHANNEL,
    answer_text,
    ask,
    click,
    fetch,
    find_button,
    flat,
    menu,
    newest,
    task_status,
    workspace_id,
)

SECRETS = ("Rigshospitalet", "Tender", "market access", "pricing scenarios")
LABEL = "hospitals incl. Charité merger"


def _as(slack: SlackEnv, session: Any, user: str) -> Actor:
    member = session.scalars(
        select(Member).where(Member.workspace_id == workspace_id(slack), Member.slack_user_id == user)
    ).one()
    return Actor(member, Source.CLI)


def _leaks(payload: Any) -> list[str]:
    text = flat(payload)
    return [s for s in (*SECRETS, LABEL) if s in text]


def _share(slack: SlackEnv, user: str, value: str) -> None:
    """Click "Share in channel" (value "AP-4" or "why|BO-7") on a card the user was shown."""
    kind, _, ref = value.rpartition("|")
    card = ask(slack, user, f"why {ref}" if kind == "why" else ref)
    click(slack, user, card, "share_card", value)


def _in_sprint(slack: SlackEnv) -> None:
    with session_scope(slack.session_factory) as session:
        sprints.add_tactic_to_sprint(
            session=session, actor=_as(slack, session, "U0ALICE"), sprint="SPR-1", tactic="TAC-8"
        )


def _secret_measure(slack: SlackEnv) -> None:
    with session_scope(slack.session_factory) as session:
        objectives.set_objective_measure(
            session=session, actor=_as(slack, session, "U0BOB"), ref="OBJ-7", current=1, target=5, label=LABEL
        )


# ---------------------------------------------------------------- sharing in a channel


def test_sharing_a_private_plan_or_anything_in_it_is_refused_with_the_reason(slack: SlackEnv) -> None:
    for value, said in (
        ("AP-4", "AP-4 is a private plan: it cannot be shared in a channel"),
        ("OBJ-7", "OBJ-7 is in AP-4, a private plan: it cannot be shared in a channel"),
        ("TAC-8", "TAC-8 is in AP-4, a private plan"),
        ("why|AP-4", "AP-4 is a private plan"),
    ):
        _share(slack, "U0BOB", value)
        told = newest(slack, "U0BOB", said)
        assert "everyone could see it" in told.text
    assert not slack.emu.messages(CHANNEL)


def test_a_shared_goal_card_hides_private_plans_whoever_shares_it(slack: SlackEnv) -> None:
    _secret_measure(slack)
    own = ask(slack, "U0ALICE", "goal show BO-7")  # Alice, an admin, sees it all herself
    assert "Tender readiness" in flat(own.blocks) and LABEL in flat(own.blocks)
    click(slack, "U0ALICE", own, "share_card", "BO-7")
    posted = slack.emu.wait_for(lambda: slack.emu.messages(CHANNEL))[-1]
    assert "<@U0ALICE> shared BO-7" in posted.text
    assert "an objective in a private plan" in flat(posted.blocks)
    assert "1 of 5" in flat(posted.blocks)  # the figures stay, the label goes
    assert _leaks(posted.text) == [] and _leaks(posted.blocks) == []
    open_buttons = [e for b in posted.blocks for e in [b.get("accessory") or {}] if e.get("value") == "OBJ-7"]
    assert open_buttons == []


def test_a_shared_why_card_hides_private_plans(slack: SlackEnv) -> None:
    _share(slack, "U0ALICE", "why|BO-7")
    posted = slack.emu.wait_for(lambda: slack.emu.messages(CHANNEL))[-1]
    assert "Why BO-7" in posted.text and "an objective in a private plan" in flat(posted.blocks)
    assert _leaks(posted.blocks) == []


def test_a_shared_sprint_card_drops_private_tasks_also_when_updated_in_the_channel(slack: SlackEnv) -> None:
    _in_sprint(slack)
    own = ask(slack, "U0ALICE", "sprint show SPR-1")
    assert "Tender pricing scenarios" in flat(own.blocks) and "*Open tasks* (13)" in flat(own.blocks)
    click(slack, "U0ALICE", own, "share_card", "SPR-1")
    posted = slack.emu.wait_for(lambda: slack.emu.messages(CHANNEL))[-1]
    assert "TAC-8" in flat(posted.blocks) and "a tactic in a private plan" in flat(posted.blocks)
    assert "*Open tasks* (12)" in flat(posted.blocks) and _leaks(posted.blocks) == []
    # paging and clicks on the shared card update it for the channel, not as the clicker sees it

    def edited(needle: str) -> Any:
        return slack.emu.wait_for(
            lambda: (
                (m := slack.emu.message(CHANNEL, posted.ts)) is not None and needle in flat(m.blocks) and m
            ),
            message=f"the shared card updated with {needle!r}",
        )

    click(slack, "U0ALICE", posted, "page", "sprint|SPR-1|2")
    second = edited("Page 2 of 2")
    assert "TSK-27" not in flat(second.blocks) and _leaks(second.blocks) == []
    done = find_button(second.blocks, "task_done")
    click(slack, "U0ALICE", second, "task_done", done["value"])
    updated = edited(f"~*{done['value']}*")
    assert task_status(slack, done["value"]) == "completed"
    assert "TSK-27" not in flat(updated.blocks) and _leaks(updated.blocks) == []


# ---------------------------------------------------------------- assignment


def test_assigning_a_private_task_to_someone_who_cannot_see_it_says_what_to_do(slack: SlackEnv) -> None:
    told = answer_text(ask(slack, "U0BOB", "task assign TSK-27 <@U0DAN>"))
    assert "<@U0DAN> cannot see AP-4 (private): add them as a participant first" in told
    assert slack.emu.im_channel("U0DAN") is None  # no DM
    (task,) = fetch(slack, Task, Task.number == 27)
    (dan,) = fetch(slack, Member, Member.slack_user_id == "U0DAN")
    assert task.assignee_id != dan.id


def test_the_reassign_form_shows_the_refusal_under_the_assignee(slack: SlackEnv) -> None:
    emu = slack.emu
    card = ask(slack, "U0BOB", "tactic show TAC-8")
    menu(slack, "U0BOB", card, "reassign|TSK-27")
    modal = emu.wait_for(lambda: emu.open_views("U0BOB"))[-1]
    emu.submit_view_inputs("U0BOB", modal.id, {"assignee": "U0CAROL"})
    view = emu.view(modal.id)
    assert view is not None and not view.closed
    assert "cannot see AP-4 (private): add them as a participant first" in view.errors.get("assignee", "")
    assert emu.im_channel("U0CAROL") is None


def test_the_assignment_dm_is_the_assignees_own_card(slack: SlackEnv) -> None:
    with session_scope(slack.session_factory) as session:
        plans.add_participant(session=session, actor=_as(slack, session, "U0BOB"), ref="AP-4", user="U0CAROL")
    ask(slack, "U0BOB", "task assign TSK-27 <@U0CAROL>")
    im = slack.emu.wait_for(lambda: slack.emu.im_channel("U0CAROL"))
    dm = slack.emu.wait_for(lambda: slack.emu.messages(im))[-1]
    assert "<@U0BOB> assigned you TSK-27" in dm.text
    assert "Rigshospitalet Access" in flat(dm.blocks) and "task_done" in flat(dm.blocks)


# ---------------------------------------------------------------- a new task: the card after the ack


class _Client:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def chat_postEphemeral(self, **kwargs: Any) -> None:
        self.calls.append(("chat.postEphemeral", kwargs))


def test_a_new_task_form_builds_no_rollup_before_its_ack(slack: SlackEnv, monkeypatch: Any) -> None:
    import kam_core.rollup as rollup_package

    rollups: list[int] = []
    real = rollup_package._load
    monkeypatch.setattr(rollup_package, "_load", lambda *a, **k: rollups.append(1) or real(*a, **k))
    client = _Client()
    after: list[Any] = []
    body = {
        "view": {
            "private_metadata": json.dumps({"tactic": "TAC-3", "channel": CHANNEL}),
            "state": {
                "values": {
                    "title": {"title": {"type": "plain_text_input", "value": "Book the venue"}},
                    "assignee": {"assignee": {"type": "users_select", "selected_user": "U0CAROL"}},
                }
            },
        }
    }
    deps = Deps(slack.session_factory, outbox=None)
    with session_scope(slack.session_factory) as session:
        req = KamRequest(session, _as(slack, session, "U0BOB"), body, client, {}, deps, after=after)  # type: ignore[arg-type]
        submissions.task_new(req)
        assert rollups == []  # everything before the ack: the task, its audit, the DM in the outbox
        dm = session.scalars(
            select(OutboxMessage).where(OutboxMessage.workspace_id == req.actor.workspace_id)
        ).all()[-1]
        assert dm is not None and "assigned you" in json.dumps(dm.payload)
    req.committed = True
    for work in after:
        work()
    assert rollups  # the announcement's card, after the commit and the ack
    ((method, sent),) = client.calls
    assert method == "chat.postEphemeral" and "has a new task" in sent["text"] and "TAC-3" in sent["text"]


# ---------------------------------------------------------------- digests


def _legacy_subscription(slack: SlackEnv) -> str:
    """A digest of AP-4 as one could be made before such subscriptions were refused."""
    with session_scope(slack.session_factory) as session:
        bob = _as(slack, session, "U0BOB")
        plan = session.scalars(
            select(Plan).where(Plan.workspace_id == bob.workspace_id, Plan.number == 4)
        ).one()
        sub = new_record(
            session,
            bob,
            DigestSubscription(
                channel_id=CHANNEL,
                kind=DigestKind.ROLLUP,
                scope_type=ScopeType.PLAN,
                scope_id=plan.id,
                local_time="09:00",
                timezone="Europe/Berlin",
                weekdays=0b11111,
                created_by_id=bob.id,
                active=True,
            ),
        )
        session.flush()
        return sub.ref


def test_digest_list_and_preview_of_a_private_plan(slack: SlackEnv) -> None:
    ref = _legacy_subscription(slack)
    listing = answer_text(ask(slack, "U0DAN", "digest list"))
    assert f"{ref}" in listing and "AP-4 (a private plan)" in listing and _leaks(listing) == []
    assert "Rigshospitalet Access" in answer_text(ask(slack, "U0BOB", "digest list"))
    refused = answer_text(ask(slack, "U0DAN", f"digest preview {ref}"))
    assert "AP-4 is a private plan" in refused and "Preview of" not in refused
    own = answer_text(ask(slack, "U0BOB", f"digest preview {ref}"))
    assert f"Preview of {ref}" in own and "AP-4 · a private plan — rollup" in own  # the channel's view
    assert "Rigshospitalet" not in own


def test_subscribing_a_channel_to_a_private_plan_is_refused_under_the_field(slack: SlackEnv) -> None:
    emu = slack.emu
    card = ask(slack, "U0BOB", "plan show AP-4")
    click(slack, "U0BOB", card, "subscribe_channel", "AP-4")
    modal = emu.wait_for(lambda: emu.open_views("U0BOB"))[-1]
    emu.submit_view_inputs("U0BOB", modal.id, {"kind": "rollup"})
    view = emu.view(modal.id)
    assert view is not None and not view.closed
    assert "AP-4 is a private plan: its digest would show it to everyone" in view.errors.get("scope", "")
    with session_scope(slack.session_factory) as session:
        count = session.scalars(
            select(DigestSubscription).where(DigestSubscription.workspace_id == workspace_id(slack))
        ).all()
        assert len(count) == 2  # the demo's two


def test_the_subscription_confirmation_escapes_the_scope(slack: SlackEnv) -> None:
    with session_scope(slack.session_factory) as session:
        plans.update_plan(
            session=session,
            actor=_as(slack, session, "U0BOB"),
            ref="AP-1",
            data={"name": "Ops <!channel> & co"},
        )
    emu = slack.emu
    before = len(emu.ephemerals(CHANNEL, "U0BOB"))
    card = ask(slack, "U0BOB", "plan show AP-1")
    click(slack, "U0BOB", card, "subscribe_channel", "AP-1")
    modal = emu.wait_for(lambda: emu.open_views("U0BOB"))[-1]
    assert emu.submit_view_inputs("U0BOB", modal.id, {"kind": "rollup"}).outcome == "view closed"
    note = newest(slack, "U0BOB", "will post in", after=before + 1)
    assert "Ops &lt;!channel&gt; &amp; co" in note.text and "<!channel>" not in note.text
