"""Every `/kam` command of the grammar over signed requests: the ephemeral answer's content, and the
database change where there is one."""

from __future__ import annotations

import pytest

from kam_core.models import DigestSubscription, Sprint, Tactic, Task
from tests.slack.conftest import SlackEnv
from tests.slack.support import answer_text, ask, audit_count, fetch, open_modal, task_status

READS = [
    ("U0BOB", "help", ["KAM bot", "/kam plan show AP-12", "/kam task done TSK-78", "/kam why OBJ-34"]),
    ("U0BOB", "plan list", ["AP-1", "Charité Oncology 2027", "AP-2", "AP-3", "AP-4", "TP-1"]),
    ("U0BOB", "plan list mine", ["Your plans", "AP-1", "AP-4", "TP-1"]),
    ("U0BOB", "plan show AP-1", ["AP-1 · Charité Oncology 2027", "OBJ-1", "OBJ-2", "OBJ-3", "Add objective"]),
    ("U0BOB", "ap-1", ["AP-1 · Charité Oncology 2027"]),
    ("U0BOB", "tplan list", ["TP-1", "Berlin Territory Plan 2027"]),
    ("U0BOB", "tplan show TP-1", ["TP-1 · Berlin Territory Plan 2027", "OBJ-8"]),
    ("U0BOB", "goal list", ["Business objectives", "BO-1", "BO-2", "BO-7", "Grow Oncorex share"]),
    ("U0BOB", "goal show BO-2", ["BO-2 · DACH: Oncorex to 18% share", "BO-4", "BO-5"]),
    ("U0BOB", "objective show OBJ-1", ["OBJ-1 · Formulary listing for Oncorex", "TAC-1", "TAC-2", "TSK-4"]),
    ("U0BOB", "tactic show TAC-3", ["TAC-3 · KOL outreach", "TSK-9", "Call Dr Weber", "Add task"]),
    ("U0BOB", "TSK-9", ["TSK-9", "Call Dr Weber about the advisory board", "TAC-3"]),
    ("U0BOB", "my", ["Your open tasks", "TSK-4", "TSK-9", "overdue"]),
    ("U0BOB", "sprint show SPR-1", ["SPR-1 · Oncology sprint 12", "day 6 of 14", "Load:"]),
    ("U0BOB", "stakeholder list AP-1", ["Stakeholders of AP-1", "ST-1", "Dr Anna Weber", "ST-3"]),
    ("U0BOB", "digest list", ["Digest subscriptions", "DG-1", "09:00"]),
    ("U0BOB", "why OBJ-1", ["Why OBJ-1", "Formula", "TAC-1", "TAC-2"]),
    ("U0BOB", "why AP-1", ["Why AP-1", "OBJ-1", "weight"]),
    ("U0BOB", "find weber", ["Results for", "TSK-9"]),
]


@pytest.mark.parametrize(("user", "text", "expected"), READS, ids=[r[1] for r in READS])
def test_read_commands_answer_ephemerally(slack: SlackEnv, user: str, text: str, expected: list[str]) -> None:
    audits = audit_count(slack)
    answer = ask(slack, user, text)
    got = answer_text(answer)
    for piece in expected:
        assert piece in got, (piece, got[:2000])
    assert answer.source == "response_url"  # ephemeral, through the response URL
    assert not slack.emu.messages("C0KAMTEAM")  # nothing posted in the channel
    assert audit_count(slack) == audits  # reading changes nothing


def test_private_plan_is_invisible_to_a_viewer(slack: SlackEnv) -> None:
    listed = answer_text(ask(slack, "U0DAN", "plan list"))
    assert "AP-1" in listed and "AP-4" not in listed
    refused = answer_text(ask(slack, "U0DAN", "plan show AP-4"))
    assert "private plan" in refused and "Rigshospitalet" not in refused


@pytest.mark.parametrize(
    ("text", "ref", "status", "shown"),
    [
        ("task done TSK-4", "TSK-4", "completed", "☑"),
        ("task start TSK-5", "TSK-5", "in_progress", "in progress"),
        ("task block TSK-9 waiting for the venue", "TSK-9", "blocked", "blocked: waiting for the venue"),
        ("task skip TSK-15", "TSK-15", "skipped", "skipped"),
        ("task reopen TSK-1", "TSK-1", "not_started", "☐"),
    ],
)
def test_task_status_commands(slack: SlackEnv, text: str, ref: str, status: str, shown: str) -> None:
    audits = audit_count(slack)
    got = answer_text(ask(slack, "U0BOB", text))
    assert task_status(slack, ref) == status
    assert ref in got and shown in got, got[:1500]
    assert "→" in got  # the rollup change TAC-x a% → b% · OBJ-y … · AP-z …
    assert audit_count(slack) == audits + 1


def test_task_done_shows_the_rollup_change_along_the_path(slack: SlackEnv) -> None:
    got = answer_text(ask(slack, "U0BOB", "task done TSK-9"))
    assert "TAC-3 20% → 40%" in got, got
    assert "OBJ-2 20% → 40%" in got and "AP-1 " in got


def test_repeated_done_says_already_done_and_changes_nothing(slack: SlackEnv) -> None:
    ask(slack, "U0BOB", "task done TSK-4")
    audits = audit_count(slack)
    got = answer_text(ask(slack, "U0BOB", "task done TSK-4"))
    assert "already completed" in got
    assert audit_count(slack) == audits


