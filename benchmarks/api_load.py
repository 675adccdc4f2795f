"""Load benchmark of the progress service (issue 3).

A cohort of 500 learners × 30 assignments × 10 exercises (150,000 grades) on SQLite; then, on ONE server started
for the run:
- the time to ingest 100,000 grades in one `POST /api/v1/ingest/grades` (target ≤ 5 s), and the remaining 50,000;
- requests per second and p50/p99 latency of the gradebook and of a learner's progress, measured the same way
  as the health endpoint (no database, no auth) on the same server in the same run: the baseline.
  Target: gradebook rps ≥ 0.3 × health rps.
- the gradebook's first (uncached) call, and its latency right after a write (a self-check) in ANOTHER cohort
  (cached analytics are invalidated per cohort: should stay a cache hit) versus in the SAME cohort (recomputed).

Run: `.venv/bin/python benchmarks/api_load.py [--learners 500] [--seconds 5] [--clients 4]`.
Figures depend on what else the machine runs: run it twice and read them with that caveat.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psutil
from rich.console import Console
from rich.table import Table

from hub.process import free_port

ROOT = Path(__file__).resolve().parent.parent
console = Console()


def server_cpu(pid: int) -> float:
    """CPU seconds used so far by the server process: unlike wall time, not inflated by other load on the machine."""
    times = psutil.Process(pid).cpu_times()
    return float(times.user + times.system)


def cli(env: dict[str, str], *args: str) -> str:
    out = subprocess.run(
        [str(ROOT / ".venv/bin/academy"), "api", *args],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout.strip()


def wait_ready(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"server not ready at {url}")


def build_catalogue(client: httpx.Client, *, assignments: int, exercises: int) -> None:
    client.put(
        "/api/v1/competencies",
        json={
            "competencies": [
                {
                    "id": f"bench.c{i}",
                    "label": f"Compétence {i}",
                    "domain": "bench",
                    "levels": [{"level": 1, "label": "1"}, {"level": 2, "label": "2"}],
                }
                for i in range(5)
            ]
        },
    ).raise_for_status()
    client.put("/api/v1/courses/bench", json={"title": "Banc d'essai", "order": 0}).raise_for_status()
    start = datetime(2026, 9, 7, tzinfo=UTC)
    for a in range(assignments):
        body = {
            "title": f"Devoir {a}",
            "points": exercises,
            "exercises": [
                {
                    "id": f"ex{e:02d}",
                    "max_score": 1,
                    "kind": "auto",
                    "competencies": [{"id": f"bench.c{e % 5}", "level": 1 + e % 2}],
                }
                for e in range(exercises)
            ],
        }
        client.put(f"/api/v1/courses/bench/assignments/a{a:02d}", json=body).raise_for_status()
        due = (start + timedelta(days=7 * (a + 1))).isoformat()
        client.put(f"/api/v1/cohorts/bench-2026/releases/bench/a{a:02d}", json={"due_date": due}).raise_for_status()


def grade_rows(learners: list[str], *, assignments: int, exercises: int) -> list[dict[str, object]]:
    start = datetime(2026, 9, 7, tzinfo=UTC)
    rows = []
    for li, name in enumerate(learners):
        for a in range(assignments):
            submitted = (start + timedelta(days=7 * (a + 1), hours=(li % 48) - 24)).isoformat()
            for e in range(exercises):
                rows.append(
                    {
                        "learner": name,
                        "course": "bench",
                        "assignment": f"a{a:02d}",
                        "attempt": 1,
                        "exercise": f"ex{e:02d}",
                        "score": float((li + a + e) % 3 != 0),
                        "max_score": 1.0,
                        "kind": "auto",
                        "submitted_at": submitted,
                        "graded_at": submitted,
                        "feedback_url": None,
                        "comment": None,
                    }
                )
    return rows


def hammer(url: str, headers: dict[str, str], *, seconds: float, clients: int) -> tuple[float, float, float, int]:
    """(requests/s, p50 ms, p99 ms, errors) with `clients` keep-alive connections for `seconds`."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker() -> None:
        nonlocal errors
        mine: list[float] = []
        bad = 0
        with httpx.Client(headers=headers, timeout=30) as client:
            while time.monotonic() < stop:
                t0 = time.perf_counter()
                status = client.get(url).status_code
                mine.append(time.perf_counter() - t0)
                bad += status != 200
        with lock:
            latencies.extend(mine)
            errors += bad

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    began = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.monotonic() - began
    latencies.sort()
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return len(latencies) / elapsed, statistics.median(latencies) * 1000, p99 * 1000, errors


def after_writes(
    base: str, url: str, *, reader: dict[str, str], writer: dict[str, str], write: dict[str, object], times: int
) -> float:
    """Median ms of the first gradebook call after a self-check recorded by the grader (one write, then one read)."""
    spent = []
    with httpx.Client(base_url=base, timeout=120) as c:
        for _ in range(times):
            c.post("/api/v1/selfchecks", json=write, headers=writer).raise_for_status()
            t0 = time.perf_counter()
            c.get(url, headers=reader).raise_for_status()
            spent.append((time.perf_counter() - t0) * 1000)
    return statistics.median(spent)


