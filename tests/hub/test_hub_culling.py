"""Idle user servers are stopped by jupyterhub-idle-culler running as a hub-managed service (this hub starts its
servers as plain subprocesses, the fork server's fallback)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest
from hub_harness import RunningHub, platform_env, server_pid, start_hub, wait_ready_server, xsrf

from hub.config import HubSettings
from hub.isolation import read_uids
from hub.roster_sync import HubClient, sync_once
from hub.secret_store import read_secret, write_secret


@pytest.fixture
def culling_hub(tmp_path: Path) -> Iterator[RunningHub]:
    """A hub whose culler stops servers idle for 5 s, checking every 2 s (production: 3600 s / 300 s)."""
    env = platform_env(
        tmp_path / "home",
        ACADEMY_PROGRESS_SERVICE="false",
        ACADEMY_GRADER_WATCH="false",
        ACADEMY_CULL_TIMEOUT="5",
        ACADEMY_CULL_EVERY="2",
        ACADEMY_FORK_SERVER="false",  # this hub also covers the plain-subprocess path (hub.launch)
    )
    write_secret("roster_token", "no-progress-service-in-this-test", settings=HubSettings(home=tmp_path / "home"))
    hub = start_hub(env)
    yield hub
    for client in hub.sessions:
        client.close()
    hub.proc.stop()


def test_idle_server_is_culled(culling_hub: RunningHub) -> None:
    """Is a learner's server that nobody uses stopped by the culler service without anyone asking?"""
    token = read_secret("roster_sync_hub_token", settings=culling_hub.settings, generate=False)
    roster = {"users": [{"username": "dormeur", "roles": ["learner"], "cohorts": [], "trains": []}]}
    sync_once(roster=roster, hub=HubClient(api_url=culling_hub.url + "/hub/api", token=token))
    session = culling_hub.login("dormeur")
    wait_ready_server(session, "dormeur")
    # Without the fork server, `python -m hub.launch` applied the same sandbox before exec'ing the server.
    assert "dormeur's server listening after" in culling_hub.log() and "(subprocess, pid" in culling_hub.log()
    if os.geteuid() == 0:
        uid = read_uids(culling_hub.settings)["dormeur"]
        assert psutil.Process(server_pid(culling_hub, "dormeur")).uids().real == uid
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        servers = session.get("/hub/api/users/dormeur", headers=xsrf(session)).json()["servers"]
        if not servers:
            break
        time.sleep(1)
    assert not servers, "the idle server is still running"
    assert "Culling server dormeur" in culling_hub.log() or "culling" in culling_hub.log().lower()
