"""Private plans stay private (product.md §5) in the services and read models: assignments, digest scopes
and labels, digest content, measure labels of hidden objectives in exports and reports — on the demo
workspace, where AP-4 "Rigshospitalet Access" is private to U0BOB (owner) and U0ALICE (participant,
admin); U0CAROL is a manager and U0DAN a viewer, neither may see it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

import kam_core.rollup as rollup_package
from kam_core.actor import Actor
from kam_core.demo import seed_demo
from kam_core.digests.content import RollupDigest, SprintDigest, build_digest
from kam_core.enums import DigestKind, ScopeType, Source
from kam_core.errors import InvalidInput, NotAllowed
from kam_core.exports import build_export
from kam_core.models import DigestSubscription, Member, Plan, Task, Workspace
from kam_core.reports import show_text, why_text
from kam_core.rollup import rollup_plans
from kam_core.rollup.explain import measure_text
from kam_core.services import objectives, plans, subscriptions, tactics, tasks
from kam_core.services.common import new_record
from kam_core.views import OPEN, task_rows, view_for
from tests.factories import new_team_id

TODAY = date(2026, 12, 4)
SECRET_LABEL = "hospitals incl. Charité merger"


class Demo:
    def __init__(self, session: Session) -> None:
        self.session = session
        team = new_team_id()
        seed_demo(session, team_id=team, today=TODAY)
        self.workspace_id = session.scalars(select(Workspace.id).where(Workspace.team_id == team)).one()

    def actor(self, user: str) -> Actor:
        member = self.session.scalars(
            select(Member).where(Member.workspace_id == self.workspace_id, Member.slack_user_id == user)
        ).one()
        return Actor(member, Source.COMMAND)

    def legacy_subscription(
        self, scope_type: ScopeType, scope_id: int, kind: DigestKind
    ) -> DigestSubscription:
        """A subscription as one could be made before private plans were refused."""
        bob = self.actor("U0BOB")
        sub = new_record(
            self.session,
            bob,
            DigestSubscription(
                channel_id="C0KAMTEAM",
                kind=kind,
                scope_type=scope_type,
                scope_id=scope_id,
                local_time="09:00",
                timezone="Europe/Berlin",
                weekdays=0b11111,
                created_by_id=bob.id,
                active=True,
            ),
        )
        self.session.flush()
        return sub

    def plan_id(self, ref: str) -> int:
        return next(
            p.id
            for p in self.session.scalars(select(Plan).where(Plan.workspace_id == self.workspace_id))
            if p.ref == ref
        )

    def secret_measure(self) -> None:
        objectives.set_objective_measure(
            session=self.session,
            actor=self.actor("U0BOB"),
            ref="OBJ-7",
            current=1,
            target=5,
            label=SECRET_LABEL,
        )
        self.session.flush()


@pytest.fixture
def demo(session: Session) -> Demo:
    return Demo(session)


# ---------------------------------------------------------------- assignments


@pytest.mark.parametrize("user", ["U0CAROL", "U0DAN"])
def test_assigning_a_private_plans_task_to_someone_who_cannot_see_it_is_refused(
    demo: Demo, user: str
) -> None:
    bob = demo.actor("U0BOB")
    with pytest.raises(InvalidInput) as refused:
        tasks.assign_task(session=demo.session, actor=bob, ref="TSK-27", assignee=user)
    assert refused.value.errors == {
        "assignee": f"<@{user}> cannot see AP-4 (private): add them as a participant first"
    }
    with pytest.raises(InvalidInput) as refused:
        tasks.add_task(
            session=demo.session, actor=bob, data={"tactic": "TAC-8", "title": "X", "assignee": user}
        )
    assert "cannot see AP-4 (private)" in refused.value.errors["assignee"]


def test_a_participant_may_be_assigned_and_a_new_participant_too(demo: Demo) -> None:
    bob = demo.actor("U0BOB")
    alice = demo.actor("U0ALICE")
    change = tasks.assign_task(session=demo.session, actor=alice, ref="TSK-27", assignee="U0BOB")
    assert change.assigned_to is not None and change.assigned_to.slack_user_id == "U0BOB"
    plans.add_participant(session=demo.session, actor=bob, ref="AP-4", user="U0CAROL")
    change = tasks.assign_task(session=demo.session, actor=bob, ref="TSK-27", assignee="U0CAROL")
    assert change.assigned_to is not None and change.assigned_to.slack_user_id == "U0CAROL"
    # a workspace-visible plan's task goes to anyone, as before
    tasks.assign_task(session=demo.session, actor=bob, ref="TSK-11", assignee="U0DAN")


def test_a_tactic_of_a_private_plan_is_owned_only_by_someone_who_may_see_it(demo: Demo) -> None:
    with pytest.raises(InvalidInput) as refused:
        tactics.add_tactic(
            session=demo.session,
            actor=demo.actor("U0BOB"),
            data={"objective": "OBJ-7", "name": "X", "owner": "U0DAN"},
        )
    assert "<@U0DAN> cannot see AP-4 (private)" in refused.value.errors["owner"]


# ---------------------------------------------------------------- a new task's figures, on demand


@pytest.fixture
def rollups(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the rollups built (every rollup loads through kam_core.rollup._load)."""
    calls: list[int] = []
    real = rollup_package._load

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(rollup_package, "_load", counting)
    return calls


