"""`academy hub prestart --cohort C` against a real hub: the cohort's servers started, nobody else's, idempotent."""

from __future__ import annotations

import os
import subprocess

import httpx
from hub_harness import BIN, REPO, RunningHub

from hub.prestart import PRESTART_TOKEN
from hub.roster_sync import HubClient, sync_once
from hub.secret_store import read_secret

ROSTER = {
    "users": [
        {"username": "lea", "roles": ["learner"], "cohorts": ["matin"], "trains": []},
        {"username": "hugo", "roles": ["learner"], "cohorts": ["matin"], "trains": []},
        {"username": "ines", "roles": ["learner"], "cohorts": ["soir"], "trains": []},
    ]
}


def prestart(hub: RunningHub, cohort: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "academy"), "hub", "prestart", "--cohort", cohort, "--timeout", "300"],
        env={**os.environ, **hub.env},
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )


def running(hub: RunningHub, name: str) -> bool:
    token = read_secret(PRESTART_TOKEN, settings=hub.settings, generate=False)
    model = httpx.get(f"{hub.url}/hub/api/users/{name}", headers={"Authorization": f"token {token}"}).json()
    return bool(model["servers"].get("", {}).get("ready"))


def test_prestart_starts_the_cohorts_servers_only_and_twice_changes_nothing(hub_alone: RunningHub) -> None:
    """Are Léa's and Hugo's servers (cohort matin) ready after prestart, Inès' not, and a rerun starts nothing?"""
    token = read_secret("roster_sync_hub_token", settings=hub_alone.settings, generate=False)
    sync_once(roster=ROSTER, hub=HubClient(api_url=hub_alone.url + "/hub/api", token=token))
    first = prestart(hub_alone, "matin")
    assert first.returncode == 0, first.stdout + first.stderr
    assert "cohort matin: 2 started, 0 already running, 0 failed" in first.stdout
    assert running(hub_alone, "lea") and running(hub_alone, "hugo") and not running(hub_alone, "ines")
    again = prestart(hub_alone, "matin")
    assert again.returncode == 0 and "0 started, 2 already running" in again.stdout, again.stdout


def test_an_unknown_cohort_is_named_with_what_to_check(hub_alone: RunningHub) -> None:
    """Does a cohort the hub does not know give exit 1 and a pointer to the roster, starting nothing?"""
    done = prestart(hub_alone, "inconnue")
    assert done.returncode == 1
    assert "no cohort 'inconnue' in the hub" in done.stdout and "roster" in done.stdout
