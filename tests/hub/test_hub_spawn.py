"""A real user server through the hub: its home, its nbgrader identity, its JupyterLab, nobody else's server."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest
from hub_harness import RunningHub, server_pid, xsrf

from hub.roster_sync import HubClient, sync_once
from hub.secret_store import read_secret

ROSTER = {
    "users": [
        {"username": "camille", "roles": ["learner"], "cohorts": ["p1"], "trains": []},
        {"username": "yanis", "roles": ["learner"], "cohorts": ["p1"], "trains": []},
    ]
}


def spawn(hub: RunningHub, session: httpx.Client, name: str, *, timeout: float = 90.0) -> float:
    """Start `name`'s server as a browser does (GET /hub/spawn); seconds until the hub reports it ready."""
    started = time.monotonic()
    answer = session.get("/hub/spawn")
    assert answer.status_code == 302, answer.text
    hdrs = xsrf(session)
    while time.monotonic() - started < timeout:
        model = session.get(f"/hub/api/users/{name}", headers=hdrs).json()
        if model["servers"].get("", {}).get("ready"):
            return time.monotonic() - started
        time.sleep(0.3)
    raise AssertionError(f"server of {name} not ready after {timeout} s:\n{hub.log()[-3000:]}")


@pytest.fixture(scope="module")
def camille(hub_alone: RunningHub) -> httpx.Client:
    """Camille, enrolled through the roster sync, logged in, with her server running."""
    datasets = hub_alone.settings.datasets_dir
    datasets.mkdir(parents=True, exist_ok=True)
    (datasets / "manifest.json").write_text("{}")
    token = read_secret("roster_sync_hub_token", settings=hub_alone.settings, generate=False)
    sync_once(roster=ROSTER, hub=HubClient(api_url=hub_alone.url + "/hub/api", token=token))
    session = hub_alone.login("camille")
    spawn(hub_alone, session, "camille")
    return session


def test_learner_home_has_identity_and_hides_authoring_tools(hub_alone: RunningHub, camille: httpx.Client) -> None:
    """Is the home under $ACADEMY_HOME/hub/users, with nbgrader's student id and formgrader hidden?"""
    home = hub_alone.settings.users_dir / "camille"
    config = (home / "nbgrader_config.py").read_text()
    assert "c.CourseDirectory.student_id = 'camille'" in config
    assert str(hub_alone.settings.exchange_dir) in config
    page = json.loads((home / ".jupyter" / "labconfig" / "page_config.json").read_text())
    assert page["disabledExtensions"]["@jupyter/nbgrader:formgrader"] is True
    assert page["disabledExtensions"]["@jupyterlab/apputils-extension:announcements"] is True  # no news prompt
    assert Path(psutil.Process(server_pid(hub_alone, "camille")).cwd()) == home


def test_learner_reaches_own_jupyterlab_but_not_another_learners_server(
    hub_alone: RunningHub, camille: httpx.Client
) -> None:
    """Does Camille get her JupyterLab, while Yanis' server URL gives her no page of his?"""
    own = camille.get("/user/camille/lab", follow_redirects=True)
    assert own.status_code == 200 and "JupyterLab" in own.text
    # Learners install no JupyterLab extension (the stack is the academy's; PyPI is out of reach anyway).
    config_data = re.search(r'id="jupyter-config-data"[^>]*>(.*?)</script>', own.text, re.S)
    assert config_data is not None, own.text[:500]
    page_config = json.loads(config_data.group(1))
    assert page_config["extensionManager"]["name"] == "read-only"
    assert page_config["extensionManager"]["can_install"] is False
    # Her notebooks run on the platform's Python, where the scientific stack is installed.
    specs = camille.get("/user/camille/api/kernelspecs").json()
    argv = specs["kernelspecs"][specs["default"]]["spec"]["argv"]
    python = sys.executable if argv[0] in ("python", "python3") else argv[0]  # jupyter_client's own rule
    ready = subprocess.run([python, "-c", "import pandas, matplotlib, sklearn, datasets_synthetic"], check=False)
    assert ready.returncode == 0
    yanis = hub_alone.login("yanis")
    spawn(hub_alone, yanis, "yanis")
    other = camille.get("/user/yanis/api/contents", follow_redirects=True)
    assert other.status_code in (403, 404), other.status_code
    assert "nbgrader_config.py" not in other.text
    api = camille.get("/hub/api/users/yanis", headers=xsrf(camille))
    assert api.status_code == 404  # not even told whether yanis exists