def test_task_assign_to_someone_and_to_me(slack: SlackEnv) -> None:
    got = answer_text(ask(slack, "U0BOB", "task assign TSK-11 <@U0CAROL|carol>"))
    assert "TSK-11" in got and "<@U0CAROL>" in got
    (task,) = fetch(slack, Task, Task.number == 11)
    assert task.assignee_id is not None
    ask(slack, "U0BOB", "task assign TSK-11 me")
    (mine,) = fetch(slack, Task, Task.number == 11)
    assert mine.assignee_id != task.assignee_id


def test_task_add_opens_the_form_prefilled(slack: SlackEnv) -> None:
    modal = open_modal(slack, "U0BOB", "task add TAC-3 Call the pharmacy")
    assert modal.callback_id == "task_new"
    title = next(b for b in modal.blocks if b.get("block_id") == "title")
    assert title["element"]["initial_value"] == "Call the pharmacy"
    assert "TAC-3" in str(modal.blocks)


@pytest.mark.parametrize(
    ("text", "callback"),
    [
        ("plan new", "plan_new"),
        ("tplan new", "tplan_new"),
        ("goal new", "goal_new"),
        ("objective add AP-1", "objective_new"),
        ("tactic add OBJ-1", "tactic_new"),
        ("sprint new", "sprint_new"),
        ("stakeholder add AP-1", "stakeholder_new"),
    ],
)
def test_form_commands_open_their_modal(slack: SlackEnv, text: str, callback: str) -> None:
    user = "U0ALICE"
    modal = open_modal(slack, user, text)
    assert modal.callback_id == callback
    assert not slack.emu.ephemerals("C0KAMTEAM", user)  # no extra chatter: just the form


def test_objective_measure_records_the_value(slack: SlackEnv) -> None:
    audits = audit_count(slack)
    got = answer_text(ask(slack, "U0BOB", "objective measure OBJ-1 1500000"))
    assert "OBJ-1" in got and "€1.5M of €2.5M" in got, got[:1500]
    assert audit_count(slack) > audits


def test_sprint_add_start_and_close(slack: SlackEnv) -> None:
    got = answer_text(ask(slack, "U0ALICE", "sprint add SPR-2 TAC-4"))
    assert "SPR-2" in got and "TAC-4" in got
    (tactic,) = fetch(slack, Tactic, Tactic.number == 4)
    (spr2,) = fetch(slack, Sprint, Sprint.number == 2)
    assert tactic.sprint_id == spr2.id
    closed = answer_text(ask(slack, "U0ALICE", "sprint close SPR-1 to SPR-2"))
    assert "SPR-1 is closed" in closed and "carried to SPR-2" in closed
    started = answer_text(ask(slack, "U0ALICE", "sprint start SPR-2"))
    assert "SPR-2" in started
    statuses = {s.number: s.status.value for s in fetch(slack, Sprint)}
    assert statuses == {1: "closed", 2: "active"}


def test_digest_unsubscribe(slack: SlackEnv) -> None:
    got = answer_text(ask(slack, "U0ALICE", "digest unsubscribe DG-1"))
    assert "DG-1 is stopped" in got and "<#C0KAMTEAM>" in got
    (sub,) = fetch(slack, DigestSubscription, DigestSubscription.number == 1)
    assert not sub.active


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plna show AP-1", ["I don't know `plna`", "/kam plan show AP-12"]),
        ("task dne TSK-1", ["`task dne` is not a command", "/kam task done TSK-78"]),
        ("task done", ["Which one?", "/kam task done TSK-78"]),
        ("task done AP-1", ["is not a TSK-… reference"]),
        ("sprint add SPR-1", ["Which tactic?"]),
        ("objective measure OBJ-1 lots", ["Give the current value"]),
        ("find x", ["at least 2 characters"]),
        ("frobnicate", ["I don't know", "/kam help"]),
    ],
)
def test_malformed_commands_answer_with_the_nearest_usage(
    slack: SlackEnv, text: str, expected: list[str]
) -> None:
    got = answer_text(ask(slack, "U0BOB", text))
    for piece in expected:
        assert piece in got, (piece, got)


@pytest.mark.parametrize(
    ("user", "text", "expected"),
    [
        ("U0BOB", "plan show AP-99", "not found"),
        ("U0DAN", "task done TSK-9", "viewers can read"),
        ("U0DAN", "plan new", "Viewers cannot create plans"),
        ("U0BOB", "goal new", "Only admins and managers"),
        ("U0BOB", "task done TSK-24", "You cannot change AP-3"),
    ],
)
def test_refused_commands_say_why(slack: SlackEnv, user: str, text: str, expected: str) -> None:
    audits = audit_count(slack)
    got = answer_text(ask(slack, user, text))
    assert expected in got, got
    assert audit_count(slack) == audits
    assert not slack.emu.open_views(user)


def test_a_repeated_start_writes_nothing_more(slack: SlackEnv) -> None:
    ask(slack, "U0BOB", "task start TSK-5")
    audits = audit_count(slack)
    got = answer_text(ask(slack, "U0BOB", "task start TSK-5"))
    assert "already in progress" in got
    assert audit_count(slack) == audits
