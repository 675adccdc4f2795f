"""Helpers of the hub tests: a real JupyterHub (and, for end-to-end tests, the real platform) in a tmp home.

Test modules import these from here, never from `conftest` (several conftest modules share that name, so which
one `import conftest` finds depends on collection order); the fixtures themselves live in conftest.py.

Every server listens on free loopback ports and is stopped by the fixture through the same supervision code the
launcher uses (hub/process.py), so a leaked process would also be a launcher bug.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import websocket

from hub.config import HubSettings
from hub.process import Supervised, free_ports, wait_http
from hub.secret_store import read_secret
from hub.up import CONFIG_FILE

BIN = Path(sys.executable).parent
DEMO_PASSWORD = "academie-demo"


def platform_env(home: Path, **extra: str) -> dict[str, str]:
    """ACADEMY_* variables of a platform in `home`, every port free right now."""
    hub, hub_api, proxy_api, progress = free_ports(4)
    env = {
        "ACADEMY_HOME": str(home),
        "ACADEMY_HUB_PORT": str(hub),
        "ACADEMY_HUB_API_PORT": str(hub_api),
        "ACADEMY_PROXY_API_PORT": str(proxy_api),
        "ACADEMY_PROGRESS_PORT": str(progress),
        "ACADEMY_ROSTER_INTERVAL": "1",
    }
    env.update(extra)
    return env


def settings_from(env: dict[str, str]) -> HubSettings:
    """The HubSettings a process started with `env` reads (parsed exactly as from its environment)."""
    saved = dict(os.environ)
    os.environ.update(env)
    try:
        return HubSettings()
    finally:
        os.environ.clear()
        os.environ.update(saved)


def xsrf(session: httpx.Client) -> dict[str, str]:
    """The hub's XSRF header for cookie-authenticated API calls (user servers set their own `_xsrf` too)."""
    for cookie in session.cookies.jar:
        if cookie.name == "_xsrf" and cookie.path in ("/hub/", "/hub"):
            return {"X-XSRFToken": cookie.value or ""}
    return {}


@dataclass
class RunningHub:
    """A JupyterHub started from hub/jupyterhub_config.py, with what tests need to talk to it."""

    env: dict[str, str]
    proc: Supervised
    settings: HubSettings
    sessions: list[httpx.Client] = field(default_factory=list)

    @property
    def url(self) -> str:
        return self.settings.public_url.rstrip("/")

    def admin(self) -> httpx.Client:
        """A hub API client holding the roster sync's token (admin:users, admin:groups)."""
        token = read_secret("roster_sync_hub_token", settings=self.settings, generate=False)
        client = httpx.Client(base_url=self.url + "/hub/api/", headers={"Authorization": f"token {token}"}, timeout=30)
        self.sessions.append(client)
        return client

    def login(self, username: str, password: str = DEMO_PASSWORD) -> httpx.Client:
        """A browser-like session logged in through the hub's login form."""
        client = httpx.Client(base_url=self.url, timeout=60, follow_redirects=False)
        self.sessions.append(client)
        client.get("/hub/login")
        answer = client.post(
            "/hub/login", data={"username": username, "password": password, "_xsrf": client.cookies.get("_xsrf", "")}
        )
        if answer.status_code != 302:
            raise AssertionError(f"login of {username} answered {answer.status_code}")
        return client

    def log(self) -> str:
        return (self.settings.logs_dir / "jupyterhub.log").read_text(errors="replace")


def start_hub(env: dict[str, str], *, timeout: float = 90.0) -> RunningHub:
    full_env = {**os.environ, **env}
    settings = settings_from(env)
    settings.hub_dir.mkdir(parents=True, exist_ok=True)
    proc = Supervised(
        [str(BIN / "jupyterhub"), "-f", str(CONFIG_FILE)],
        env=full_env,
        log=settings.logs_dir / "jupyterhub.log",
        cwd=settings.hub_dir,
    )
    hub = RunningHub(env=env, proc=proc, settings=settings)
    try:
        wait_http(f"{hub.url}/hub/api/", timeout=timeout, proc=proc)
    except BaseException:
        proc.stop()
        raise AssertionError(f"hub did not start:\n{hub.log()[-4000:]}") from None
    return hub


def prepare_progress_home(home: Path, env: dict[str, str]) -> None:
    """Migrate, seed the demo and create the service tokens exactly as `academy up` does (real CLIs)."""
    from rich.console import Console

    from hub.up import ensure_dirs, prepare_progress

    old = dict(os.environ)
    os.environ.update(env)
    try:
        settings = HubSettings()
        ensure_dirs(settings)
        prepare_progress(settings, console=Console(quiet=True))
    finally:
        os.environ.clear()
        os.environ.update(old)


# --- The whole platform through `academy up` (slow end-to-end tests and the browser test) ---

COURSE, ASSIGNMENT = "c01-python-pandas", "a01-premiers-pas"
COHORT = "demo-2026"
REPO = Path(__file__).resolve().parents[2]


@dataclass
class Platform:
    """`academy up` running in its own process group, with a RunningHub view for the tests' HTTP helpers."""

    up: Supervised
    hub: RunningHub
    output: Path

    def text(self) -> str:
        return self.output.read_text(errors="replace")


