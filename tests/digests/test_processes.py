"""Two separate `kam digest tick` processes at the same instant on PostgreSQL: one post each."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from tests.digests.conftest import NINE_BERLIN, DigestEnv


@pytest.mark.postgres_only
def test_two_tick_processes_post_each_digest_once(digest_env: DigestEnv, database_url: str) -> None:
    env = {
        **os.environ,
        "KAM_DATABASE_URL": database_url,
        "SLACK_BOT_TOKEN": digest_env.emu.bot_token,
        "SLACK_API_URL": digest_env.emu.api_url,
        "KAM_LOG_LEVEL": "WARNING",
    }
    command = [
        sys.executable,
        "-m",
        "kam_core.cli",
        "digest",
        "tick",
        "--at",
        NINE_BERLIN.isoformat(),
        "--workspace",
        digest_env.team_id,
    ]
    barrier = threading.Barrier(2)
    results: list[subprocess.CompletedProcess[str]] = []

    def run() -> None:
        barrier.wait()
        results.append(subprocess.run(command, env=env, capture_output=True, text=True, timeout=120))

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(r.returncode == 0 for r in results), [r.stderr for r in results]
    outputs = "\n".join(r.stdout for r in results)
    assert outputs.count("posted    DG-1") == 1 and outputs.count("posted    DG-2") == 1
    assert len(digest_env.posts("C0KAMTEAM")) == 1
    assert len(digest_env.posts("C0ONCDACH")) == 1
