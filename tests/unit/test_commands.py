"""The `/kam` grammar (bot.commands): every subcommand, its usage errors, the nearest-command answer, and
hypothesis feeding it arbitrary text: always an answer, never an exception."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import commands as grammar
from bot.commands import BY_KEY, SPECS, Command, Usage, parse

OK = [
    ("", Command("help")),
    ("help", Command("help")),
    ("?", Command("help")),
    ("plan new", Command("plan.new")),
    ("plan list", Command("plan.list", scope="all")),
    ("plan list mine", Command("plan.list", scope="mine")),
    ("plans ls all", Command("plan.list", scope="all")),
    ("plan show AP-12", Command("plan.show", ref="AP-12")),
    ("plan show ap12", Command("plan.show", ref="AP-12")),
    ("plan show AP 12", Command("plan.show", ref="AP-12")),
    ("plan show TP-3", Command("plan.show", ref="TP-3")),
    ("tplan new", Command("tplan.new")),
    ("tplan list mine", Command("tplan.list", scope="mine")),
    ("tplan show tp-3", Command("tplan.show", ref="TP-3")),
    ("goal new", Command("goal.new")),
    ("goal list", Command("goal.list")),
    ("goal show BO-3", Command("goal.show", ref="BO-3")),
    ("bo show bo-3", Command("goal.show", ref="BO-3")),
    ("objective add AP-12", Command("objective.add", ref="AP-12")),
    ("obj show OBJ-34", Command("objective.show", ref="OBJ-34")),
    ("objective measure OBJ-34 3", Command("objective.measure", ref="OBJ-34", number="3")),
    (
        "objective measure OBJ-34 3 of 5 hospitals listed",
        Command("objective.measure", ref="OBJ-34", number="3", target="5", text="hospitals listed"),
    ),
    ("objective measure OBJ-1 €1,200.50", Command("objective.measure", ref="OBJ-1", number="€1,200.50")),
    ("tactic add OBJ-34", Command("tactic.add", ref="OBJ-34")),
    ("tactic show TAC-5", Command("tactic.show", ref="TAC-5")),
    ("task add TAC-5", Command("task.add", ref="TAC-5")),
    ("task add TAC-5 Call Dr Weber", Command("task.add", ref="TAC-5", text="Call Dr Weber")),
    ("task show TSK-78", Command("task.show", ref="TSK-78")),
    ("task done TSK-78", Command("task.done", ref="TSK-78")),
    ("tasks complete tsk-78", Command("task.done", ref="TSK-78")),
    ("task start TSK-78", Command("task.start", ref="TSK-78")),
    ("task block TSK-78", Command("task.block", ref="TSK-78")),
    (
        "task block TSK-78 waiting for pharmacy",
        Command("task.block", ref="TSK-78", text="waiting for pharmacy"),
    ),
    ("task skip TSK-78", Command("task.skip", ref="TSK-78")),
    ("task reopen TSK-78", Command("task.reopen", ref="TSK-78")),
    ("task assign TSK-78 me", Command("task.assign", ref="TSK-78", user="me")),
    ("task assign TSK-78 <@U0BOB|bob>", Command("task.assign", ref="TSK-78", user="U0BOB")),
    ("task assign TSK-78 @U0BOB", Command("task.assign", ref="TSK-78", user="U0BOB")),
    ("my", Command("my")),
    ("mine", Command("my")),
    ("sprint new", Command("sprint.new")),
    ("sprint add SPR-4 TAC-5", Command("sprint.add", ref="SPR-4", ref2="TAC-5")),
    ("sprint add SPR 4 TAC 5", Command("sprint.add", ref="SPR-4", ref2="TAC-5")),
    ("sprint show SPR-4", Command("sprint.show", ref="SPR-4")),
    ("sprint start SPR-4", Command("sprint.start", ref="SPR-4")),
    ("sprint close SPR-4", Command("sprint.close", ref="SPR-4")),
    ("sprint close SPR-4 to SPR-5", Command("sprint.close", ref="SPR-4", target="SPR-5")),
    ("sprint close SPR-4 SPR-5", Command("sprint.close", ref="SPR-4", target="SPR-5")),
    ("stakeholder add AP-12", Command("stakeholder.add", ref="AP-12")),
    ("stakeholders list AP-12", Command("stakeholder.list", ref="AP-12")),
    ("digest subscribe", Command("digest.subscribe")),
    ("digest list", Command("digest.list")),
    ("digest unsubscribe DG-2", Command("digest.unsubscribe", ref="DG-2")),
    ("digest preview DG-2", Command("digest.preview", ref="DG-2")),
    ("why OBJ-34", Command("why", ref="OBJ-34")),
    ("explain ap-1", Command("why", ref="AP-1")),
    ("find charité", Command("find", text="charité")),
    ("search  Dr Weber ", Command("find", text="Dr Weber")),
    ("export AP-12", Command("export", ref="AP-12")),
    ("AP-12", Command("plan.show", ref="AP-12")),
    ("tp 3", Command("tplan.show", ref="TP-3")),
    ("BO-3", Command("goal.show", ref="BO-3")),
    ("OBJ-34", Command("objective.show", ref="OBJ-34")),
    ("TAC-5", Command("tactic.show", ref="TAC-5")),
    ("tsk-78", Command("task.show", ref="TSK-78")),
    ("SPR-4", Command("sprint.show", ref="SPR-4")),
    ("\u00a0plan\u00a0show\u00a0AP-1", Command("plan.show", ref="AP-1")),
]


@pytest.mark.parametrize(("text", "expected"), OK, ids=[t or "<empty>" for t, _ in OK])
def test_commands_parse(text: str, expected: Command) -> None:
    assert parse(text) == expected


USAGE = [
    ("plan", "What should I do with plans?", ["plan.new", "plan.list", "plan.show"]),
    ("plan list everything", "say `mine` or `all`", ["plan.list"]),
    ("plan show", "Which one? Give a reference like AP-1.", ["plan.show"]),
    ("plan show TSK-1", "`TSK-1` is not a AP-… or TP-… reference", ["plan.show"]),
    ("tplan show AP-1", "is not a TP-… reference", ["tplan.show"]),
    ("goal show", "Which one?", ["goal.show"]),
    ("objective add", "Which one?", ["objective.add"]),
    ("objective measure OBJ-1", "Give the current value", ["objective.measure"]),
    ("objective measure OBJ-1 lots", "Give the current value", ["objective.measure"]),
    ("objective measure OBJ-1 3 of", "After `of` give the target", ["objective.measure"]),
    ("objective measure OBJ-1 3 of many", "After `of` give the target", ["objective.measure"]),
    ("tactic add TAC-1", "is not a OBJ-… reference", ["tactic.add"]),
    ("task add", "Which one?", ["task.add"]),
    ("task done", "Which one? Give a reference like TSK-1.", ["task.done"]),
    ("task done AP-1", "is not a TSK-… reference", ["task.done"]),
    ("task done TSK-1 now", "takes nothing after that", ["task.done"]),
    ("task assign TSK-1", "Who should take it?", ["task.assign"]),
    ("task assign TSK-1 bob", "Who should take it?", ["task.assign"]),
    ("task dne TSK-1", "`task dne` is not a command", ["task.done"]),
    ("task strat TSK-1", "`task strat` is not a command", ["task.start"]),
    ("my stuff", "`/kam my` takes nothing more", ["my"]),
    ("sprint add SPR-1", "Which tactic?", ["sprint.add"]),
    ("sprint add SPR-1 OBJ-2", "Which tactic?", ["sprint.add"]),
    ("sprint close SPR-1 to nowhere", "is not a sprint", ["sprint.close"]),
    ("sprint shwo SPR-1", "is not a command", ["sprint.show"]),
    ("stakeholder list", "Which one?", ["stakeholder.list"]),
    ("digest unsubscribe", "Which one?", ["digest.unsubscribe"]),
    ("digest unsubscribe AP-1", "is not a DG-… reference", ["digest.unsubscribe"]),
    ("why", "Which one?", ["why"]),
    ("why TSK-1", "is not a", ["why"]),
    ("why AP-1 please", "takes nothing after that", ["why"]),
    ("find", "at least 2 characters", ["find"]),
    ("find x", "at least 2 characters", ["find"]),
    ("export", "Which one?", ["export"]),
    ("AP-1 extra", "takes nothing after the reference", ["plan.show"]),
    ("plna show AP-1", "I don't know `plna`", ["plan.show"]),
    ("plna", "I don't know `plna`", ["plan.new", "plan.list", "plan.show"]),
    ("taks done TSK-1", "I don't know `taks`", ["task.done"]),
    ("sprnt", "I don't know `sprnt`", ["sprint.new", "sprint.add", "sprint.show"]),
    ("frobnicate", "I don't know `frobnicate`", ["help"]),
    ("ST-3", "I don't know `ST-3`", ["help"]),
]


@pytest.mark.parametrize(("text", "problem", "keys"), USAGE, ids=[u[0] for u in USAGE])
def test_malformed_input_answers_with_the_nearest_usage(text: str, problem: str, keys: list[str]) -> None:
    answer = parse(text)
    assert isinstance(answer, Usage), answer
    assert problem in answer.problem
    shown = [s.key for s in answer.specs]
    for key in keys:
        assert key in shown, (key, shown)
    for key in keys:
        assert BY_KEY[key].usage in answer.text


def test_user_text_quoted_back_is_escaped() -> None:
    answer = parse("<!channel> please")
    assert isinstance(answer, Usage)
    assert "<!channel>" not in answer.text and "&lt;!channel&gt;" in answer.text
    long = parse("x" * 500)
    assert isinstance(long, Usage) and len(long.problem) < 100


def test_every_spec_is_reachable_and_listed_in_help() -> None:
    listed = {spec.key for _title, specs in grammar.help_lines() for spec in specs}
    assert listed == {spec.key for spec in SPECS} - {"help"}
    for spec in SPECS:
        example = re.sub(r"\s*\[.*?\]", "", spec.usage.removeprefix("/kam "))
        example = example.replace("@someone|me", "me").replace("<text>", "weber")
        parsed = parse(example)
        assert isinstance(parsed, Command) and parsed.key == spec.key, (spec.usage, parsed)


PLAUSIBLE = st.sampled_from(
    [
        *{word for spec in SPECS for word in spec.key.split(".")},
        *grammar.ALIASES,
        "AP-1", "ap-12", "TP-3", "BO-7", "OBJ-34", "TAC-5", "TSK-78", "SPR-4", "ST-9", "DG-2", "AP",
        "12", "0", "-1", "of", "to", "me", "mine", "all", "<@U0BOB>", "<@U0BOB|bob>", "@U0BOB", "<!channel>",
        "3", "5", "€1,200", "50%", "``", "\u00a0", "TSK-99999999999", "OBJ-", "&", "\n", "*", "~", ":",
    ]
)  # fmt: skip


def _check(answer: Command | Usage) -> None:
    if isinstance(answer, Usage):
        assert answer.text.strip() and answer.specs
        return
    assert isinstance(answer, Command)
    spec = BY_KEY[answer.key]
    if spec.refs:
        assert answer.ref and answer.ref.split("-")[0] in spec.refs


@settings(max_examples=400, deadline=None)
@given(st.text())
def test_any_text_gets_an_answer(text: str) -> None:
    _check(grammar._parse(text))  # the grammar itself, not its last-resort guard
    _check(parse(text))


@settings(max_examples=600, deadline=None)
@given(st.lists(PLAUSIBLE, max_size=7), st.sampled_from([" ", "  ", "\t", "\u00a0"]))
def test_plausible_tokens_get_an_answer(tokens: list[str], sep: str) -> None:
    text = sep.join(tokens)
    _check(grammar._parse(text))
    _check(parse(text))