def start_platform(
    home: Path, *, datasets: Path, run: str = "first", timeout: float = 400.0, port: str | None = None
) -> Platform:
    """Run `academy up` exactly as `make up` does (real data, database, releases, hub, services) on free ports
    (or on the given public `port`)."""
    # Only the course the tests use is released: each release is an nbgrader run (seconds on a loaded machine).
    env = platform_env(home, ACADEMY_DATASETS=str(datasets), ACADEMY_RELEASE_COURSES=f'["{COURSE}"]')
    port = port or env.pop("ACADEMY_HUB_PORT")
    env.pop("ACADEMY_HUB_PORT", None)
    home.mkdir(parents=True, exist_ok=True)
    output = home / f"up-output-{run}.txt"
    up = Supervised([str(BIN / "academy"), "up", "--port", port], env={**os.environ, **env}, log=output, cwd=REPO)
    env["ACADEMY_HUB_PORT"] = port
    settings = settings_from(env)
    platform = Platform(up=up, hub=RunningHub(env=env, proc=up, settings=settings), output=output)
    deadline = time.monotonic() + timeout
    while "Press Ctrl-C" not in platform.text():
        up.refresh()
        if up.popen.poll() is not None or time.monotonic() > deadline:
            up.stop()
            raise AssertionError(f"academy up did not come up:\n{platform.text()[-4000:]}")
        time.sleep(0.5)
    return platform


def stop_platform(platform: Platform) -> None:
    for client in platform.hub.sessions:
        client.close()
    platform.up.stop()


def user_token(session: httpx.Client, name: str) -> str:
    """A hub API token of the logged-in user (what JupyterLab and scripts use), made through the hub API."""
    made = session.post(f"/hub/api/users/{name}/tokens", json={"note": "test"}, headers=xsrf(session))
    assert made.status_code == 201, made.text
    return str(made.json()["token"])


def wait_ready_server(session: httpx.Client, name: str, *, timeout: float = 120.0) -> float:
    """Start `name`'s server as a browser does (GET /hub/spawn); seconds until the hub reports it ready."""
    started = time.monotonic()
    answer = session.get("/hub/spawn")
    assert answer.status_code == 302, answer.text
    while time.monotonic() - started < timeout:
        model = session.get(f"/hub/api/users/{name}", headers=xsrf(session)).json()
        if model["servers"].get("", {}).get("ready"):
            return time.monotonic() - started
        time.sleep(0.3)
    raise AssertionError(f"server of {name} not ready after {timeout} s")


def wait_in_group(hub: RunningHub, name: str, group: str, *, timeout: float = 60.0) -> None:
    admin = hub.admin()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = admin.get(f"users/{name}")
        if answer.status_code == 200 and group in answer.json()["groups"]:
            return
        time.sleep(0.5)
    raise AssertionError(f"{name} not in {group} after {timeout} s")


def solutions(course: str, assignment: str) -> dict[str, str]:
    """grade_id -> solution code, from the course's source notebook (solution markers removed)."""
    import nbformat

    found: dict[str, str] = {}
    for path in sorted((REPO / "courses" / course / "source" / assignment).glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("solution") and cell.cell_type == "code":
                lines = [line for line in cell.source.splitlines() if "### BEGIN SOLUTION" not in line]
                found[meta["grade_id"]] = "\n".join(line for line in lines if "### END SOLUTION" not in line)
    return found


def server_pid(hub: RunningHub, name: str) -> int:
    """The pid of `name`'s server, as the hub recorded it (its spawner state in the hub database)."""
    with sqlite3.connect(hub.settings.hub_dir / "jupyterhub.sqlite") as db:
        row = db.execute(
            "SELECT s.state FROM spawners s JOIN users u ON s.user_id = u.id WHERE u.name = ? AND s.name = ''",
            (name,),
        ).fetchone()
    pid = json.loads(row[0] or "{}").get("pid") if row else None
    if not pid:
        raise AssertionError(f"no running server recorded for {name}")
    return int(pid)


def run_in_kernel(hub: RunningHub, session: httpx.Client, name: str, code: str, *, timeout: float = 120.0) -> str:
    """Run `code` in a fresh kernel of `name`'s server, as a notebook cell does; return what it printed.

    The kernel is started through the server's REST API and driven over its websocket (Jupyter messaging), so the
    code runs exactly where a learner's code runs: their uid, their mount view, their environment.
    """
    token = user_token(session, name)
    headers = {"Authorization": f"token {token}"}
    with httpx.Client(base_url=f"{hub.url}/user/{name}/api", headers=headers, timeout=timeout) as api:
        started = api.post("/kernels", json={"name": "python3"})
        assert started.status_code == 201, started.text
        kernel = started.json()["id"]
        ws_url = f"{hub.url.replace('http://', 'ws://')}/user/{name}/api/kernels/{kernel}/channels"
        conn = websocket.create_connection(ws_url, header=[f"Authorization: token {token}"], timeout=timeout)
        try:
            msg_id = uuid.uuid4().hex
            header = {"msg_id": msg_id, "msg_type": "execute_request", "username": name, "session": msg_id}
            content = {"code": code, "silent": False, "store_history": False, "allow_stdin": False}
            conn.send(
                json.dumps(
                    {
                        "header": {**header, "version": "5.3", "date": ""},
                        "parent_header": {},
                        "metadata": {},
                        "content": content,
                        "channel": "shell",
                        "buffers": [],
                    }
                )
            )
            out: list[str] = []
            while True:
                msg = json.loads(conn.recv())
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind = msg["msg_type"]
                if kind == "stream":
                    out.append(msg["content"]["text"])
                elif kind == "error":
                    raise AssertionError("kernel error:\n" + "\n".join(msg["content"]["traceback"]))
                elif kind == "status" and msg["content"]["execution_state"] == "idle":
                    return "".join(out)
        finally:
            conn.close()
            api.delete(f"/kernels/{kernel}")