def _percents(demo: Demo, plan: str, refs: list[str]) -> dict[str, float]:
    demo.session.flush()
    return rollup_plans(demo.session, demo.workspace_id, [demo.plan_id(plan)]).percents(refs)


@pytest.mark.parametrize(
    ("prepare", "tactic", "plan"),
    [
        (lambda demo: None, "TAC-3", "AP-1"),  # a tactic with tasks, some done
        (lambda demo: None, "TAC-8", "AP-4"),
        (
            lambda demo: tactics.add_tactic(
                session=demo.session,
                actor=demo.actor("U0BOB"),
                data={"objective": "OBJ-2", "name": "Empty", "weight": 3},
            ),
            "TAC-10",
            "AP-1",
        ),  # an empty, heavier tactic: 0 tasks -> 1
        (
            lambda demo: objectives.set_objective_status(
                session=demo.session, actor=demo.actor("U0BOB"), ref="OBJ-2", status="deferred"
            ),
            "TAC-3",
            "AP-1",
        ),  # its objective is left out of the plan
    ],
)
def test_adding_a_task_builds_no_rollup_until_its_figures_are_asked_for(
    demo: Demo, rollups: list[int], prepare: Callable[[Demo], object], tactic: str, plan: str
) -> None:
    prepare(demo)
    bob = demo.actor("U0BOB")
    objective = f"OBJ-{tactics.get_tactic(session=demo.session, actor=bob, ref=tactic).objective.number}"
    refs = [tactic, objective, plan]
    expected_before = _percents(demo, plan, refs)
    rollups.clear()
    change = tasks.add_task(session=demo.session, actor=bob, data={"tactic": tactic, "title": "New"})
    assert rollups == []  # nothing computed for a caller that does not ask
    expected_after = _percents(demo, plan, refs)
    rollups.clear()
    assert change.before == pytest.approx(expected_before)
    assert change.after == pytest.approx(expected_after)
    assert [r for r, _, _ in change.moves()] == refs
    assert len(rollups) == 2  # asked for: before (without the new task) and after, by the engine's rules


# ---------------------------------------------------------------- digests


def test_a_channel_digest_of_a_private_plan_is_refused(demo: Demo) -> None:
    data = {
        "channel_id": "C0KAMTEAM",
        "kind": "rollup",
        "scope_type": "plan",
        "scope": "AP-4",
        "local_time": "09:00",
        "timezone": "Europe/Berlin",
        "weekdays": [0, 1, 2, 3, 4],
    }
    with pytest.raises(InvalidInput) as refused:
        subscriptions.subscribe(session=demo.session, actor=demo.actor("U0BOB"), data=data)
    assert (
        "AP-4 is a private plan: its digest would show it to everyone in the channel"
        in refused.value.errors["scope"]
    )
    with pytest.raises(NotAllowed):  # someone who may not see it is told no more than that
        subscriptions.subscribe(session=demo.session, actor=demo.actor("U0CAROL"), data=data)
    sub = subscriptions.subscribe(
        session=demo.session, actor=demo.actor("U0BOB"), data={**data, "scope": "AP-1"}
    )
    assert sub.scope_type is ScopeType.PLAN


