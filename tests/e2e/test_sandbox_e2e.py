"""The sandbox page in headless Chromium, against the real bot: commands, cards, buttons, a modal with an
error under its field, Done with the rollup change, the member switcher, DMs, the Home tab and digests.
Screenshots of every step land in test-artifacts/e2e/."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from bot.sandbox import Sandbox

pytestmark = pytest.mark.e2e
ROLLUP = re.compile(r"TAC-3 \d+% → \d+% · OBJ-2 \d+% → \d+% · AP-1 \d+% → \d+%")


def command(page: Any, text: str) -> None:
    page.fill("#compose", text)
    page.keyboard.press("Enter")


def last_card(page: Any, header: str) -> Any:
    """The newest message whose header starts with ``header``."""
    card = page.locator(".msg", has=page.locator(".bk-header", has_text=header)).last
    card.wait_for()
    return card


def test_plan_card_new_task_with_an_error_then_done(
    page: Any, sandbox: Sandbox, shot: Callable[[str], None]
) -> None:
    page.goto(f"{sandbox.url}/#U0BOB/C0KAMTEAM")
    page.wait_for_selector("#pane .intro")
    assert page.locator("#who").input_value() == "U0BOB"
    shot("channel")

    command(page, "/kam plan show AP-1")
    plan = last_card(page, "AP-1 · ")
    assert plan.locator(".only-you").is_visible() and plan.locator(".app-badge").is_visible()
    shot("plan-card")

    plan.locator('[data-block-id="node:OBJ-2"] button', has_text="Open").click()
    objective = last_card(page, "OBJ-2 · ")
    objective.locator('[data-block-id="node:TAC-3"] button', has_text="Open").click()
    tactic = last_card(page, "TAC-3 · ")
    shot("tactic-card")

    tactic.locator("button.bk-btn", has_text="Add task").click()
    modal = page.locator("#overlay .modal")
    modal.wait_for()
    assert modal.locator(".modal-title").inner_text() == "New task"
    shot("new-task-modal")

    modal.locator('[data-block-id="title"] input').fill("Ring the hospital pharmacy")
    modal.locator('[data-block-id="assignee"] select').select_option("U0CAROL")
    far = date.today() + timedelta(days=900)
    modal.locator('[data-block-id="due_date"] input').fill(far.isoformat())
    modal.locator("[data-submit]").click()
    error = modal.locator('.bk-has-error[data-block-id="due_date"] .bk-error')
    error.wait_for()
    assert "period" in error.inner_text()
    assert modal.locator('[data-block-id="title"] input').input_value() == "Ring the hospital pharmacy"
    shot("error-under-the-field")

    modal.locator('[data-block-id="due_date"] input').fill(date.today().isoformat())
    modal.locator("[data-submit]").click()
    page.wait_for_selector("#overlay", state="hidden")
    row = page.locator(".msg .bk-section", has_text="Ring the hospital pharmacy").last
    row.wait_for()
    found = re.search(r"TSK-\d+", row.inner_text())
    assert found, row.inner_text()
    ref = found.group(0)
    shot("task-created")

    card = page.locator(".msg", has=page.locator(".bk-section", has_text="Ring the hospital pharmacy")).last
    card.locator(f'button.bk-btn-primary[data-value="{ref}"]', has_text="Done").click()
    change = page.locator(".msg .bk-context", has_text=ROLLUP).last
    change.wait_for()
    done_row = page.locator(".msg .bk-section", has_text=ref).filter(has_text="☑").last
    assert done_row.locator("s").count() == 1 and "Ring the hospital pharmacy" in done_row.inner_text()
    shot("done-with-rollup")


def test_switcher_dm_home_and_digests(page: Any, sandbox: Sandbox, shot: Callable[[str], None]) -> None:
    page.goto(f"{sandbox.url}/#U0BOB/C0KAMTEAM")
    page.wait_for_selector("#pane .intro")
    command(page, "/kam task assign TSK-9 @carol")
    page.locator(".msg-ephemeral", has_text="TSK-9").last.wait_for()

    page.locator("#who").select_option("U0CAROL")
    page.wait_for_function("() => location.hash.startsWith('#U0CAROL')")
    assert page.locator(".msg-ephemeral").count() == 0  # Bob's ephemerals are his own
    page.locator("#apps button").click()
    page.locator(".home .bk-header").first.wait_for()
    assert "Carol" in page.locator(".home .bk-header").first.inner_text()
    shot("carol-home")

    page.locator("#tabs button", has_text="Messages").click()
    dm = page.locator(".msg", has_text="TSK-9").last
    dm.wait_for()
    shot("carol-dm")
    dm.locator("button.bk-btn-primary", has_text="Done").click()
    page.locator("#pane .bk-context", has_text="→").last.wait_for()
    shot("carol-dm-done")

    page.locator("#channels button", has_text="kam-team").click()
    page.locator("#controls button", has_text="Run digests now").click()
    toast = page.locator("#toast")
    toast.wait_for()
    assert "DG-1" in toast.inner_text()
    digest = page.locator(".msg:not(.msg-ephemeral)", has=page.locator(".bk-header", has_text="SPR-")).last
    digest.wait_for()
    shot("digest")
