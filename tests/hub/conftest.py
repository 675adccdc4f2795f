"""Fixtures of the hub tests: a real JupyterHub, alone or with the real progress service, in a tmp ACADEMY_HOME.

Every server listens on free loopback ports and is stopped by the fixture through the same supervision code the
launcher uses (hub/process.py), so a leaked process would also be a launcher bug. Helpers live in hub_harness.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hub_harness import RunningHub, platform_env, prepare_progress_home, start_hub

from hub.config import HubSettings
from hub.process import wait_http
from hub.secret_store import write_secret


@pytest.fixture(scope="module")
def hub_alone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    """A real hub with demo auth and the roster sync's hub token, but no progress service (the hub's own pieces)."""
    home = tmp_path_factory.mktemp("academy-home")
    env = platform_env(home, ACADEMY_PROGRESS_SERVICE="false", ACADEMY_GRADER_WATCH="false")
    settings = HubSettings(home=home)
    # A roster token makes the hub configure the roster-sync service; with no progress service it only logs
    # failed passes, and the tests drive sync_once themselves with the same hub token.
    write_secret("roster_token", "no-progress-service-in-this-test", settings=settings)
    hub = start_hub(env)
    yield hub
    for client in hub.sessions:
        client.close()
    hub.proc.stop()


@pytest.fixture(scope="module")
def hub_with_progress(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningHub]:
    """The hub with the real progress service (hub OAuth) and the roster sync, no grader: the demo cohort seeded."""
    home = tmp_path_factory.mktemp("academy-home")
    env = platform_env(home, ACADEMY_GRADER_WATCH="false")
    prepare_progress_home(home, env)
    hub = start_hub(env)
    try:
        wait_http(f"{hub.settings.progress_internal_url}/api/v1/health", timeout=60, proc=hub.proc)
    except BaseException:
        hub.proc.stop()
        raise AssertionError(f"progress service did not start:\n{hub.log()[-4000:]}") from None
    yield hub
    for client in hub.sessions:
        client.close()
    hub.proc.stop()