def test_scope_labels_name_only_what_the_reader_may_see(demo: Demo) -> None:
    sub = demo.legacy_subscription(ScopeType.PLAN, demo.plan_id("AP-4"), DigestKind.ROLLUP)
    for user in ("U0CAROL", "U0DAN"):
        assert subscriptions.scope_label(demo.session, demo.actor(user), sub) == "AP-4 (a private plan)"
    for user in ("U0BOB", "U0ALICE"):
        assert subscriptions.scope_label(demo.session, demo.actor(user), sub) == "AP-4 Rigshospitalet Access"
    bob = demo.actor("U0BOB")
    mine = demo.legacy_subscription(ScopeType.MEMBER, bob.id, DigestKind.SPRINT)
    assert subscriptions.scope_label(demo.session, demo.actor("U0DAN"), mine) == "Bob Brandt's work"


def test_previewing_requires_seeing_the_scope(demo: Demo) -> None:
    sub = demo.legacy_subscription(ScopeType.PLAN, demo.plan_id("AP-4"), DigestKind.ROLLUP)
    with pytest.raises(NotAllowed, match="AP-4 is a private plan"):
        subscriptions.require_view_scope(demo.session, demo.actor("U0DAN"), sub)
    subscriptions.require_view_scope(demo.session, demo.actor("U0BOB"), sub)


def test_a_rollup_digest_never_names_a_private_plan(demo: Demo) -> None:
    from bot.blocks.digest import messages

    sub = demo.legacy_subscription(ScopeType.PLAN, demo.plan_id("AP-4"), DigestKind.ROLLUP)
    digest = build_digest(demo.session, sub, TODAY, None)
    assert isinstance(digest, RollupDigest)
    assert digest.title == "AP-4 · a private plan — rollup"
    rendered = str([(card.text, card.blocks) for card in messages(digest, sub.ref)])
    assert "Rigshospitalet" not in rendered and "Tender" not in rendered


def test_a_members_work_digest_counts_only_the_tasks_it_may_show(demo: Demo) -> None:
    from bot.blocks.digest import messages

    alice = demo.actor("U0ALICE")  # assigned TSK-27 in AP-4
    sub = demo.legacy_subscription(ScopeType.MEMBER, alice.id, DigestKind.SPRINT)
    digest = build_digest(demo.session, sub, TODAY, None)
    assert isinstance(digest, SprintDigest)
    mine = task_rows(
        demo.session,
        demo.workspace_id,
        (Task.assignee_id == alice.id) & Task.status.in_(OPEN),
        {},
    )
    shown = [r for r in mine if r.plan_ref != "AP-4"]
    assert len(shown) < len(mine)
    assert sum(n for _, n in digest.load) == len(shown)
    assert digest.private_left_out >= 1
    rendered = str([(card.text, card.blocks) for card in messages(digest, sub.ref)])
    assert "Align with market access" not in rendered and "of private plans left out" in rendered


# ---------------------------------------------------------------- measure labels of hidden objectives


def test_measure_text_without_the_label_keeps_the_figures(demo: Demo) -> None:
    demo.secret_measure()
    node = view_for(demo.session, demo.actor("U0BOB"), "OBJ-7", TODAY).root
    assert measure_text(node) == f"1 of 5 {SECRET_LABEL} (20%)"
    assert measure_text(node, label=False) == "1 of 5 (20%)"


def test_goal_export_and_reports_hide_the_label_of_a_hidden_objective(demo: Demo) -> None:
    demo.secret_measure()
    carol, bob = demo.actor("U0CAROL"), demo.actor("U0BOB")
    table = build_export(demo.session, carol, "BO-7", TODAY)
    row = next(r for r in table.rows if r[0] == "OBJ-7")
    columns = dict(zip(table.columns, row, strict=True))
    assert columns["Name"] == "(an objective in a private plan)"
    assert (
        columns["Measure label"] == ""
        and columns["Measure current"] == "1"
        and columns["Measure target"] == "5"
    )
    assert SECRET_LABEL not in table.csv_text()
    own = build_export(demo.session, bob, "BO-7", TODAY)
    assert SECRET_LABEL in own.csv_text()
    for text in (show_text(demo.session, carol, "BO-7", TODAY), why_text(demo.session, carol, "BO-7", TODAY)):
        assert SECRET_LABEL not in text and "Tender" not in text
    assert SECRET_LABEL in show_text(demo.session, bob, "BO-7", TODAY)
