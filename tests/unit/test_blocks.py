"""Every Block Kit builder against Slack's limits (bot.blocks.limits), on realistic and on huge inputs (a
plan with 40 objectives and 500 tasks, names of 5,000 characters, hundreds of search hits): long lists
page or end with "+N more", nothing is ever refused for size. User text is escaped everywhere."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from bot.blocks import modals
from bot.blocks.cards import task_card, tree_card, why_card
from bot.blocks.home import home_view
from bot.blocks.limits import check_message, check_view
from bot.blocks.lists import (
    find_card,
    goals_card,
    help_card,
    message_card,
    my_card,
    plans_card,
    stakeholders_card,
    subscriptions_card,
    usage_card,
)
from bot.commands import SPECS
from kam_core.models import DigestSubscription, Plan, Stakeholder, Task
from kam_core.rollup import rollup_goals, rollup_plans, rollup_sprints
from kam_core.rollup.explain import explain
from kam_core.services import sprints, stakeholders, subscriptions, tasks
from kam_core.services.common import new_record
from kam_core.services.search import Hit
from kam_core.views import TreeView, my_tasks, view_for
from tests.factories import PERIOD, World
from tests.slack.support import flat, mrkdwn_texts

TODAY = date(2026, 6, 1)
LONG = "Ω" * 5000
EVIL = "<!channel> & <@U123>"
ESCAPED = "&lt;!channel&gt; &amp; &lt;@U123&gt;"


@dataclass
class Big:
    session: Session
    world: World
    plan: Plan
    tactic: str  # a tactic with 300 tasks
    sprint: str
    evil_task: str


@pytest.fixture(scope="module")
def big(session_factory: sessionmaker[Session]) -> Iterator[Big]:
    """A plan with 40 objectives, 80 tactics and 500+ tasks, long names, and a task titled EVIL."""
    session = session_factory()
    world = World.create(session)
    kam = world.kam
    plan = world.plan(name="Big plan", participants=["UADMIN"])
    sprint = sprints.create_sprint(
        session=session,
        actor=kam,
        data={"name": "Big sprint", "start_date": TODAY - timedelta(3), "end_date": TODAY + timedelta(10)},
    )
    sprints.start_sprint(session=session, actor=kam, ref=sprint.ref)
    tactic_refs = []
    for i in range(40):
        objective = world.objective(plan, name=f"Objective {i} " + ("long " * 30))
        for j in range(2):
            tactic = world.tactic(objective, name=f"Tactic {i}.{j}", sprint=sprint.ref)
            tactic_refs.append(tactic)
    statuses = ["not_started", "in_progress", "blocked", "completed", "skipped"]
    for n in range(520):
        tactic = tactic_refs[0] if n < 300 else tactic_refs[n % len(tactic_refs)]
        new_record(
            session,
            kam,
            Task(
                tactic_id=tactic.id,
                title=f"Task {n} " + ("x" * (n % 7) * 40),
                status=statuses[n % 5],
                assignee_id=kam.id,
                due_date=TODAY + timedelta(days=n % 40 - 20),
                blocked_reason="waiting " * 20 if n % 5 == 2 else None,
                completed_at=datetime(2026, 5, 1, tzinfo=UTC) if n % 5 == 3 else None,
                completed_by_id=kam.id if n % 5 == 3 else None,
                notes="n" * 3000 if n == 1 else None,
            ),
        )
    evil = tasks.add_task(
        session=session,
        actor=kam,
        data={"tactic": tactic_refs[1].ref, "title": EVIL, "notes": EVIL, "assignee": "UKAM"},
    ).task
    session.flush()
    yield Big(session, world, plan, tactic_refs[0].ref, sprint.ref, evil.ref)
    session.rollback()
    session.close()


def stretched(view: TreeView) -> TreeView:
    """The view with names of 5,000 characters everywhere (longer than any form or column allows)."""
    for node in view.rollup.nodes.values():
        node.name = LONG
    for rows in view.tasks.values():
        for row in rows:
            row.title, row.tactic_name, row.plan_name, row.notes = LONG, LONG, LONG, LONG
            row.blocked_reason = LONG if row.blocked_reason else None
    view.subtitle = LONG
    return view


def ok_message(card: Any) -> None:
    problems = check_message(card.blocks, card.text)
    assert not problems, problems
    assert card.text.strip()


def ok_view(view: dict[str, Any]) -> None:
    problems = check_view(view)
    assert not problems, problems


def no_raw_mentions(*payloads: Any) -> None:
    texts = [t for p in payloads for t in mrkdwn_texts(p)]
    texts += [p.text for p in payloads if hasattr(p, "text")]
    texts += [t for p in payloads if hasattr(p, "blocks") for t in mrkdwn_texts(p.blocks)]
    for text in texts:
        assert "<!channel>" not in text and "<@U123>" not in text, text


# --- cards from kam_core views --------------------------------------------------------------------


@pytest.mark.parametrize("page", [1, 2, 40, 999])
def test_tree_cards_fit_at_any_size_and_page(big: Big, page: int) -> None:
    actor = big.world.kam
    refs = [big.plan.ref, "OBJ-1", big.tactic, "TAC-2", "TAC-3", big.sprint]
    for ref in refs:
        view = view_for(big.session, actor, ref, TODAY)
        card = tree_card(view, page=page)
        ok_message(card)
        no_raw_mentions(card)
        ok_message(tree_card(stretched(view_for(big.session, actor, ref, TODAY)), page=page))
    plan_card = tree_card(view_for(big.session, actor, big.plan.ref, TODAY))
    assert "+28 more" in flat(plan_card.blocks)  # 40 objectives: 12 shown, the rest counted


def test_a_tactic_with_300_tasks_pages(big: Big) -> None:
    view = view_for(big.session, big.world.kam, big.tactic, TODAY)
    first = tree_card(view, page=1)
    assert "Page 1 of 38" in flat(first.blocks)
    last = tree_card(view, page=38)
    assert "Page 38 of 38" in flat(last.blocks) and "Next ›" not in flat(last.blocks)


def test_why_cards_fit(big: Big) -> None:
    actor = big.world.kam
    for ref in (big.plan.ref, "OBJ-1", big.tactic, big.sprint):
        view = view_for(big.session, actor, ref, TODAY)
        card = why_card(view, explain(view.rollup, view.root.ref))
        ok_message(card)
        view = stretched(view_for(big.session, actor, ref, TODAY))
        ok_message(why_card(view, explain(view.rollup, view.root.ref)))
    goals = view_for(big.session, actor, big.plan.ref, TODAY)
    assert "more" in flat(why_card(goals, explain(goals.rollup, goals.root.ref)).blocks)


def test_task_cards_fit_with_huge_text_and_escape(big: Big) -> None:
    rows = {r.ref: r for r in view_for(big.session, big.world.kam, "TAC-2", TODAY).all_tasks()}
    evil = task_card(rows[big.evil_task], TODAY, [("TAC-2", 10.0, 20.0), ("OBJ-1", 5.0, 7.5)])
    ok_message(evil)
    assert ESCAPED in flat(evil.blocks) and ESCAPED in evil.text
    no_raw_mentions(evil)
    for row in rows.values():
        ok_message(task_card(row, TODAY))
    for row in stretched(view_for(big.session, big.world.kam, "TAC-2", TODAY)).all_tasks():
        ok_message(task_card(row, TODAY, [("TAC-2", 10.0, 20.0)]))


def test_my_card_pages_500_tasks(big: Big) -> None:
    rows = my_tasks(big.session, big.world.kam, TODAY, limit=1000)
    assert len(rows) > 300
    ok_message(my_card(stretched(view_for(big.session, big.world.kam, "TAC-2", TODAY)).all_tasks(), TODAY))
    for page in (1, 2, 31, 1000):
        card = my_card(rows, TODAY, page)
        ok_message(card)
    assert "Page 1 of" in flat(my_card(rows, TODAY).blocks)
    overdue_first = [r.overdue(TODAY) for r in rows]
    assert overdue_first == sorted(overdue_first, reverse=True)
    ok_message(my_card([], TODAY))


def test_home_fits_with_hundreds_of_tasks_and_plans(big: Big) -> None:
    actor = big.world.kam
    rows = my_tasks(big.session, actor, TODAY, limit=1000)
    plans = [big.plan] * 120
    rollup = rollup_plans(big.session, actor.workspace_id, [big.plan.id], TODAY)
    sprint_rollup = rollup_sprints(big.session, actor.workspace_id, [1, 2, 3], TODAY)
    flash = {rows[0].ref: [("TAC-1", 1.0, 2.0)]}
    view = home_view(
        name=LONG,
        local_now=datetime(2026, 6, 1, 9, tzinfo=UTC),
        today=TODAY,
        tasks=rows,
        plans=plans,
        plan_rollup=rollup,
        sprint_rollup=sprint_rollup,
        flash=flash,
    )
    ok_view(view)
    assert view["type"] == "home" and "more — `/kam my`" in flat(view)
    ok_view(home_view(name="", local_now=datetime(2026, 6, 1, 20, tzinfo=UTC), today=TODAY, tasks=[],
                      plans=[], plan_rollup=rollup, sprint_rollup=None))  # fmt: skip


# --- lists -----------------------------------------------------------------------------------------


def test_help_and_usage_fit() -> None:
    ok_message(help_card())
    ok_message(usage_card("", [(s.usage, s.summary) for s in SPECS]))
    ok_message(usage_card(LONG, [(LONG, LONG)] * 50))
    ok_message(message_card(LONG * 4))


def test_find_card_with_300_hits_ends_with_more() -> None:
    hits = [Hit(f"TSK-{i}", "task", EVIL + " " + LONG[: i * 10], "AP-1 Plan", "open") for i in range(300)]
    card = find_card(LONG, hits)
    ok_message(card)
    assert "more — add a word" in flat(card.blocks)
    no_raw_mentions(card)
    ok_message(find_card("nothing", []))


def test_plans_card_with_hundreds_of_plans(big: Big) -> None:
    actor = big.world.kam
    rollup = rollup_plans(big.session, actor.workspace_id, [big.plan.id], TODAY)
    plan: Any = SimpleNamespace(ref=big.plan.ref, name=EVIL + LONG, is_private=True, owner=big.plan.owner)
    card = plans_card([plan] * 400, rollup, "all")
    ok_message(card)
    assert "more" in flat(card.blocks) and ESCAPED in flat(card.blocks)
    no_raw_mentions(card)
    ok_message(plans_card([], rollup, "mine"))


def test_goals_card_fits(big: Big) -> None:
    ok_message(goals_card(rollup_goals(big.session, big.world.kam.workspace_id, TODAY)))


def test_stakeholders_and_subscriptions_cards_fit(big: Big) -> None:
    actor = big.world.admin
    plan = big.plan
    stakeholder = stakeholders.add_stakeholder(
        session=big.session, actor=actor, data={"plan": plan.ref, "contact": "C-1", "role": EVIL}
    )
    many: list[Stakeholder] = [stakeholder] * 300
    card = stakeholders_card(plan, many)
    ok_message(card)
    no_raw_mentions(card)
    sub = subscriptions.subscribe(
        session=big.session,
        actor=actor,
        data={
            "channel_id": "C1",
            "kind": "sprint",
            "scope_type": "sprint",
            "scope": big.sprint,
            "local_time": "09:00",
            "timezone": "Europe/Berlin",
        },
    )
    subs: list[DigestSubscription] = [sub] * 300
    ok_message(subscriptions_card(subs, {sub.id: LONG}, "C1"))
    ok_message(stakeholders_card(plan, []))
    ok_message(subscriptions_card([], {}, "C1"))


# --- modals ----------------------------------------------------------------------------------------

OPTIONS = [(f"K{i}" + "k" * 200, LONG) for i in range(300)]


def all_modals(title: str) -> list[dict[str, Any]]:
    meta = {"response_url": "https://hooks.slack.com/actions/T1/" + "x" * 100, "channel": "C1", "ts": "1.2"}
    return [
        modals.plan_modal("U1", "C1"),
        modals.tplan_modal("U1", None),
        modals.goal_modal("U1", "C1"),
        modals.objective_modal("AP-1", title, "U1", OPTIONS, "C1"),
        modals.objective_modal("AP-1", "Plan", "U1", [], None),
        modals.tactic_modal("OBJ-1", title, "U1", OPTIONS, OPTIONS, "C1"),
        modals.task_modal(
            tactic_ref="TAC-1", tactic_label=title, stakeholders=OPTIONS, title=title, notes=title
        ),
        modals.task_modal(
            tactic_ref=None, tactic_label="", stakeholders=[], title=title, permalink="https://x.slack.com/p1"
        ),
        modals.sprint_modal("U1", "C1"),
        modals.stakeholder_modal("AP-1", title, OPTIONS, "C1"),
        modals.block_modal("TSK-1", title, meta),
        modals.reassign_modal("TSK-1", title, "U1", meta),
        modals.notice_modal(title, title * 3),
    ]


@pytest.mark.parametrize("title", ["Call Dr Weber", LONG, EVIL])
def test_every_modal_fits(title: str) -> None:
    for view in all_modals(title):
        ok_view(view)
        assert view["type"] == "modal" and len(view["title"]["text"]) <= 24
        assert modals.read_meta(view) is not None


def test_modal_context_lines_escape_user_text() -> None:
    for view in all_modals(EVIL):
        if view["callback_id"] == "notice":
            continue  # its text is mrkdwn the caller has escaped (bot.errors.safe_text)
        for text in mrkdwn_texts(view["blocks"]):
            assert "<!channel>" not in text, (view["callback_id"], text)
    task = modals.task_modal(tactic_ref="TAC-1", tactic_label=EVIL, stakeholders=[], title=EVIL)
    assert ESCAPED in flat(task)


def test_modal_private_metadata_survives_the_round_trip() -> None:
    meta = {
        "response_url": "https://hooks.slack.com/actions/T1/1/abc",
        "channel": "C1",
        "card": "tactic:TAC-3:2",
    }
    view = modals.block_modal("TSK-1", "t", meta)
    assert modals.read_meta(view) == {"task": "TSK-1", **meta}
    assert modals.read_meta({"private_metadata": "{not json"}) == {}
    assert PERIOD[0].year == 2026
