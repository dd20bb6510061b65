"""The `/kam` grammar: text in, a parsed command or a usage answer out. Pure and total: any text gets an
answer, never an exception (a hypothesis test feeds it arbitrary text)."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

REF = re.compile(r"^(AP|TP|BO|OBJ|TAC|TSK|SPR|ST|DG)[-\s]?(\d{1,9})$", re.IGNORECASE)
MENTION = re.compile(r"^<@([UW][A-Z0-9]+)(?:\|[^>]*)?>$")
USER_ID = re.compile(r"^@?([UW][A-Z0-9]{2,})$")
NUMBER = re.compile(r"^[€$£]?-?\d[\d,]*(?:\.\d+)?%?$")


@dataclass(frozen=True)
class Spec:
    key: str  # "task.done"
    usage: str  # "/kam task done TSK-78"
    summary: str
    refs: tuple[str, ...] = ()  # prefixes accepted by the first argument


SPECS: tuple[Spec, ...] = (
    Spec("help", "/kam help", "this list"),
    Spec("plan.new", "/kam plan new", "create an account plan (opens a form)"),
    Spec("plan.list", "/kam plan list [mine|all]", "account and territory plans you can see"),
    Spec("plan.show", "/kam plan show AP-12", "a plan card: objectives, progress, risk", ("AP", "TP")),
    Spec("tplan.new", "/kam tplan new", "create a territory plan (opens a form)"),
    Spec("tplan.list", "/kam tplan list [mine|all]", "territory plans you can see"),
    Spec("tplan.show", "/kam tplan show TP-3", "a territory plan card", ("TP",)),
    Spec("goal.new", "/kam goal new", "set a business objective (admins and managers)"),
    Spec("goal.list", "/kam goal list", "the business-objective tree"),
    Spec("goal.show", "/kam goal show BO-3", "a business objective with its rollup", ("BO",)),
    Spec(
        "objective.add", "/kam objective add AP-12", "add an objective to a plan (opens a form)", ("AP", "TP")
    ),
    Spec("objective.show", "/kam objective show OBJ-34", "an objective with its tactics", ("OBJ",)),
    Spec(
        "objective.measure", "/kam objective measure OBJ-34 3 [of 5 hospitals]", "record a measure", ("OBJ",)
    ),
    Spec("tactic.add", "/kam tactic add OBJ-34", "add a tactic, ad hoc or from a template", ("OBJ",)),
    Spec("tactic.show", "/kam tactic show TAC-5", "a tactic with its tasks", ("TAC",)),
    Spec("task.add", "/kam task add TAC-5 [title]", "add a task (opens a form)", ("TAC",)),
    Spec("task.show", "/kam task show TSK-78", "a task with its buttons", ("TSK",)),
    Spec("task.done", "/kam task done TSK-78", "complete a task", ("TSK",)),
    Spec("task.start", "/kam task start TSK-78", "mark a task in progress", ("TSK",)),
    Spec("task.block", "/kam task block TSK-78 [reason]", "mark a task blocked", ("TSK",)),
    Spec("task.skip", "/kam task skip TSK-78", "skip a task (left out of progress)", ("TSK",)),
    Spec("task.reopen", "/kam task reopen TSK-78", "reopen a completed or skipped task", ("TSK",)),
    Spec("task.assign", "/kam task assign TSK-78 @someone|me", "assign a task", ("TSK",)),
    Spec("my", "/kam my", "your open tasks, overdue first"),
    Spec("sprint.new", "/kam sprint new", "create a sprint (opens a form)"),
    Spec("sprint.add", "/kam sprint add SPR-4 TAC-5", "put a tactic in a sprint", ("SPR",)),
    Spec("sprint.show", "/kam sprint show SPR-4", "a sprint: progress, tasks, load", ("SPR",)),
    Spec("sprint.start", "/kam sprint start SPR-4", "start a planned sprint", ("SPR",)),
    Spec(
        "sprint.close",
        "/kam sprint close SPR-4 [to SPR-5]",
        "close a sprint, carrying open tactics",
        ("SPR",),
    ),
    Spec("stakeholder.add", "/kam stakeholder add AP-12", "add a stakeholder (opens a form)", ("AP", "TP")),
    Spec("stakeholder.list", "/kam stakeholder list AP-12", "a plan's stakeholders", ("AP", "TP")),
    Spec("digest.subscribe", "/kam digest subscribe", "daily digest in this channel (opens a form)"),
    Spec("digest.list", "/kam digest list", "digest subscriptions of this channel"),
    Spec("digest.unsubscribe", "/kam digest unsubscribe DG-2", "stop a digest", ("DG",)),
    Spec("digest.preview", "/kam digest preview DG-2", "see a digest now, only to you", ("DG",)),
    Spec("why", "/kam why OBJ-34", "how a percentage was computed", ("AP", "TP", "OBJ", "TAC", "SPR", "BO")),
    Spec("find", "/kam find <text>", "search plans, objectives, tactics, tasks"),
    Spec(
        "export",
        "/kam export AP-12",
        "a CSV of a plan, sprint or business objective",
        ("AP", "TP", "SPR", "BO"),
    ),
)
BY_KEY = {spec.key: spec for spec in SPECS}
GROUPS = sorted({spec.key.split(".")[0] for spec in SPECS})
ALIASES = {
    "plans": "plan",
    "tplans": "tplan",
    "goals": "goal",
    "bo": "goal",
    "obj": "objective",
    "objectives": "objective",
    "tactics": "tactic",
    "tasks": "task",
    "sprints": "sprint",
    "stakeholders": "stakeholder",
    "digests": "digest",
    "search": "find",
    "mine": "my",
    "me": "my",
    "?": "help",
    "explain": "why",
    "complete": "done",
    "finish": "done",
    "create": "new",
    "ls": "list",
    "view": "show",
    "open": "show",
    "close": "close",
    "+": "add",
}
SHORTCUT_REF_VERBS = {
    "TSK": "task.show",
    "AP": "plan.show",
    "TP": "tplan.show",
    "BO": "goal.show",
    "OBJ": "objective.show",
    "TAC": "tactic.show",
    "SPR": "sprint.show",
}


@dataclass
class Command:
    key: str
    ref: str | None = None
    ref2: str | None = None
    user: str | None = None  # a Slack user id, or "me"
    text: str = ""
    number: str | None = None
    target: str | None = None
    scope: str | None = None  # mine / all
    extra: dict[str, str] = field(default_factory=dict)


@dataclass
class Usage:
    """An answer instead of a command: the problem and the usage to follow."""

    problem: str
    specs: list[Spec]

    @property
    def text(self) -> str:
        lines = [self.problem] if self.problem else []
        lines += [f"`{s.usage}` — {s.summary}" for s in self.specs]
        return "\n".join(lines)


def normalize_ref(token: str) -> str | None:
    match = REF.match(token.strip())
    return f"{match.group(1).upper()}-{int(match.group(2))}" if match else None


def parse_user(token: str) -> str | None:
    token = token.strip()
    if token.lower() in ("me", "@me", "myself"):
        return "me"
    match = MENTION.match(token) or USER_ID.match(token)
    return match.group(1) if match else None


def _nearest(words: list[str]) -> list[Spec]:
    """The usage of the command nearest to what was typed."""
    group = ALIASES.get(words[0], words[0]) if words else ""
    if group not in GROUPS:
        close = difflib.get_close_matches(group, GROUPS, n=1, cutoff=0.5)
        group = close[0] if close else ""
    if not group:
        return [BY_KEY["help"]]
    in_group = [s for s in SPECS if s.key.split(".")[0] == group]
    if len(words) > 1 and len(in_group) > 1:
        verbs = [s.key.split(".")[1] for s in in_group if "." in s.key]
        verb = ALIASES.get(words[1], words[1])
        close = difflib.get_close_matches(verb, verbs, n=1, cutoff=0.6)
        if close:
            return [BY_KEY[f"{group}.{close[0]}"]]
    return in_group


def parse(text: str) -> Command | Usage:
    """Parse the text after `/kam`."""
    try:
        return _parse(text or "")
    except Exception:  # the grammar must answer everything; this is a last resort
        return Usage("I could not read that command.", [BY_KEY["help"]])


def _parse(text: str) -> Command | Usage:
    raw = text.replace("\u00a0", " ").strip()
    tokens = raw.split()
    if not tokens or tokens[0].lower() in ("help", "?", "-h", "--help"):
        return Command("help")
    tokens = _join_refs(tokens)
    words = [t.lower() for t in tokens]
    first_ref = normalize_ref(tokens[0])
    if first_ref and first_ref.split("-")[0] in SHORTCUT_REF_VERBS:  # `/kam AP-12` shows it
        spec = BY_KEY[SHORTCUT_REF_VERBS[first_ref.split("-")[0]]]
        if len(tokens) > 1:
            return Usage(f"`/kam {first_ref}` takes nothing after the reference.", [spec])
        return Command(spec.key, ref=first_ref)
    group = ALIASES.get(words[0], words[0])
    if group in ("my", "find", "why", "export"):
        return _single(group, tokens[1:], raw)
    if group not in GROUPS:
        return Usage(f"I don't know `{_clip(tokens[0])}`.", _nearest(words))
    if len(tokens) < 2:
        return Usage(f"What should I do with {group}s?", _nearest(words))
    verb = ALIASES.get(words[1], words[1])
    key = f"{group}.{verb}"
    if key not in BY_KEY:
        return Usage(f"`{group} {_clip(words[1])}` is not a command.", _nearest(words))
    return _arguments(BY_KEY[key], tokens[2:], raw)


def _join_refs(tokens: list[str]) -> list[str]:
    """`AP 12` is `AP-12`: a reference typed with a space (where references go, before any free text)."""
    out: list[str] = []
    for token in tokens:
        if 0 < len(out) <= 4 and token.isdigit() and REF.match(f"{out[-1]}-{token}") and out[-1].isalpha():
            out[-1] = f"{out[-1]}-{token}"
        else:
            out.append(token)
    return out


def _single(group: str, args: list[str], raw: str) -> Command | Usage:
    spec = BY_KEY[group]
    if group == "my":
        if args:
            return Usage(f"`/kam my` takes nothing more; I got `{_clip(' '.join(args))}`.", [spec])
        return Command("my")
    if group == "find":
        query = raw.split(None, 1)[1].strip() if len(raw.split(None, 1)) > 1 else ""
        if len(query) < 2:
            return Usage("What should I look for? Give at least 2 characters.", [spec])
        return Command("find", text=query[:200])
    return _arguments(spec, args, raw)


def _arguments(spec: Spec, args: list[str], raw: str) -> Command | Usage:
    command = Command(spec.key)
    if spec.refs:
        if not args:
            return Usage(f"Which one? Give a reference like {spec.refs[0]}-1.", [spec])
        ref = normalize_ref(args[0])
        if ref is None or ref.split("-")[0] not in spec.refs:
            return Usage(
                f"`{_clip(args[0])}` is not a {' or '.join(p + '-…' for p in spec.refs)} reference.", [spec]
            )
        command.ref = ref
        args = args[1:]
    return _rest(spec, command, args)


def _rest(spec: Spec, command: Command, args: list[str]) -> Command | Usage:
    key = spec.key
    if key in ("plan.list", "tplan.list"):
        if args and args[0].lower() not in ("mine", "all"):
            return Usage(f"`{_clip(args[0])}`: say `mine` or `all`.", [spec])
        command.scope = args[0].lower() if args else "all"
    elif key == "task.assign":
        user = parse_user(args[0]) if args else None
        if user is None:
            return Usage("Who should take it? Mention someone (`@bob`) or say `me`.", [spec])
        command.user = user
    elif key == "objective.measure":
        return _measure(spec, command, args)
    elif key == "sprint.add":
        tactic = normalize_ref(args[0]) if args else None
        if tactic is None or not tactic.startswith("TAC"):
            return Usage("Which tactic? e.g. `/kam sprint add SPR-4 TAC-5`.", [spec])
        command.ref2 = tactic
    elif key == "sprint.close":
        if args and args[0].lower() in ("to", "into", "->"):
            args = args[1:]
        if args:
            target = normalize_ref(args[0])
            if target is None or not target.startswith("SPR"):
                return Usage(f"`{_clip(args[0])}` is not a sprint to carry open tactics to.", [spec])
            command.target = target
    elif key in ("task.add", "task.block"):
        command.text = " ".join(args)[:300]
    elif args and key not in ("help",):
        return Usage(f"`{spec.usage}` takes nothing after that; I got `{_clip(' '.join(args))}`.", [spec])
    return command


def _measure(spec: Spec, command: Command, args: list[str]) -> Command | Usage:
    if not args or not NUMBER.match(args[0]):
        return Usage("Give the current value, e.g. `/kam objective measure OBJ-34 3 of 5 hospitals`.", [spec])
    command.number = args[0]
    rest = args[1:]
    if rest and rest[0].lower() == "of":
        if len(rest) < 2 or not NUMBER.match(rest[1]):
            return Usage("After `of` give the target, e.g. `3 of 5`.", [spec])
        command.target = rest[1]
        rest = rest[2:]
    command.text = " ".join(rest)[:120]
    return command


def _clip(text: str, limit: int = 40) -> str:
    """User text quoted back in an answer: shortened, and escaped for mrkdwn so it cannot ping."""
    text = text.replace("`", "'")
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def help_lines() -> list[tuple[str, list[Spec]]]:
    """Commands grouped for `/kam help`."""
    order = [
        (
            "Plan",
            [
                "plan.new",
                "plan.list",
                "plan.show",
                "tplan.new",
                "tplan.list",
                "tplan.show",
                "stakeholder.add",
                "stakeholder.list",
            ],
        ),
        (
            "Goals",
            ["goal.new", "goal.list", "goal.show", "objective.add", "objective.show", "objective.measure"],
        ),
        (
            "Execute",
            [
                "tactic.add",
                "tactic.show",
                "task.add",
                "task.show",
                "task.done",
                "task.start",
                "task.block",
                "task.skip",
                "task.reopen",
                "task.assign",
                "my",
                "sprint.new",
                "sprint.add",
                "sprint.show",
                "sprint.start",
                "sprint.close",
            ],
        ),
        (
            "Report",
            [
                "why",
                "find",
                "export",
                "digest.subscribe",
                "digest.list",
                "digest.unsubscribe",
                "digest.preview",
            ],
        ),
    ]
    return [(title, [BY_KEY[k] for k in keys]) for title, keys in order]
