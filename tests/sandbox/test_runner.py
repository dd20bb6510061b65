"""`kam-bot` with no Slack credentials: the sandbox starts, serves the page, seeds once, stops on SIGTERM."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from bot.sandbox import runner
from bot.sandbox.workspace import ensure_demo, make_emulator
from kam_core import migrate
from kam_core.config import Settings
from kam_core.db import make_engine, make_session_factory


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_kam_bot(folder: Path, port: int) -> tuple[subprocess.Popen[str], str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SLACK_")}
    env.update(KAM_PORT=str(port), KAM_DATABASE_URL=f"sqlite:///{folder / 'kam.db'}", KAM_SCHEDULER="false")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot"],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    seen = []
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        seen.append(line)
        if "Press Ctrl-C to stop." in line or (not line and proc.poll() is not None):
            break
    return proc, "".join(seen)


def stop(proc: subprocess.Popen[str]) -> int:
    proc.send_signal(signal.SIGTERM)
    try:
        return proc.wait(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()


def test_kam_bot_without_credentials_runs_the_sandbox(tmp_path: Path) -> None:
    port = free_port()
    proc, out = start_kam_bot(tmp_path, port)
    try:
        assert f"Open http://127.0.0.1:{port} in your browser." in out, out
        assert "seeded the demo workspace" in out and "T0KAMDEMO" in out
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as resp:
            assert resp.status == 200 and b"/static/app.js" in resp.read()
    finally:
        code = stop(proc)
    assert code == 0
    again, out = start_kam_bot(tmp_path, port)
    try:
        assert "kept the existing data" in out, out
    finally:
        assert stop(again) == 0


def test_a_taken_port_is_reported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = int(sock.getsockname()[1])
        settings = Settings(kam_database_url=f"sqlite:///{tmp_path / 'kam.db'}", kam_port=port)
        assert runner.run(settings) == 1
    assert re.search(
        rf"cannot serve the sandbox page on 127\.0\.0\.1:{port} .*KAM_PORT", capsys.readouterr().err
    )


def test_the_demo_is_seeded_once(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'kam.db'}")
    migrate.upgrade(engine)
    factory = make_session_factory(engine)
    assert ensure_demo(factory, "T0SEEDONCE") is True
    assert ensure_demo(factory, "T0SEEDONCE") is False
    assert ensure_demo(factory, "T0OTHERTEAM") is True
    engine.dispose()


def test_the_emulated_workspace_matches_the_demo() -> None:
    emu = make_emulator("T0KAMDEMO")
    people = {u.id: u for u in emu.users() if not u.is_bot}
    assert set(people) == {"U0ALICE", "U0BOB", "U0CAROL", "U0DAN"}
    assert people["U0CAROL"].title == "Manager" and people["U0ALICE"].is_admin
    assert {c.name for c in emu.channels()} == {"kam-team", "oncology-dach", "general"}
    assert emu.signing_secret != make_emulator("T0KAMDEMO").signing_secret  # random per run
    assert emu.bot_token.startswith("xoxb-") and emu.commands == ("/kam",)


def test_digests_without_a_scheduler_say_so(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(runner, "_scheduler_function", lambda name: None)
    box = runner.Sandbox(Settings(kam_database_url="sqlite://"), page_port=0)
    assert box.run_digests() == [runner.NOT_YET]
