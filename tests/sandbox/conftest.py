"""A sandbox running in-process (emulator + page + the real bot over HTTP) on a temporary SQLite file,
and a small client for the page's JSON endpoints."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.sandbox import Sandbox
from kam_core.config import Settings


class PageClient:
    """Calls the page's endpoints the way its script does (JSON over HTTP on loopback)."""

    def __init__(self, base: str) -> None:
        self.base = base

    def request(
        self, path: str, body: dict[str, Any] | None = None, *, headers: dict[str, str] | None = None
    ) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        sent = (
            {"Content-Type": "application/json", **(headers or {})}
            if data is not None
            else dict(headers or {})
        )
        req = urllib.request.Request(
            self.base + path, data=data, headers=sent, method="POST" if data else "GET"
        )
        try:
            with urllib.request.urlopen(req, timeout=20) as resp:
                raw, status = resp.read(), resp.status
        except urllib.error.HTTPError as error:
            raw, status = error.read(), error.code
        try:
            return status, json.loads(raw)
        except ValueError:
            return status, raw.decode()

    def post(self, path: str, **body: Any) -> Any:
        status, answer = self.request(path, body)
        assert status == 200, (path, status, answer)
        return answer

    def state(self, user: str, pane: str = "C0KAMTEAM") -> Any:
        status, answer = self.request(f"/_emu/state?user={user}&pane={pane}")
        assert status == 200
        return answer

    def wait_state(
        self, user: str, check: Callable[[Any], Any], pane: str = "C0KAMTEAM", timeout: float = 10
    ) -> Any:
        """The state once ``check(state)`` is truthy (long-polling /_emu/wait in between)."""
        import time

        deadline = time.monotonic() + timeout
        state = self.state(user, pane)
        while not check(state):
            left = deadline - time.monotonic()
            assert left > 0, f"timed out; last pane: {state['pane']['html'][-2000:]}"
            self.request(f"/_emu/wait?since={state['version']}&timeout={min(left, 2):.2f}")
            state = self.state(user, pane)
        return state


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    folder: Path = tmp_path_factory.mktemp("sandbox")
    settings = Settings(kam_database_url=f"sqlite:///{folder / 'kam.db'}", kam_scheduler=False)
    box = Sandbox(settings, page_port=0)
    box.start()
    try:
        yield box
    finally:
        box.stop()


@pytest.fixture(scope="module")
def page(sandbox: Sandbox) -> PageClient:
    return PageClient(sandbox.url)
