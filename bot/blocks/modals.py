"""Modal views for creating and assigning work. Block ids are the service input field names, so a
validation error lands under its field (`response_action: errors`)."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

from bot.blocks.kit import (
    Block,
    context,
    datepicker,
    external_select,
    input_block,
    modal,
    multi_users_select,
    option,
    radio_buttons,
    section,
    static_select,
    text_input,
    users_select,
)
from bot.ids import Action, View
from bot.text import clip, esc
from kam_core.enums import Level, Priority, Rating

Meta = dict[str, Any]


def meta(**values: Any) -> str:
    return json.dumps({k: v for k, v in values.items() if v is not None}, separators=(",", ":"))


def read_meta(view: dict[str, Any]) -> Meta:
    try:
        data = json.loads(view.get("private_metadata") or "{}")
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _enum_options(enum: Any, labels: dict[str, str] | None = None) -> list[Block]:
    return [option((labels or {}).get(m.value, m.label), m.value) for m in enum]


def _period_inputs(start: date | None, end: date | None) -> list[Block]:
    return [
        input_block(
            "period_start", "Start", datepicker("period_start", initial=start.isoformat() if start else None)
        ),
        input_block("period_end", "End", datepicker("period_end", initial=end.isoformat() if end else None)),
    ]


def _measure_inputs(optional_hint: str) -> list[Block]:
    units = [option("Number", "number"), option("Currency", "currency"), option("Percent", "percent")]
    return [
        section(f"*Measure* — {optional_hint}"),
        input_block(
            "measure_unit",
            "Unit",
            static_select("measure_unit", units, placeholder="No measure"),
            optional=True,
        ),
        input_block(
            "measure_target",
            "Target",
            text_input("measure_target", placeholder="e.g. 5 or 2500000"),
            optional=True,
        ),
        input_block(
            "measure_current", "Current value", text_input("measure_current", placeholder="0"), optional=True
        ),
        input_block(
            "measure_label",
            "What is measured",
            text_input("measure_label", placeholder="hospitals listed", max_length=120),
            optional=True,
        ),
    ]


def _this_year() -> tuple[date, date]:
    today = date.today()
    return date(today.year, 1, 1), date(today.year, 12, 31)


def _long_text(field: str, label: str) -> Block:
    return input_block(field, label, text_input(field, multiline=True, max_length=3000), optional=True)


def _plan_inputs(example: str, anchor: Block, owner: str) -> list[Block]:
    """What account and territory plans share: name, what they are for, owner, period, who sees them."""
    start, end = _this_year()
    return [
        input_block("name", "Plan name", text_input("name", placeholder=example, max_length=200)),
        anchor,
        input_block("owner", "Owner", users_select("owner", initial=owner)),
        *_period_inputs(start, end),
        input_block(
            "visibility",
            "Who can see it",
            radio_buttons(
                "visibility",
                [
                    option("Everyone in the workspace", "workspace"),
                    option("Only its owner and participants", "private"),
                ],
                initial="workspace",
            ),
        ),
        input_block("participants", "Participants", multi_users_select("participants"), optional=True),
        _long_text("vision", "Vision"),
    ]


def plan_modal(owner: str, channel: str | None) -> Block:
    account = input_block(
        "account", "Account", external_select(Action.ACCOUNT_SELECT, placeholder="Search accounts…")
    )
    swot = [
        _long_text(field, field.capitalize())
        for field in ("priorities", "strengths", "weaknesses", "opportunities", "threats")
    ]
    blocks = _plan_inputs("Charité Oncology 2027", account, owner) + swot
    return modal(View.PLAN_NEW, "New account plan", blocks, private_metadata=meta(channel=channel))


def tplan_modal(owner: str, channel: str | None) -> Block:
    territory = input_block(
        "territory", "Territory", external_select(Action.TERRITORY_SELECT, placeholder="Search territories…")
    )
    blocks = _plan_inputs("Berlin Territory Plan 2027", territory, owner)
    return modal(View.TPLAN_NEW, "New territory plan", blocks, private_metadata=meta(channel=channel))


def goal_modal(owner: str, channel: str | None) -> Block:
    start, end = _this_year()
    blocks = [
        input_block(
            "name",
            "Business objective",
            text_input("name", placeholder="Grow Oncorex share in DACH", max_length=200),
        ),
        input_block("level", "Level", static_select("level", _enum_options(Level), initial="territory")),
        input_block(
            "parent",
            "Parent objective",
            external_select(Action.GOAL_SELECT, placeholder="Search business objectives…"),
            optional=True,
            hint="An affiliate objective sits under a global one, a territory under an affiliate.",
        ),
        input_block(
            "territory",
            "Territory",
            external_select(Action.TERRITORY_SELECT, placeholder="Search…"),
            optional=True,
        ),
        input_block("owner", "Owner", users_select("owner", initial=owner)),
        *_period_inputs(start, end),
        *_measure_inputs("optional; rolls up the tree (sums for numbers and currency, mean for percent)"),
        input_block(
            "measure_currency",
            "Currency",
            text_input("measure_currency", placeholder="EUR", max_length=3),
            optional=True,
        ),
    ]
    return modal(View.GOAL_NEW, "New business objective", blocks, private_metadata=meta(channel=channel))


def _template_picker(templates: list[tuple[str, str]], placeholder: str, hint: str) -> list[Block]:
    """An optional "From template" menu, when there are templates to pick from."""
    if not templates:
        return []
    menu = static_select("template", [option(name, key) for key, name in templates], placeholder=placeholder)
    return [input_block("template", "From template", menu, optional=True, hint=hint)]


def objective_modal(
    plan_ref: str, plan_label: str, owner: str, templates: list[tuple[str, str]], channel: str | None
) -> Block:
    blocks: list[Block] = [context(f"In *{plan_ref}* {esc(clip(plan_label, 200))}")]
    blocks += _template_picker(
        templates, "No template", "A template brings its measure and its tactics with their tasks."
    )
    blocks += [
        input_block(
            "name",
            "Objective",
            text_input("name", placeholder="Formulary listing for Oncorex", max_length=200),
        ),
        input_block("owner", "Owner", users_select("owner", initial=owner)),
        input_block("start_date", "Start", datepicker("start_date"), optional=True),
        input_block("due_date", "Due", datepicker("due_date"), optional=True),
        input_block(
            "priority", "Priority", static_select("priority", _enum_options(Priority), initial="medium")
        ),
        input_block(
            "weight",
            "Weight",
            text_input("weight", initial="1", max_length=6),
            hint="Counts this many times in the plan's weighted mean.",
        ),
        input_block(
            "contributes_to",
            "Contributes to",
            external_select(Action.GOAL_SELECT, placeholder="Search business objectives…"),
            optional=True,
        ),
        _long_text("description", "Description"),
        *_measure_inputs("optional, e.g. 3 of 5 hospitals listed"),
    ]
    return modal(
        View.OBJECTIVE_NEW, "New objective", blocks, private_metadata=meta(plan=plan_ref, channel=channel)
    )


def tactic_modal(
    objective_ref: str,
    label: str,
    owner: str,
    templates: list[tuple[str, str]],
    sprints: list[tuple[str, str]],
    channel: str | None,
) -> Block:
    blocks: list[Block] = [context(f"In *{objective_ref}* {esc(clip(label, 200))}")]
    blocks += _template_picker(
        templates,
        "Ad hoc (no template)",
        "The template's tasks are created too, due their offset after the start.",
    )
    blocks += [
        input_block(
            "name",
            "Tactic",
            text_input("name", placeholder="KOL outreach", max_length=200),
            optional=True,
            hint="Leave empty to use the template's name.",
        ),
        input_block("owner", "Owner", users_select("owner", initial=owner)),
        input_block("start_date", "Start", datepicker("start_date"), optional=True),
        input_block("due_date", "Due", datepicker("due_date"), optional=True),
        input_block("weight", "Weight", text_input("weight", initial="1", max_length=6)),
    ]
    if sprints:
        blocks.append(
            input_block(
                "sprint",
                "Sprint",
                static_select(
                    "sprint", [option(name, ref) for ref, name in sprints], placeholder="No sprint"
                ),
                optional=True,
            )
        )
    blocks.append(_long_text("description", "Description"))
    return modal(
        View.TACTIC_NEW, "New tactic", blocks, private_metadata=meta(objective=objective_ref, channel=channel)
    )


def task_modal(
    *,
    tactic_ref: str | None,
    tactic_label: str,
    stakeholders: list[tuple[str, str]],
    title: str = "",
    notes: str = "",
    permalink: str | None = None,
    channel: str | None = None,
    assignee: str | None = None,
    due: date | None = None,
) -> Block:
    blocks: list[Block] = [
        input_block(
            "title",
            "Title",
            text_input(
                "title", initial=title, max_length=300, placeholder="Call Dr Weber about the advisory board"
            ),
        ),
        input_block("assignee", "Assignee", users_select("assignee", initial=assignee), optional=True),
        input_block(
            "due_date",
            "Due date",
            datepicker("due_date", initial=due.isoformat() if due else None),
            optional=True,
        ),
    ]
    if stakeholders:
        blocks.append(
            input_block(
                "stakeholder",
                "Stakeholder",
                static_select(
                    "stakeholder", [option(name, ref) for ref, name in stakeholders], placeholder="None"
                ),
                optional=True,
            )
        )
    blocks.append(
        input_block(
            "notes",
            "Notes",
            text_input("notes", initial=notes, multiline=True, max_length=3000),
            optional=True,
        )
    )
    if tactic_ref:
        blocks.append(context(f"Tactic *{tactic_ref}* {esc(clip(tactic_label, 200))}"))
    else:
        blocks.append(
            input_block(
                "tactic", "Tactic", external_select(Action.TACTIC_SELECT, placeholder="Search your tactics…")
            )
        )
    if permalink:
        blocks.append(context(f"From <{permalink}|a Slack message>"))
    return modal(
        View.TASK_NEW,
        "New task",
        blocks,
        private_metadata=meta(tactic=tactic_ref, permalink=permalink, channel=channel),
    )


def sprint_modal(owner: str, channel: str | None) -> Block:
    today = date.today()
    blocks = [
        input_block(
            "name", "Sprint name", text_input("name", placeholder="Oncology sprint 13", max_length=200)
        ),
        input_block("start_date", "Start", datepicker("start_date", initial=today.isoformat())),
        input_block(
            "end_date", "End", datepicker("end_date", initial=(today + timedelta(days=13)).isoformat())
        ),
        input_block(
            "goal", "Sprint goal", text_input("goal", multiline=True, max_length=3000), optional=True
        ),
        input_block("owner", "Owner", users_select("owner", initial=owner)),
    ]
    return modal(View.SPRINT_NEW, "New sprint", blocks, private_metadata=meta(channel=channel))


def stakeholder_modal(
    plan_ref: str, plan_label: str, objectives: list[tuple[str, str]], channel: str | None
) -> Block:
    ratings = _enum_options(Rating)
    blocks: list[Block] = [
        context(f"For *{plan_ref}* {esc(clip(plan_label, 200))}"),
        input_block(
            "contact", "Contact", external_select(Action.CONTACT_SELECT, placeholder="Search contacts…")
        ),
        input_block(
            "role",
            "Role in the decision",
            text_input("role", placeholder="Formulary committee chair", max_length=120),
            optional=True,
        ),
        input_block("influence", "Influence", static_select("influence", ratings, initial="medium")),
        input_block(
            "strength", "Strength of relationship", static_select("strength", ratings, initial="medium")
        ),
        input_block("covering", "Covered by", users_select("covering"), optional=True),
    ]
    if objectives:
        blocks.append(
            input_block(
                "objective",
                "For objective",
                static_select(
                    "objective", [option(name, ref) for ref, name in objectives], placeholder="None"
                ),
                optional=True,
            )
        )
    return modal(
        View.STAKEHOLDER_NEW, "New stakeholder", blocks, private_metadata=meta(plan=plan_ref, channel=channel)
    )


def block_modal(task_ref: str, title: str, container: dict[str, Any]) -> Block:
    blocks = [
        context(f"*{task_ref}* {esc(clip(title, 200))}"),
        input_block("reason", "What is it waiting for?", text_input("reason", max_length=300), optional=True),
    ]
    return modal(
        View.TASK_BLOCK,
        "Block task",
        blocks,
        submit="Block",
        private_metadata=meta(task=task_ref, **container),
    )


def reassign_modal(task_ref: str, title: str, current: str | None, container: dict[str, Any]) -> Block:
    blocks = [
        context(f"*{task_ref}* {esc(clip(title, 200))}"),
        input_block("assignee", "Assign to", users_select("assignee", initial=current)),
    ]
    return modal(
        View.TASK_REASSIGN,
        "Reassign task",
        blocks,
        submit="Reassign",
        private_metadata=meta(task=task_ref, **container),
    )


def notice_modal(title: str, text: str) -> Block:
    return modal(View.NOTICE, title, [section(text)], submit=None, close="Close")