def main(*, learners: int, assignments: int, exercises: int, seconds: float, clients: int) -> None:
    home = Path(tempfile.mkdtemp(prefix="academy-bench-"))
    port = free_port()
    env = {**os.environ, "ACADEMY_HOME": str(home), "ACADEMY_API_PREFIX": ""}
    env.pop("ACADEMY_DATABASE_URL", None)
    cli(env, "migrate")
    admin = cli(env, "token", "create", "--role", "admin", "--user", "bench-admin")
    grader = cli(env, "token", "create", "--role", "grader", "--user", "bench-grader")
    learner = cli(env, "token", "create", "--role", "learner", "--user", "l00007")
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/academy"), "api", "serve", "--port", str(port), "--log-level", "warning"],
        env=env,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_ready(f"{base}/api/v1/health")
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {admin}"}, timeout=120) as c:
            c.post(
                "/api/v1/cohorts", json={"slug": "bench-2026", "name": "Promo banc d'essai", "trainers": []}
            ).raise_for_status()
            names = [f"l{i:05d}" for i in range(learners)]
            c.post(
                "/api/v1/cohorts/bench-2026/enrolments/bulk", json={"learners": [{"username": n} for n in names]}
            ).raise_for_status()
            build_catalogue(c, assignments=assignments, exercises=exercises)
            # A second, small cohort: writes there must not flush the big cohort's cached gradebook.
            c.post("/api/v1/cohorts", json={"slug": "other-2026", "name": "Autre promo", "trainers": []})
            others = [{"username": f"o{i:05d}"} for i in range(5)]
            c.post("/api/v1/cohorts/other-2026/enrolments/bulk", json={"learners": others}).raise_for_status()
            c.put("/api/v1/cohorts/other-2026/releases/bench/a00", json={"due_date": None}).raise_for_status()
        rows = grade_rows(names, assignments=assignments, exercises=exercises)
        first, rest = rows[:100_000], rows[100_000:]
        with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {grader}"}, timeout=600) as g:
            # The body is encoded before the clock starts: the figure is the server's (parse, validate, write).
            body = json.dumps({"grades": first}).encode()
            jh = {"Content-Type": "application/json"}
            cpu0 = server_cpu(server.pid)
            t0 = time.perf_counter()
            r = g.post("/api/v1/ingest/grades", content=body, headers=jh)
            ingest_100k = time.perf_counter() - t0
            ingest_cpu = server_cpu(server.pid) - cpu0
            r.raise_for_status()
            t0 = time.perf_counter()
            if rest:
                g.post("/api/v1/ingest/grades", json={"grades": rest}).raise_for_status()
            ingest_rest = time.perf_counter() - t0
            t0 = time.perf_counter()
            again = g.post("/api/v1/ingest/grades", content=body, headers=jh).json()
            resend = time.perf_counter() - t0
        console.print(
            f"ingest 100,000 grades: {ingest_100k:.2f} s wall (target ≤ 5 s), {ingest_cpu:.2f} s of server CPU "
            f"(what the wall time would be on an idle core) — {r.json()}"
        )
        console.print(
            f"ingest the other {len(rest):,}: {ingest_rest:.2f} s; re-send of the 100,000: {resend:.2f} s ({again})"
        )

        admin_h = {"Authorization": f"Bearer {admin}"}
        learner_h = {"Authorization": f"Bearer {learner}"}
        endpoints = [
            ("health (baseline)", f"{base}/api/v1/health", {}),
            ("gradebook (page of 50)", f"{base}/api/v1/cohorts/bench-2026/gradebook", admin_h),
            ("gradebook (all 500)", f"{base}/api/v1/cohorts/bench-2026/gradebook?limit=500", admin_h),
            ("learner progress (me)", f"{base}/api/v1/me/progress", learner_h),
        ]
        results = {}
        for label, url, headers in endpoints:
            t0 = time.perf_counter()
            httpx.get(
                url, headers=headers, timeout=120
            ).raise_for_status()  # first call computes, later ones hit the cache
            cold = (time.perf_counter() - t0) * 1000
            hammer(url, headers, seconds=1, clients=clients)  # warm-up
            results[label] = (*hammer(url, headers, seconds=seconds, clients=clients), cold)
        health_rps = results["health (baseline)"][0]
        table = Table(
            title=f"{learners} learners × {assignments} assignments × {exercises} exercises, "
            f"{clients} clients, {seconds:g} s each"
        )
        for col in ("endpoint", "req/s", "× health", "p50 ms", "p99 ms", "errors", "first call ms"):
            table.add_column(col, justify="right" if col != "endpoint" else "left")
        for label, (rps, p50, p99, errors, cold) in results.items():
            table.add_row(
                label, f"{rps:.0f}", f"{rps / health_rps:.2f}", f"{p50:.1f}", f"{p99:.1f}", str(errors), f"{cold:.0f}"
            )
        console.print(table)
        ratio = results["gradebook (page of 50)"][0] / health_rps
        console.print(f"gradebook / health = {ratio:.2f} (target ≥ 0.30): {'OK' if ratio >= 0.3 else 'BELOW TARGET'}")
        book = "/api/v1/cohorts/bench-2026/gradebook"
        check = {"course": "bench", "assignment": "a00", "exercise": "ex00", "passed": True}
        grader_h = {"Authorization": f"Bearer {grader}"}
        httpx.get(f"{base}{book}", headers=admin_h, timeout=120).raise_for_status()
        other = after_writes(base, book, reader=admin_h, writer=grader_h, write={**check, "learner": "o00000"}, times=9)
        same = after_writes(base, book, reader=admin_h, writer=grader_h, write={**check, "learner": names[0]}, times=3)
        console.print(
            f"first (uncached) gradebook call: {results['gradebook (page of 50)'][4]:.0f} ms; after a write in "
            f"another cohort: {other:.1f} ms (cache kept); after a write in the same cohort: {same:.0f} ms (recomputed)"
        )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=500)
    parser.add_argument("--assignments", type=int, default=30)
    parser.add_argument("--exercises", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=4)
    a = parser.parse_args()
    main(learners=a.learners, assignments=a.assignments, exercises=a.exercises, seconds=a.seconds, clients=a.clients)
