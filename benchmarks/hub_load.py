"""Hub load: N learners log in at once, spawn their JupyterLab and open a notebook.

Starts the real local hub (hub/jupyterhub_config.py: configurable-http-proxy, the local spawner, JupyterLab with
nbgrader) in a temporary ACADEMY_HOME on free loopback ports, enrols N learners through the roster sync, then
measures per learner the time from login to a ready server and to an opened notebook (the JupyterLab page of the
notebook plus its contents through the server's API, what a browser fetches first; no kernel is started).

Baseline in the same run: one learner alone. Targets (issue 6): N=50 all succeed; p50 spawn ≤ 5 s.

    .venv/bin/python benchmarks/hub_load.py [--learners 50] [--ramp 0]
"""

from __future__ import annotations

import argparse
import os
import shutil
import socket
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx

from hub.config import DEMO_PASSWORD, HubSettings
from hub.process import Supervised, wait_http
from hub.roster_sync import HubClient, sync_once
from hub.secret_store import read_secret, write_secret
from hub.up import CONFIG_FILE

BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Result:
    name: str
    ok: bool
    ready_s: float = 0.0
    notebook_s: float = 0.0
    error: str = ""


def hub_xsrf(client: httpx.Client) -> dict[str, str]:
    for cookie in client.cookies.jar:
        if cookie.name == "_xsrf" and cookie.path.startswith("/hub"):
            return {"X-XSRFToken": cookie.value or ""}
    return {}


def learner_session(url: str, name: str, *, delay: float, timeout: float) -> Result:
    """Log in, spawn, wait until ready, open a notebook: what a learner arriving at 9:00 does."""
    time.sleep(delay)
    started = time.monotonic()
    with httpx.Client(base_url=url, timeout=60) as client:
        try:
            client.get("/hub/login")
            login = client.post(
                "/hub/login",
                data={"username": name, "password": DEMO_PASSWORD, "_xsrf": client.cookies.get("_xsrf") or ""},
            )
            if login.status_code != 302:
                return Result(name, False, error=f"login {login.status_code}")
            client.get("/hub/spawn")
            while True:
                model = client.get(f"/hub/api/users/{name}", headers=hub_xsrf(client)).json()
                if model["servers"].get("", {}).get("ready"):
                    break
                if time.monotonic() - started > timeout:
                    return Result(name, False, error="spawn timeout")
                time.sleep(0.25)
            ready = time.monotonic() - started
            token = client.post(f"/hub/api/users/{name}/tokens", json={}, headers=hub_xsrf(client)).json()["token"]
            auth = {"Authorization": f"token {token}"}
            made = client.post(f"/user/{name}/api/contents", json={"type": "notebook"}, headers=auth)
            path = made.json()["path"]
            page = client.get(f"/user/{name}/lab/tree/{path}", headers=auth)
            content = client.get(f"/user/{name}/api/contents/{path}", headers=auth)
            if page.status_code != 200 or content.status_code != 200:
                return Result(name, False, ready, error=f"notebook {page.status_code}/{content.status_code}")
            return Result(name, True, ready, time.monotonic() - started)
        except (httpx.HTTPError, KeyError, ValueError) as error:
            return Result(name, False, error=f"{type(error).__name__}: {error}")


def run_wave(url: str, names: list[str], *, ramp: float, timeout: float) -> list[Result]:
    step = ramp / max(len(names) - 1, 1) if ramp else 0.0
    pool = ThreadPoolExecutor(max_workers=len(names))
    try:
        futures = [
            pool.submit(learner_session, url, name, delay=i * step, timeout=timeout) for i, name in enumerate(names)
        ]
        return [f.result() for f in futures]
    finally:  # on Ctrl-C, do not wait for the learners' threads: the hub is stopped right after
        pool.shutdown(wait=False, cancel_futures=True)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def report(label: str, results: list[Result], wall: float) -> None:
    ok = [r for r in results if r.ok]
    ready = [r.ready_s for r in ok]
    opened = [r.notebook_s for r in ok]
    print(
        f"{label:<28} {len(ok):>3}/{len(results):<3} ok  ready p50 {percentile(ready, 0.5):6.2f} s  "
        f"p95 {percentile(ready, 0.95):6.2f} s  notebook p50 {percentile(opened, 0.5):6.2f} s  "
        f"p95 {percentile(opened, 0.95):6.2f} s  wall {wall:6.1f} s"
    )
    for failed in [r for r in results if not r.ok][:5]:
        print(f"    {failed.name}: {failed.error}")


def main(*, learners: int, ramp: float, timeout: float) -> int:
    home = Path(tempfile.mkdtemp(prefix="hub-load-"))
    env = {
        "ACADEMY_HOME": str(home),
        "ACADEMY_HUB_PORT": str(free_port()),
        "ACADEMY_HUB_API_PORT": str(free_port()),
        "ACADEMY_PROXY_API_PORT": str(free_port()),
        "ACADEMY_PROGRESS_PORT": str(free_port()),
        "ACADEMY_PROGRESS_SERVICE": "false",  # the hub's own load: login, spawn, proxy, user servers
        "ACADEMY_GRADER_WATCH": "false",
    }
    settings = HubSettings(**{k.removeprefix("ACADEMY_").lower(): v for k, v in env.items()})  # type: ignore[arg-type]
    settings.datasets_dir.mkdir(parents=True, exist_ok=True)
    write_secret("roster_token", "no-progress-service-in-this-benchmark", settings=settings)
    hub = Supervised(
        [str(BIN / "jupyterhub"), "-f", str(CONFIG_FILE)],
        env={**os.environ, **env},
        log=settings.logs_dir / "jupyterhub.log",
        cwd=settings.hub_dir,
    )
    try:
        url = settings.public_url.rstrip("/")
        wait_http(f"{url}/hub/api/", timeout=120, proc=hub)
        names = [f"bench{i:03d}" for i in range(learners + 1)]
        token = read_secret("roster_sync_hub_token", settings=settings, generate=False)
        roster = {"users": [{"username": n, "roles": ["learner"], "cohorts": ["bench"], "trains": []} for n in names]}
        sync_once(roster=roster, hub=HubClient(api_url=url + "/hub/api", token=token))
        print(f"hub_load: {learners} learners, ramp {ramp:.0f} s, {os.cpu_count()} CPUs (load avg {os.getloadavg()})")
        started = time.monotonic()
        baseline = run_wave(url, names[:1], ramp=0, timeout=timeout)
        report("baseline: 1 learner alone", baseline, time.monotonic() - started)
        started = time.monotonic()
        wave = run_wave(url, names[1:], ramp=ramp, timeout=timeout)
        report(
            f"{learners} learners at once" + (f" over {ramp:.0f} s" if ramp else ""), wave, time.monotonic() - started
        )
        return 0 if all(r.ok for r in wave) else 1
    finally:
        hub.stop(grace=120)  # the hub stops every user server on its way out (cleanup_servers)
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--ramp", type=float, default=0.0, help="spread the arrivals over this many seconds")
    parser.add_argument("--timeout", type=float, default=300.0, help="per-learner spawn timeout (s)")
    args = parser.parse_args()
    raise SystemExit(main(learners=args.learners, ramp=args.ramp, timeout=args.timeout))
