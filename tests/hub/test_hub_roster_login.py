"""The login-time roster check (SSO post_auth_hook) against the real progress service and its seeded demo roster.

The hook is what the local production hub and the Kubernetes hub both run after the company SSO has authenticated
someone: the roster decides whether they may log in, and which academy groups they keep.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hub_harness import platform_env, prepare_progress_home, settings_from
from tornado import web

from hub.process import Supervised, free_port, wait_http
from hub.roster_login import NOT_ENROLLED, ROSTER_UNAVAILABLE, RosterLoginHook
from hub.secret_store import read_secret

BIN = Path(sys.executable).parent
pytestmark = pytest.mark.slow  # the progress service's migration and demo seed take tens of seconds under load


@pytest.fixture(scope="module")
def progress(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RosterLoginHook]:
    """The progress service (migrated, demo seeded, as `academy up` leaves it) and a hook reading its roster."""
    home = tmp_path_factory.mktemp("academy-home")
    env = platform_env(home)
    prepare_progress_home(home, env)
    settings = settings_from(env)
    command = [str(BIN / "academy"), "api", "serve", "--host", "127.0.0.1", "--port", str(settings.progress_port)]
    service = Supervised(
        command,
        env={**os.environ, **env, "ACADEMY_API_PREFIX": settings.progress_prefix},
        log=settings.logs_dir / "progress.log",
        cwd=home,
    )
    try:
        wait_http(f"{settings.progress_internal_url}/api/v1/health", timeout=90, proc=service)
        yield RosterLoginHook(
            progress_url=settings.progress_internal_url,
            token=lambda: read_secret("roster_token", settings=settings, generate=False),
        )
    finally:
        service.stop()


def login(hook: RosterLoginHook, name: str, sso_groups: list[str] | None = None) -> dict[str, Any]:
    """What the hook returns for someone the SSO authenticated (no handler: not a user the hub knows yet)."""
    authentication = {"name": name, "groups": sso_groups or ["academie"], "auth_state": None}
    return asyncio.run(hook(None, None, authentication))


def test_enrolled_learner_keeps_the_sso_groups_and_gains_the_rosters(progress: RosterLoginHook) -> None:
    """Does a learner of the demo cohort log in with the SSO's groups plus `learners` and their cohort?"""
    groups = login(progress, "apprenant1", ["academie", "direction-sante"])["groups"]
    assert set(groups) == {"academie", "direction-sante", "learners", "cohort-demo-2026"}


def test_trainer_gets_the_groups_of_the_cohorts_they_train(progress: RosterLoginHook) -> None:
    """Does the demo trainer log in into `trainers` and the group of the cohort they train?"""
    assert {"trainers", "trains-demo-2026"} <= set(login(progress, "formateur")["groups"])


@pytest.mark.parametrize("name", ["intrus", "grader", "roster-sync"])
def test_someone_not_in_the_roster_is_refused_with_the_reason(progress: RosterLoginHook, name: str) -> None:
    """Is a company account the roster does not list (or a platform service account) refused with a French reason?"""
    with pytest.raises(web.HTTPError) as refused:
        login(progress, name)
    assert refused.value.status_code == 403 and refused.value.log_message == NOT_ENROLLED


def test_unreadable_roster_refuses_someone_the_hub_does_not_know(progress: RosterLoginHook) -> None:
    """When the progress service cannot be reached, is an unknown person refused (503, try again) rather than let in?"""
    down = RosterLoginHook(progress_url=f"http://127.0.0.1:{free_port()}/services/progress", token=progress.token)
    with pytest.raises(web.HTTPError) as refused:
        login(down, "apprenant1")
    assert refused.value.status_code == 503 and refused.value.log_message == ROSTER_UNAVAILABLE
