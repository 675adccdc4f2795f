"""`academy up` refuses, clearly and before touching anything, what it cannot run (the real CLI, as `make up`)."""

from __future__ import annotations

import os
import socket
import subprocess
from pathlib import Path

from hub_harness import BIN, REPO, platform_env, settings_from

from hub.instance import single_instance
from hub.process import free_port


def academy_up(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ACADEMY_")}
    return subprocess.run(
        [str(BIN / "academy"), "up", *args],
        env={**clean, **env},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_refuses_demo_accounts_before_generating_or_seeding_anything(tmp_path: Path) -> None:
    """ACADEMY_ENV=production with the demo login: exit 1 naming the fix, and no data, database or demo account."""
    home = tmp_path / "home"
    done = academy_up(platform_env(home, ACADEMY_ENV="production"))
    assert done.returncode == 1, done.stdout + done.stderr
    assert "ACADEMY_AUTH=oidc" in done.stdout
    assert not (home / "datasets").exists() and not (home / "progress.db").exists()
    assert "seeded" not in done.stdout


def test_a_second_up_on_the_same_home_says_one_is_running(tmp_path: Path) -> None:
    """While a launcher holds the home, another `academy up` stops at once and says which process runs it."""
    env = platform_env(tmp_path / "home")
    with single_instance(settings_from(env)):
        done = academy_up(env)
    assert done.returncode == 1
    assert "already running" in done.stdout and f"pid {os.getpid()}" in done.stdout
    assert not (tmp_path / "home" / "progress.db").exists()


def test_a_taken_port_is_named_before_anything_starts(tmp_path: Path) -> None:
    """When something already listens on the hub's port, `academy up` says so and how to pick another one."""
    port = free_port()
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        done = academy_up(platform_env(tmp_path / "home"), "--port", str(port))
    assert done.returncode == 1
    assert f"port {port}" in done.stdout and "academy up --port" in done.stdout
    assert not (tmp_path / "home" / "datasets").exists()
