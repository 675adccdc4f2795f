"""Hub load: N learners log in at once, spawn their JupyterLab and open a notebook.

Starts the real local hub (hub/jupyterhub_config.py: configurable-http-proxy, the local spawner, JupyterLab with
nbgrader) in a temporary ACADEMY_HOME on free loopback ports, enrols N learners through the roster sync, then
measures per learner the time from login to a ready server and to an opened notebook (the JupyterLab page of the
notebook plus its contents through the server's API, what a browser fetches first; no kernel is started).

Baseline in the same run: one learner alone. Targets (issue 6): N=50 all succeed; p50 spawn ≤ 5 s. Waiting for a
server follows the spawn's progress event stream, as the browser's spawn page does. `--prestart` first starts the
cohort's servers with `academy hub prestart`'s code (a separate, warm figure); `--subprocess` starts servers
without the fork server, for comparison.

    .venv/bin/python benchmarks/hub_load.py [--learners 50] [--ramp 0] [--prestart] [--subprocess]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil

from hub.config import DEMO_PASSWORD, HubSettings
from hub.prestart import PRESTART_TOKEN, prestart
from hub.process import Supervised, free_ports, wait_http
from hub.roster_sync import HubClient, sync_once
from hub.secret_store import read_secret, write_secret
from hub.up import CONFIG_FILE

BIN = Path(sys.executable).parent


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


def json_of(answer: httpx.Response, step: str) -> Any:
    """The JSON of an answer, or a ValueError saying which step got what (an HTML error page under load...)."""
    try:
        return answer.json()
    except ValueError:
        raise ValueError(f"{step}: HTTP {answer.status_code} {answer.text.strip()[:120]!r}") from None


def wait_ready(client: httpx.Client, name: str, *, timeout: float) -> str:
    """Follow the spawn's progress event stream, as the browser's spawn-pending page does; "" once ready."""
    stream_timeout = httpx.Timeout(60, read=timeout)
    url = f"/hub/api/users/{name}/server/progress"
    with client.stream("GET", url, headers=hub_xsrf(client), timeout=stream_timeout) as events:
        if events.status_code != 200:
            return f"progress: HTTP {events.status_code} {events.read().decode(errors='replace').strip()[:160]!r}"
        for line in events.iter_lines():
            if not line.startswith("data:"):
                continue
            event = json.loads(line.removeprefix("data:"))
            if event.get("ready"):
                return ""
            if event.get("failed"):
                return f"spawn failed: {event.get('message', '')}"
    return "progress stream ended before the server was ready"


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
            spawn = client.get("/hub/spawn")
            if spawn.status_code not in (200, 302):
                return Result(name, False, error=f"spawn: HTTP {spawn.status_code} {spawn.text.strip()[:120]!r}")
            failure = wait_ready(client, name, timeout=timeout)
            if failure:
                return Result(name, False, error=failure)
            ready = time.monotonic() - started
            made_token = client.post(f"/hub/api/users/{name}/tokens", json={}, headers=hub_xsrf(client))
            auth = {"Authorization": f"token {json_of(made_token, 'token')['token']}"}
            made = client.post(f"/user/{name}/api/contents", json={"type": "notebook"}, headers=auth)
            path = json_of(made, "new notebook")["path"]
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


def tree_cpu(root: psutil.Process) -> dict[int, tuple[str, float]]:
    """CPU-seconds used so far by each process of the platform, with its part (hub, proxy, user server, ...)."""
    used = {}
    for proc in [root, *root.children(recursive=True)]:
        try:
            times, cmdline, parent = proc.cpu_times(), " ".join(proc.cmdline()), proc.parent()
            parent_cmdline = " ".join(parent.cmdline()) if parent else ""
        except psutil.Error:
            continue
        if proc.pid == root.pid:
            part = "hub"
        elif "configurable-http-proxy" in cmdline or "hub.proxy" in cmdline:
            part = "proxy"
        elif "jupyterhub-singleuser" in cmdline or "hub.forkserver" in parent_cmdline:
            part = "user servers"
        elif "hub.forkserver" in cmdline:
            part = "fork server"
        else:
            part = "services"
        used[proc.pid] = (part, times.user + times.system)
    return used


def cpu_by_part(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]) -> dict[str, float]:
    parts: dict[str, float] = {}
    for pid, (part, cpu) in after.items():
        parts[part] = parts.get(part, 0.0) + cpu - before.get(pid, (part, 0.0))[1]
    return parts


def wait_fork_server(settings: HubSettings, hub: Supervised) -> None:
    """The fork server boots right after the hub (a managed service); a platform in use has it ready."""
    deadline = time.monotonic() + 120
    while not (settings.hub_dir / "forkserver.sock").exists():
        if time.monotonic() > deadline or hub.popen.poll() is not None:
            raise RuntimeError("the fork server did not start: see the hub log")
        time.sleep(0.2)


def main(
    *,
    learners: int,
    ramp: float,
    timeout: float,
    fork_server: bool,
    concurrency: int | None,
    keep_log: str | None = None,
    prestart_first: bool = False,
) -> int:
    home = Path(tempfile.mkdtemp(prefix="hub-load-"))
    hub_port, hub_api_port, proxy_api_port, progress_port = free_ports(4)
    env = {
        "ACADEMY_HOME": str(home),
        "ACADEMY_HUB_PORT": str(hub_port),
        "ACADEMY_HUB_API_PORT": str(hub_api_port),
        "ACADEMY_PROXY_API_PORT": str(proxy_api_port),
        "ACADEMY_PROGRESS_PORT": str(progress_port),
        "ACADEMY_PROGRESS_SERVICE": "false",  # the hub's own load: login, spawn, proxy, user servers
        "ACADEMY_GRADER_WATCH": "false",
        "ACADEMY_FORK_SERVER": str(fork_server).lower(),
    }
    if concurrency:
        env["ACADEMY_SPAWN_CONCURRENCY"] = str(concurrency)
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
        if fork_server:
            wait_fork_server(settings, hub)
        mode = "fork server" if fork_server else "plain subprocesses"
        print(
            f"hub_load: {learners} learners, ramp {ramp:.0f} s, {mode}, {os.cpu_count()} CPUs, "
            f"load avg {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
        )
        started = time.monotonic()
        baseline = run_wave(url, names[:1], ramp=0, timeout=timeout)
        report("baseline: 1 learner alone", baseline, time.monotonic() - started)
        root = psutil.Process(hub.pid)
        before, client_before = tree_cpu(root), time.process_time()
        label = f"{learners} learners at once" + (f" over {ramp:.0f} s" if ramp else "")
        if prestart_first:
            # The trainer's `academy hub prestart --cohort bench` before the session: measured on its own.
            prestart_token = read_secret(PRESTART_TOKEN, settings=settings, generate=False)
            done = prestart(hub_api=f"{url}/hub/api", token=prestart_token, cohort="bench", timeout=timeout)
            print(
                f"prestart of the cohort: {len(done.started)} started, {len(done.already)} already running, "
                f"{len(done.failed)} failed, all ready after {done.seconds:.1f} s"
            )
            label += ", PRESTARTED (warm, not the cold figure)"
        started = time.monotonic()
        wave = run_wave(url, names[1:], ramp=ramp, timeout=timeout)
        report(label, wave, time.monotonic() - started)
        parts = cpu_by_part(before, tree_cpu(root))
        platform = sum(parts.values())
        client = time.process_time() - client_before
        print(
            f"    CPU during the wave: platform {platform:.1f} s ({platform / max(learners, 1):.2f} s per learner: "
            + ", ".join(f"{part} {cpu / max(learners, 1):.2f}" for part, cpu in sorted(parts.items()))
            + f"), benchmark client {client:.1f} s; load avg after {' '.join(f'{x:.1f}' for x in os.getloadavg())}"
        )
        return 0 if all(r.ok for r in wave) else 1
    finally:
        hub.stop(grace=120)  # the hub stops every user server on its way out (cleanup_servers)
        if keep_log:
            shutil.copy(settings.logs_dir / "jupyterhub.log", keep_log)
            print(f"hub log kept in {keep_log}")
        shutil.rmtree(home, ignore_errors=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--learners", type=int, default=50)
    parser.add_argument("--ramp", type=float, default=0.0, help="spread the arrivals over this many seconds")
    parser.add_argument("--timeout", type=float, default=300.0, help="per-learner spawn timeout (s)")
    parser.add_argument(
        "--subprocess", action="store_true", help="start servers as plain subprocesses (no fork server)"
    )
    parser.add_argument("--concurrency", type=int, default=None, help="ACADEMY_SPAWN_CONCURRENCY (default: CPUs)")
    parser.add_argument("--keep-log", default=None, help="copy the hub's log to this file at the end")
    parser.add_argument("--prestart", action="store_true", help="prestart the cohort's servers before the wave")
    args = parser.parse_args()
    raise SystemExit(
        main(
            learners=args.learners,
            ramp=args.ramp,
            timeout=args.timeout,
            fork_server=not args.subprocess,
            concurrency=args.concurrency,
            keep_log=args.keep_log,
            prestart_first=args.prestart,
        )
    )
