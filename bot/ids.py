"""Every action_id, callback_id and block_id prefix the app uses, in one place."""

from __future__ import annotations

import re
from enum import StrEnum

TWIN_MARK = "~"  # "open_modal~2": the second open_modal button of one actions block


class Action(StrEnum):
    TASK_DONE = "task_done"
    TASK_START = "task_start"
    TASK_ASSIGN_ME = "task_assign_me"
    TASK_MENU = "task_menu"  # overflow: block / skip / reassign / start / reopen
    TASK_REOPEN = "task_reopen"
    OPEN_MODAL = "open_modal"  # value: "<callback>|<context ref>"
    SHOW = "show_card"  # value: a reference
    WHY = "why"
    SHARE = "share_card"
    SUBSCRIBE = "subscribe_channel"
    PAGE = "page"  # value: "<card>|<ref>|<page>"
    # select menus inside modals (answered by options listeners)
    ACCOUNT_SELECT = "account_select"
    TERRITORY_SELECT = "territory_select"
    GOAL_SELECT = "goal_select"
    CONTACT_SELECT = "contact_select"
    TACTIC_SELECT = "tactic_select"
    SCOPE_SELECT = "scope_select"
    DIGEST_RESUME = "digest_resume"


class View(StrEnum):
    PLAN_NEW = "plan_new"
    TPLAN_NEW = "tplan_new"
    GOAL_NEW = "goal_new"
    OBJECTIVE_NEW = "objective_new"
    TACTIC_NEW = "tactic_new"
    TASK_NEW = "task_new"
    SPRINT_NEW = "sprint_new"
    STAKEHOLDER_NEW = "stakeholder_new"
    DIGEST_NEW = "digest_subscribe"
    TASK_BLOCK = "task_block"
    TASK_REASSIGN = "task_reassign"
    NOTICE = "notice"


class Shortcut(StrEnum):
    TASK_FROM_MESSAGE = "task_from_message"


TASK_BLOCK_PREFIX = "task:"  # block_id of a task row: "task:TSK-12" (+ ":a" for its actions block)
CARD_PREFIX = "card:"  # block_id of a card's first block: "card:<kind>:<ref>[:<page>]"
CARD_MARK = "@"  # task rows on a card carry it: "task:TSK-12:a@tactic:TAC-5:1"


def action_pattern(action_id: str) -> re.Pattern[str]:
    """Matches `action_id` and its numbered twins: Slack refuses two equal action_ids in one block, so
    `bot.blocks.kit.actions` numbers the repeats."""
    return re.compile(rf"^{re.escape(action_id)}(?:{TWIN_MARK}\d+)?$")


def base_action(action_id: str) -> str:
    """The action_id without its twin number."""
    return action_id.split(TWIN_MARK, 1)[0]
