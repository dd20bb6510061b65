"""End-to-end fixtures: the sandbox in-process on a temporary SQLite file, and Debian's Chromium driven
by Playwright (never a downloaded browser). Without Chromium the tests skip, unless KAM_REQUIRE_E2E=1."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox import Sandbox
from kam_core.config import Settings

CHROMIUM = os.environ.get("KAM_CHROMIUM", "/usr/bin/chromium")  # Debian's chromium
# Without the background-networking flags Chromium's own connections are refused by a closed network.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "e2e"


def _unavailable(reason: str) -> None:
    if os.environ.get("KAM_REQUIRE_E2E") == "1":
        pytest.fail(f"end-to-end tests required (KAM_REQUIRE_E2E=1) but {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        _unavailable(f"Chromium is not installed at {CHROMIUM}: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright package is not installed: pip install -e '.[dev]'")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Sandbox]:
    settings = Settings(kam_database_url=f"sqlite:///{tmp_path / 'kam.db'}", kam_scheduler=False)
    box = Sandbox(settings, page_port=0)
    box.start()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture
def page(browser: Any, sandbox: Sandbox) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.set_default_timeout(10_000)
    yield tab
    context.close()
    assert not errors, f"the page's script failed: {errors}"


@pytest.fixture
def shot(request: pytest.FixtureRequest, page: Any) -> Callable[[str], None]:
    """Save a screenshot as test-artifacts/e2e/<test>-<nn>-<name>.png."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    count = [0]

    def take(name: str) -> None:
        count[0] += 1
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}-{count[0]:02d}-{name}.png"))

    return take
